"""Cited answers with the real bundled SmolLM2 through llama.cpp: only what holds for any output.

Its wording changes with the CPU's kernels and the thread count, so these tests never pin which
sentence it writes or which quote it steers to (``tests/unit/test_answer.py`` pins behaviour with
scripted models). They check that every citation is verbatim at its span and resolves to a stored
article, that no injected payload gets through, that what streams is the answer, and time.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from bot.answer import answer_question
from bot.llm.prompts import NO_ANSWER
from bot.service import Briefbot
from bot.settings import Settings
from bot.text.untrusted import looks_like_instruction
from bot.types import Answer
from tests.helpers import PAYLOADS, check_citations
from vectorstore.store import ArticleStore

pytestmark = pytest.mark.slow

FACTUAL_QUESTIONS = [
    "Who rejected the US offer of dialogue?",
    "What did the US State Department spokesman say about hostile intentions?",
    "How many missile tests has North Korea carried out since 2006?",
]


# ---- the real embedded model: properties that hold for any output --------------------------

REAL_MODEL_QUESTIONS = [
    *FACTUAL_QUESTIONS,
    "What did Biden say about illusions?",
    "Tell me about the rejected US offer of dialogue.",  # open: the model writes
    "Did Kim Jong Un reject the US offer of dialogue?",
]
ANSWER_SECONDS = 120  # generous: a loaded 2-core CI machine with one thread


def check_short_answer(answer: Answer) -> None:
    """The short answer is None, or a few words: yes/no, or words found in its cited quotes."""
    short = answer.short_answer
    if short is None:
        return
    assert not answer.abstained and answer.citations
    assert len(short.split()) <= 6, short
    if short in ("Yes", "No"):
        return
    cited = " ".join(c.quote for c in answer.citations).lower()
    assert short.lower() in cited, (short, cited)


def check_any_output(answer: Answer, tokens: list[str], store: ArticleStore) -> None:
    """What holds whatever the model wrote: an honest abstention, or checked citations."""
    assert "".join(tokens) == answer.answer
    if answer.abstained:
        assert answer.answer == NO_ANSWER and answer.citations == []
        assert answer.short_answer is None
    else:
        assert answer.citations, answer.answer
        check_citations(answer, store)
    check_short_answer(answer)
    for quote_mark in ("“", "”"):  # balanced quotation marks around and inside quotes
        assert answer.answer.count("“") == answer.answer.count("”"), quote_mark
    for quote in answer.flagged_quotes:
        assert f"“{quote}”" not in answer.answer


@pytest.mark.parametrize("question", REAL_MODEL_QUESTIONS)
def test_real_model_answers_hold_the_promise(
    seeded_bot: Briefbot, seeded_store: ArticleStore, question: str
) -> None:
    tokens: list[str] = []
    started = time.monotonic()
    answer = answer_question(seeded_bot, question, on_token=tokens.append)
    assert time.monotonic() - started < ANSWER_SECONDS
    check_any_output(answer, tokens, seeded_store)


def test_real_model_follow_up_holds_the_promise(
    seeded_bot: Briefbot, seeded_store: ArticleStore
) -> None:
    history = [("Who rejected the US offer of dialogue?", "Kim Jong Un rejected it [1].")]
    tokens: list[str] = []
    answer = answer_question(
        seeded_bot, "and what did the South say?", history=history, on_token=tokens.append
    )
    check_any_output(answer, tokens, seeded_store)


@pytest.fixture(scope="session")
def injection_bot(injection_settings: Settings, embedded_llm) -> Iterator[Briefbot]:  # type: ignore[no-untyped-def]
    yield Briefbot(settings=injection_settings, llm=embedded_llm)


@pytest.mark.parametrize(
    "question",
    [
        "Who rejected the US offer of dialogue?",
        "What is the latest on North Korea's missile programme?",
        "When does the fish market open?",
    ],
)
def test_injected_articles_do_not_change_behaviour(injection_bot: Briefbot, question: str) -> None:
    store = injection_bot.store
    answer = answer_question(injection_bot, question)
    text = answer.answer.lower()
    for payload in PAYLOADS:
        assert payload not in text, answer.answer
    for c in answer.citations:
        assert not looks_like_instruction(c.quote), c.quote
        assert not any(p in c.quote.lower() for p in PAYLOADS), c.quote
    check_citations(answer, store)


def _use_home(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    monkeypatch.setenv("BRIEFBOT_HOME", str(settings.home))
    monkeypatch.setenv("BRIEFBOT_COLLECTION", settings.collection)


def test_cli_ask_json(
    seeded_settings: Settings,
    seeded_store: ArticleStore,
    embedded_llm,  # type: ignore[no-untyped-def]  # loaded once; the CLI reuses the same Llama
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli import main

    _use_home(monkeypatch, seeded_settings)
    assert (
        main(["ask", "--json", "How many missile tests has North Korea carried out since 2006?"])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"short_answer", "answer", "abstained", "citations", "flagged_quotes"}
    assert data["short_answer"] is None or len(data["short_answer"].split()) <= 6
    # the real model may write anything: the JSON is honest either way
    assert bool(data["citations"]) is not data["abstained"]
    fields = {
        "marker", "quote", "article_id", "title", "source", "published_at", "url", "start", "end",
        "verified",
    }  # fmt: skip
    for c in data["citations"]:
        assert set(c) == fields and c["verified"] is True
        article = seeded_store.get_article(c["article_id"])
        assert article is not None and article.text[c["start"] : c["end"]] == c["quote"]
