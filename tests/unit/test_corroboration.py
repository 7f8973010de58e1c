"""Corroboration: the claim checker finds the same fact in another outlet's words, and never
support for another fact, another figure, another date or another name.

Pinned on the two seed articles (the RT piece and the wire story, two independent sources) and
on the labelled pairs of ``bench/corroboration/pairs.jsonl``. The checker is code: every verdict
here is exact, whatever model runs elsewhere.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.briefing.candidates import CitationPool, Sentence
from bot.briefing.corroboration import corroborate
from bot.briefing.evidence import Evidence
from bot.claims.checker import ClaimChecker, Verdict
from bot.claims.citations import verify_citation
from bot.text.words import name_runs, negations, place_key
from vectorstore.chunking import chunk_article
from vectorstore.models import Article, ScoredChunk

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
PAIRS = ROOT / "bench" / "corroboration" / "pairs.jsonl"

RT_HANOI = (
    "And negotiations between the United States and North Korea have remained at a standstill "
    "since the failure of the second summit between Donald Trump and Kim Jong-un in Hanoi in 2019."
)
WIRE_HANOI = (
    "Talks between Washington and Pyongyang have been deadlocked since the failure of the 2019 "
    "summit in Hanoi between Kim Jong Un and then US President Donald Trump."
)


def _seed(name: str, source: str) -> Article:
    text = (SEEDS / name).read_text(encoding="utf-8")
    return Article(id=name, title="", text=text, content_hash=name, source=source)


WIRE = _seed("000_ba6495630248eccb.txt", "wire")
RT = _seed("002_59e0cd0227b5c15e.txt", "RT en français")


def _passages(article: Article) -> list[ScoredChunk]:
    return [ScoredChunk(c, 1.0, article) for c in chunk_article(article.id, article.text)]


def _check(sentence: str, source: Article):  # -> ClaimCheck
    result = ClaimChecker().check(sentence, _passages(source))
    for c in result.citations:  # the promise: every quote verbatim
        assert verify_citation(c, source.text)
    return result


# ---- the seed pair the issue names ---------------------------------------------------------


@pytest.mark.parametrize(("sentence", "other"), [(RT_HANOI, WIRE), (WIRE_HANOI, RT)])
def test_stalled_talks_since_hanoi_corroborate_across_the_seeds(
    sentence: str, other: Article
) -> None:
    """ "United States" = "Washington", "President" is a title, "the 2019 summit in Hanoi" is
    "the second summit ... in Hanoi in 2019": the other source says the same thing."""
    result = _check(sentence, other)
    assert result.verdict is Verdict.SUPPORTED, result.reason
    assert "Hanoi" in result.citations[0].quote and "2019" in result.citations[0].quote


@pytest.mark.parametrize(
    ("sentence", "other", "why"),
    [
        (  # another year for the same summit
            "Talks between Washington and Pyongyang have been deadlocked since the failure of "
            "the 2018 summit in Hanoi.",
            RT,
            "date",
        ),
        (  # another place, one the other source names elsewhere
            "Talks between Washington and Pyongyang have been deadlocked since the failure of "
            "the 2019 summit in Singapore.",
            RT,
            "name",
        ),
        (  # Seoul is not Pyongyang: aliases join a capital to its own country only
            "Negotiations between Washington and Seoul have remained at a standstill since 2019.",
            RT,
            "name",
        ),
        ("Joe Biden and Kim Jong Un held a summit in Hanoi in 2019.", RT, "name"),
        (  # same topic, another fact (and other figures)
            "North Korea has carried out six missile tests since 2006.",
            WIRE,
            "fact",
        ),
        (
            "North Korea has not carried out any nuclear tests or intercontinental ballistic "
            "missile fire since 2017.",
            RT,
            "fact",
        ),
        (
            "Talks between Washington and Pyongyang have not been deadlocked since the 2019 "
            "summit in Hanoi.",
            RT,
            "negation",
        ),
    ],
)
def test_no_false_corroboration_on_the_seeds(sentence: str, other: Article, why: str) -> None:
    assert _check(sentence, other).verdict is not Verdict.SUPPORTED, why


def test_a_different_figure_for_the_same_thing_is_a_contradiction() -> None:
    result = _check(
        "Talks between Washington and Pyongyang have been deadlocked since the failure of "
        "the 2018 summit in Hanoi.",
        RT,
    )
    assert result.verdict is Verdict.CONTRADICTED and "2018" in result.reason


def test_the_seed_development_counts_two_independent_sources() -> None:
    evidence = Evidence(_passages(WIRE) + _passages(RT))
    start = RT.text.index(RT_HANOI)
    pool = CitationPool()
    found = corroborate(
        Sentence(RT, start, start + len(RT_HANOI), 1.0, 0), evidence, ClaimChecker(), pool
    )
    assert found.count == 2 and not found.disputed
    assert set(found.sources) == {"wire", "RT en français"}
    (marker,) = found.support
    assert pool.citations[marker].article_id == WIRE.id
    assert "Hanoi" in pool.citations[marker].quote


# ---- names ---------------------------------------------------------------------------------


def test_titles_split_name_runs_and_are_not_names() -> None:
    runs = name_runs("Talks stalled, said then US President Donald Trump and Mr. Kim Jong-un.")
    assert runs == [("us",), ("donald", "trump"), ("kim", "jong", "un")]


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("United States", "us"),
        ("U.S.", "us"),
        ("Washington", "us"),
        ("Pyongyang", "nk"),
        ("North Korea", "nk"),
        ("DPRK", "nk"),
        ("Seoul", "sk"),
        ("the Kremlin", "russia"),
        ("Beijing", "china"),
        ("Hanoi", None),
    ],
)
def test_capitals_and_countries_meet(name: str, key: str | None) -> None:
    (run,) = name_runs(f"They met {name}.")
    assert place_key(run) == key


@pytest.mark.parametrize(
    ("sentence", "source", "supported"),
    [
        # a short form the source uses for a name it also writes in full
        (
            "Sam Bankman-Fried was the CEO of FTX.",
            "Sam Bankman-Fried took the stand on Monday morning in New York.\n\n"
            "It was Bankman-Fried's decision, as he was the CEO of FTX.",
            True,
        ),
        # ... not for a name it never writes: the short form may be someone else's
        (
            "Jeffrey Bankman-Fried was the CEO of FTX.",
            "Sam Bankman-Fried took the stand on Monday morning in New York.\n\n"
            "It was Bankman-Fried's decision, as he was the CEO of FTX.",
            False,
        ),
        # a title is not part of the name ("CEO Jeffrey Hirsch" is Jeffrey Hirsch)
        (
            "Starz CEO Jeffrey Hirsch cut a tenth of the staff.",
            "Jeffrey Hirsch cut a tenth of the staff at Starz on Friday.",
            True,
        ),
        # two names side by side are not one name that either stands for
        (
            "Sportsbooks tighten the NBA Mark Kaplan lines.",
            "Sportsbooks tighten the NBA lines, Mark said.",
            False,
        ),
        # ... but not another person of the same surname
        ("Joe Biden was the CEO of FTX.", "Hunter Biden was the CEO of FTX.", False),
        # a place never stands in for another through a shared word
        (
            "South Korea rejected the offer of talks.",
            "North Korea rejected the offer of talks.",
            False,
        ),
    ],
)
def test_short_names_and_places(sentence: str, source: str, supported: bool) -> None:
    article = Article(id="a", title="", text=source, content_hash="a", source="Other outlet")
    result = _check(sentence, article)
    assert (result.verdict is Verdict.SUPPORTED) is supported, result.reason


def test_number_sign_is_not_a_negation() -> None:
    assert negations("Swift was seen cheering on No. 87 at Arrowhead Stadium.") == 0
    assert negations("She was cheering on No.") == 0
    assert negations("He said no.") == 1


# ---- the labelled set ----------------------------------------------------------------------


def _pairs() -> list[dict]:
    return [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line]


def test_labelled_pairs_are_well_formed() -> None:
    pairs = _pairs()
    assert len(pairs) >= 60 and len({p["id"] for p in pairs}) == len(pairs)
    assert {p["split"] for p in pairs} == {"dev", "test"}
    assert any(p["label"] for p in pairs) and not all(p["label"] for p in pairs)


@pytest.mark.slow
def test_no_false_corroboration_on_the_labelled_pairs() -> None:
    """Precision is the promise: on every pair labelled "does not corroborate" the checker
    (with MiniLM paraphrase judgement, as in briefings) finds no support."""
    from bench.bench_corroboration import article_of, passages_of
    from vectorstore.embeddings import default_embeddings

    checker = ClaimChecker(default_embeddings())
    false = [
        p["id"]
        for p in _pairs()
        if not p["label"]
        and checker.check(p["sentence"], passages_of(article_of(p))).verdict is Verdict.SUPPORTED
    ]
    assert false == []


@pytest.mark.parametrize(
    ("source", "supported"),
    [
        ("A US State Department spokesman said Washington had no hostile intentions.", True),
        ("A State Department spokesman said the United States had no hostile intentions.", True),
        # the pronoun "us" is not the US
        ("Kim said the hostile policy against us had no end and no intentions.", False),
    ],
)
def test_a_country_is_met_by_its_names_not_by_a_pronoun(source: str, supported: bool) -> None:
    article = Article(id="b", title="", text=source, content_hash="b", source="Other outlet")
    result = _check("The United States has no hostile intentions.", article)
    assert (result.verdict is Verdict.SUPPORTED) is supported, result.reason
