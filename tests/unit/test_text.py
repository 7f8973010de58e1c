"""The shared reading of text (``bot.text``), the question read once, and declared model profiles."""

from __future__ import annotations

from datetime import date

import pytest
from langchain_core.embeddings import Embeddings

from bot.answer.question import Question
from bot.llm import DEFAULT_PROFILE, profile_of
from bot.text.dates import DateMention, find_dates, find_question_dates, future_cue
from bot.text.figures import figure_value, figures
from bot.text.similarity import CachingEmbeddings, cosine, dot, unit
from bot.text.speech import CLAIM_SPEECH_VERBS, SPEECH_VERBS, claimed_speaker
from bot.text.words import (
    CLAIM_STOPWORDS,
    INDEX_STOPWORDS,
    claim_stem,
    claim_stems,
    claim_terms,
    coverage,
    names_and_numbers,
    tokenize,
)
from tests.fakes import scripted

# ---- words ---------------------------------------------------------------------------------------


def test_index_terms_keep_compounds_names_and_numbers() -> None:
    assert tokenize("Bankman-Fried's $14,000 deal with the U.S.") == [
        "bankman-fried",
        "bankman",
        "fried",
        "14000",
        "deal",
        "us",
    ]
    assert tokenize("Beyoncé") == ["beyonce"]


def test_claim_terms_weigh_numbers_and_names_and_ignore_reporting_verbs() -> None:
    # a capital counts as a name except on the first word (sentence case)
    terms = {t.stem: t.weight for t in claim_terms("Then Kim said North Korea ran six tests")}
    assert terms["6"] == 2.0 and terms["kim"] == 1.5 and terms["north"] == 1.5
    assert "said" not in terms and "sai" not in terms
    assert claim_stem("rejecting") == claim_stem("rejected") == claim_stem("rejects")
    assert "us" in claim_stems("the United States said")  # initials of a name run
    named = names_and_numbers("Then Kim carried out six tests")
    assert {t.stem for t in named} == {"kim", "6"}
    assert coverage(named, {"kim"}) == pytest.approx(1.5 / 3.5)


def test_the_two_stopword_lists_differ_only_where_documented() -> None:
    only_index = INDEX_STOPWORDS - CLAIM_STOPWORDS
    only_claims = CLAIM_STOPWORDS - INDEX_STOPWORDS
    assert {"suggest", "published", "however", "whether"} <= only_index
    assert {"said", "told", "please", "didn", "passage"} <= only_claims
    assert {"the", "article", "reported"} <= INDEX_STOPWORDS & CLAIM_STOPWORDS


# ---- dates ---------------------------------------------------------------------------------------


def test_question_dates_are_ranges_in_the_question_or_store_years() -> None:
    (day,) = find_question_dates("What happened on October 1st?", default_years=[2023])
    assert (day.first, day.last, day.text) == (date(2023, 10, 1), date(2023, 10, 1), "October 1st")
    (month,) = find_question_dates("news in November 2023")
    assert (month.first, month.last) == (date(2023, 11, 1), date(2023, 11, 30))
    lo, hi = month.ts_range(slack_days=1)
    assert hi - lo == (30 + 2) * 86_400 - 1
    assert find_question_dates("the May report") == []  # "May" alone is not a date here


def test_sentence_dates_resolve_against_the_article_date() -> None:
    (m,) = find_dates("It happened on 18 June.", published=date(2021, 6, 19))
    assert (m.iso, m.future) == ("2021-06-18", False)
    assert isinstance(m, DateMention) and m.first == date(2021, 6, 18)
    assert future_cue("Talks are scheduled to resume next week.") == ("are scheduled to", 2)
    assert future_cue("The talks were long.") is None


# ---- speakers, figures, similarity ---------------------------------------------------------------


def test_claimed_speaker_uses_a_subset_of_the_speech_verbs() -> None:
    assert set(CLAIM_SPEECH_VERBS.split("|")) <= set(SPEECH_VERBS.split("|"))
    assert claimed_speaker("Kim Jong Un has said the offer was hostile.") == "Kim Jong Un"
    assert claimed_speaker("The offer was hostile.") is None


def test_figures_and_values() -> None:
    assert figures("six tests cost $26.3 billion, up 40%") == ["six", "$26.3 billion", "40%"]
    assert figure_value("Six") == "6" and figure_value("dozens") == "12"


class CountingEmbeddings(Embeddings):
    def __init__(self) -> None:
        self.documents: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.documents += texts
        return [[float(len(t)), 1.0] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return [float(len(text)), 0.0]


def test_cosine_unit_and_the_one_embedding_cache() -> None:
    assert cosine([1.0, 0.0], [0.0, 2.0]) == 0.0 and cosine([0.0], [1.0]) == 0.0
    assert dot(unit([3.0, 4.0]), unit([3.0, 4.0])) == pytest.approx(1.0)
    inner = CountingEmbeddings()
    cache = CachingEmbeddings(inner, cache_queries=False, max_items=2)
    assert cache.embed_documents(["a", "bb", "a"]) == [[1.0, 1.0], [2.0, 1.0], [1.0, 1.0]]
    cache.embed_documents(["bb", "ccc"])  # "a" is the least recently used: evicted
    cache.embed_documents(["a"])
    assert inner.documents == ["a", "bb", "ccc", "a"] and cache.computed == 4


# ---- a question read once; declared model profiles -----------------------------------------------


def test_question_is_read_once_with_its_follow_up_context() -> None:
    history = [("user", "What did Kim Jong Un say about the US offer?"), ("assistant", "…")]
    q = Question.read("  and   the South? ", history)
    assert q.text == "and the South?"
    assert q.query == "and the South? (What did Kim Jong Un say about the US offer?)"
    assert q.focus == q.text and {t.stem for t in q.focus_terms} == {"south"}
    bare = Question.read("what did he say?", history)
    assert bare.focus == bare.query and any(t.stem == "kim" for t in bare.focus_named)


def test_profiles_are_declared_not_probed() -> None:
    assert profile_of(scripted("x")) == DEFAULT_PROFILE
