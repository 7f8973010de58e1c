"""Independent sources, disagreements, corroboration and confidence, and checked model prose —
pinned on crafted articles with the real claim checker and scripted models (no store)."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest

from bot.briefing.candidates import CitationPool, Sentence
from bot.briefing.corroboration import (
    CONFIDENCE_RULES,
    HIGH,
    LOW,
    MODERATE,
    confidence,
    confidence_scale,
    corroborate,
)
from bot.briefing.disagreements import select_disagreements
from bot.briefing.drafting import draft_sections, is_capable, split_draft
from bot.briefing.evidence import Evidence
from bot.briefing.model import Briefing, Development, Disagreement, Position, SourceEntry
from bot.briefing.publishers import IndependentSources
from bot.briefing.summary import attributed_sentence, checked_bottom_line, code_bottom_line
from bot.claims import check, make_citation
from bot.claims.checker import ClaimChecker, Verdict
from bot.settings import BriefingSettings
from tests.fakes import ScriptedChatModel, scripted
from vectorstore.fingerprint import simhash
from vectorstore.models import Article, Chunk, ScoredChunk

FILLER = [
    "The Ministry of Tests runs the campaign from its offices in the capital.",
    "Inspectors visited schools, hospitals and railway stations across the region.",
    "Each incident was logged by hand and later entered into a public register.",
    "The register lists the date, the place and the kind of each incident.",
    "Local councils were asked to report any further incidents within a week.",
    "The ministry said the campaign would be reviewed at the end of the year.",
]
PLANET = "The Ministry of Tests campaign counted 12 incidents in March, the ministry said."
COURIER = "The Ministry of Tests campaign counted 40 incidents in March."
VISITS = (
    "Inspectors from the Ministry of Tests visited schools, hospitals and railway stations "
    "across the whole northern region in March."
)


def article(article_id: str, source: str, sentences: list[str], url: str | None = None) -> Article:
    text = " ".join(sentences)
    return Article(
        id=article_id,
        title=f"Campaign report {article_id}",
        text=text,
        content_hash=article_id,
        source=source,
        published_at="2024-03-20",
        url=url,
        simhash=f"{simhash(text):016x}",
    )


def passage(a: Article) -> ScoredChunk:
    return ScoredChunk(Chunk(f"{a.id}:0", a.id, 0, 0, len(a.text), a.text), 1.0, a)


def sentence(a: Article, text: str) -> Sentence:
    start = a.text.index(text)
    return Sentence(a, start, start + len(text), 1.0, 0)


def disagreements(*articles: Article, first: tuple[Article, str]) -> list[Disagreement]:
    evidence = Evidence([passage(a) for a in articles])
    pool = CitationPool()
    found = select_disagreements(
        [sentence(*first)], evidence, ClaimChecker(), BriefingSettings(), pool, set()
    )
    for d in found:  # every side is a verified, verbatim quote
        for m in (d.left, d.right):
            c = pool.citations[m]
            assert c.verified and pool.articles[c.article_id].text[c.start : c.end] == c.quote
    return found


# ---- one definition of an independent source -----------------------------------------------


def test_syndicated_copies_and_one_publishers_articles_are_one_source() -> None:
    wire = article("w", "Wire", [PLANET, *FILLER])
    copy = article("c", "Herald", [PLANET, *FILLER, "Reprinted with permission."])
    same_publisher = article("w2", "Wire", ["A different story on another day entirely."])
    other = article("o", "Courier", [COURIER, "Nothing else is said here today."])
    sources = IndependentSources([wire, copy, same_publisher, other])
    assert sources.same("w", "c") and sources.same("w", "w2")
    assert not sources.same("w", "o")
    assert len(sources.source_keys()) == 2
    assert sources.name(sources.of("c")) == "Herald / Wire"
    # a copy the ingest flagged as a near duplicate joins its original too
    flagged = dataclasses.replace(
        other, id="f", source="Gazette", simhash="", near_duplicate_of="o"
    )
    assert IndependentSources([other, flagged]).same("o", "f")


# ---- disagreements ------------------------------------------------------------------------------


def test_a_numeric_contradiction_between_independent_publishers_is_listed() -> None:
    planet = article("p", "Daily Planet", [PLANET, *FILLER[:2]])
    courier = article("c", "Evening Courier", [COURIER, "Critics called the campaign a failure."])
    [d] = disagreements(planet, courier, first=(planet, PLANET))
    assert d.kind == "figure" and d.detail in ("12 vs 40", "40 vs 12")
    assert "incidents" in d.attribute


def test_syndicated_copies_never_disagree() -> None:
    wire = article("w", "Wire", [PLANET, *FILLER])
    # the copy was edited (another count) but is the same story: one source
    edited = PLANET.replace("12", "14")
    copy = article("c", "Herald", [edited, *FILLER])
    assert check(PLANET, [passage(copy)]).verdict is Verdict.CONTRADICTED
    assert disagreements(wire, copy, first=(wire, PLANET)) == []


def test_two_statements_of_one_actor_are_not_a_disagreement() -> None:
    june = "Kim Jong Un said North Korea had tested 3 missiles this year."
    september = "Kim Jong Un said North Korea had tested 5 missiles this year."
    a = article("a", "Daily Planet", [june, *FILLER[:2]])
    b = article("b", "Evening Courier", [september, *FILLER[2:4]])
    assert check(june, [passage(b)]).verdict is Verdict.CONTRADICTED  # the checker sees it...
    assert disagreements(a, b, first=(a, june)) == []  # ...but it is Kim's positions


def test_two_actors_opposing_positions_are_not_a_disagreement() -> None:
    no = "North Korea will not hold talks with Washington, a spokesman said."
    yes = "North Korea will hold talks with Washington, a minister said."
    a = article("a", "Daily Planet", [no, *FILLER[:2]])
    b = article("b", "Evening Courier", [yes, *FILLER[2:4]])
    assert check(no, [passage(b)]).verdict is Verdict.CONTRADICTED
    assert disagreements(a, b, first=(a, no)) == []


def test_the_sources_own_yes_against_no_is_a_disagreement() -> None:
    no = "The factory did not close in March."
    yes = "The factory closed in March."
    a = article("a", "Daily Planet", [no, *FILLER[:2]])
    b = article("b", "Evening Courier", [yes, *FILLER[2:4]])
    [d] = disagreements(a, b, first=(a, no))
    assert d.kind == "yes or no"


def test_different_claims_are_not_a_disagreement() -> None:
    # the seed case: a count since 2006 and "no test since 2017" are different claims
    rt = "North Korea has carried out six missile tests since 2006."
    wire = (
        "North Korea has not carried out any nuclear tests or intercontinental ballistic "
        "missile fire since 2017."
    )
    a = article("a", "RT", [rt, "It is the subject of several rounds of sanctions."])
    b = article("b", "Wire", [wire, "Hypersonic missiles are much faster."])
    assert disagreements(a, b, first=(a, rt)) == []
    assert disagreements(b, a, first=(b, wire)) == []


# ---- corroboration and confidence ------------------------------------------------------------


@pytest.mark.parametrize(
    ("independent", "not_state", "disputed", "level"),
    [
        (1, 1, False, LOW),
        (2, 1, False, MODERATE),
        (2, 0, False, LOW),
        (3, 2, False, HIGH),
        (3, 1, False, MODERATE),
        (5, 5, True, LOW),
    ],
)
def test_confidence_table(independent: int, not_state: int, disputed: bool, level: str) -> None:
    assert confidence(independent, not_state, disputed) == level


def test_the_confidence_scale_is_stated_from_the_table() -> None:
    scale = confidence_scale()
    assert "ICD 203" in scale
    for _, _, level in CONFIDENCE_RULES:
        assert level in scale


def test_syndicated_copies_count_once_for_corroboration() -> None:
    lead = "The Ministry of Tests campaign counted 12 incidents in March."
    wire = article("w", "Wire", [lead, *FILLER])
    copy = article("c", "Herald", [lead, *FILLER, "Reprinted with permission."])
    state = article(
        "s", "RT", ["In March the Ministry of Tests campaign counted 12 incidents, RT reported."]
    )
    independent = article("i", "Evening Courier", [f"{lead[:-1]}, the Courier found."])
    evidence = Evidence([passage(a) for a in (wire, copy, state, independent)])
    pool = CitationPool()
    found = corroborate(sentence(wire, lead), evidence, ClaimChecker(), pool)
    assert found.count == 3, found  # the copy is not a second source
    assert found.sources[0] == "Herald / Wire"
    assert set(found.sources[1:]) == {"RT", "Evening Courier"}
    assert found.state_affiliated == 1
    assert found.level == HIGH  # 3 independent sources, 2 of them not state-affiliated
    assert "3 independent sources, 1 state-affiliated" in found.phrase
    for m in found.support:
        c = pool.citations[m]
        assert c.verified and c.article_id in {"s", "i"}


def test_a_single_source_is_low_confidence() -> None:
    a = article("a", "Daily Planet", [PLANET, *FILLER])
    b = article("b", "Evening Courier", ["The weather in March was mild across the region."])
    found = corroborate(
        sentence(a, PLANET), Evidence([passage(a), passage(b)]), ClaimChecker(), CitationPool()
    )
    assert found.count == 1 and found.support == () and found.level == LOW


# ---- the bottom line: code-built, or model prose that passes the checker ---------------------


def test_attributed_sentence() -> None:
    assert attributed_sentence("The campaign began in March.", "Daily Planet") == (
        "According to Daily Planet, the campaign began in March."
    )
    assert attributed_sentence("And talks stalled in 2019.", "AFP") == (
        "According to AFP, talks stalled in 2019."
    )
    assert attributed_sentence("“We will win,” he said.", "AFP") is None  # direct speech
    assert attributed_sentence("He said it would end.", "AFP") is None  # who is "he"?
    # a common noun opening the sentence loses its capital (the parse says so); names keep it
    assert attributed_sentence(
        "Talks between Washington and Pyongyang have been deadlocked since 2019.", "a report"
    ) == ("According to a report, talks between Washington and Pyongyang have been deadlocked "
          "since 2019.")  # fmt: skip
    assert attributed_sentence("Pyongyang tested a missile in 2019.", "AFP") == (
        "According to AFP, Pyongyang tested a missile in 2019."
    )
    assert attributed_sentence("NATO met in Brussels on Monday.", "AFP") == (
        "According to AFP, NATO met in Brussels on Monday."
    )


def _pool_with(*items: tuple[Article, str]) -> tuple[CitationPool, list[int]]:
    pool = CitationPool()
    return pool, [pool.add(sentence(a, text)) for a, text in items]


def _check_each(text: str, pool: CitationPool) -> None:
    """Every sentence of a bottom line passes the claim checker against the quotes it cites."""
    from bot.briefing.model import MARKER, split_marked_sentences

    for s in split_marked_sentences(text):
        markers = [int(m) for m in MARKER.findall(s)]
        assert markers, s
        result = ClaimChecker().check(MARKER.sub("", s).strip(), pool.passages(markers))
        assert result.supported, (s, result.reason)


def test_code_built_bottom_line_passes_the_checker() -> None:
    a = article("a", "Daily Planet", [PLANET, *FILLER])
    b = article("b", "Evening Courier", ["“We will win,” he said.", VISITS, "Short one here."])
    pool, (m1, m2, m3, m4) = _pool_with(
        (a, PLANET), (b, "“We will win,” he said."), (b, VISITS), (b, "Short one here.")
    )
    built = code_bottom_line(
        [(m, publisher, ()) for m, publisher in ((m1, "Daily Planet"), (m2, "Evening Courier"),
                                                 (m3, "Evening Courier"), (m4, "Evening Courier"))],
        pool,
        ClaimChecker(),
    )  # fmt: skip
    # direct speech is never rewritten; a sentence the attribution would outweigh fails the check
    assert built == [
        (
            "According to Daily Planet, the Ministry of Tests campaign counted 12 incidents in "
            "March, the ministry said.",
            [m1],
        ),
        (f"According to Evening Courier, {VISITS[0].lower()}{VISITS[1:]}", [m3]),
    ]
    from bot.briefing.summary import join_sentences

    _check_each(join_sentences(built), pool)


def test_model_sentence_failing_the_check_falls_back_to_the_code_built_one() -> None:
    a = article("a", "Daily Planet", [PLANET, VISITS, *FILLER])
    pool, (m1, m2) = _pool_with((a, PLANET), (a, VISITS))
    fallback = code_bottom_line(
        [(m1, "Daily Planet", ()), (m2, "Daily Planet", ())], pool, ClaimChecker()
    )
    reply = (
        f"The ministry's campaign counted 12 incidents in March [{m1}]. "
        f"The minister resigned after 30 incidents in April [{m2}]."
    )
    text, notes = checked_bottom_line(reply, pool, [m1, m2], ClaimChecker(), fallback)
    first, second = text.split(f"[{m1}] ", 1)
    assert first == "The ministry's campaign counted 12 incidents in March. "  # kept
    assert second == f"{fallback[1][0]} [{m2}]"  # replaced by the code-built sentence
    assert "resigned" not in text and "30" not in text
    assert any("replaced by a code-built one" in n for n in notes)
    _check_each(text, pool)


def test_a_model_bottom_line_that_fails_entirely_is_rejected() -> None:
    a = article("a", "Daily Planet", [PLANET, *FILLER])
    pool, (m1,) = _pool_with((a, PLANET))
    text, notes = checked_bottom_line(
        "Paris banned the campaign [1]. It cost 9 billion [1].", pool, [m1], ClaimChecker()
    )
    assert text == "" and notes


def _development(marker: int, rank: int = 0) -> Development:
    return Development("March", (2024, 3, 99, rank), marker, "2024-03", rank)


def test_a_capable_model_drafts_bottom_line_and_developments_each_checked() -> None:
    a = article("a", "Daily Planet", [PLANET, VISITS, *FILLER])
    pool, (m1, m2) = _pool_with((a, PLANET), (a, VISITS))
    devs = [_development(m1), _development(m2, 1)]
    fallback = code_bottom_line(
        [(m1, "Daily Planet", ()), (m2, "Daily Planet", ())], pool, ClaimChecker()
    )
    reply = (
        "BOTTOM LINE: The ministry's campaign counted 12 incidents in March "
        f"[{m1}]. Inspectors found 700 incidents at airports [{m2}].\n"
        "DEVELOPMENTS:\n"
        f"[{m1}] The ministry's campaign counted 12 incidents in March.\n"
        f"[{m2}] Inspectors closed every hospital in the region [{m2}]."
    )
    model = scripted(reply)
    assert is_capable(model)
    draft = draft_sections(
        SimpleNamespace(llm=model),
        "campaign",
        pool,
        devs,
        BriefingSettings(),
        ClaimChecker(),
        fallback,
    )
    assert PLANET in model.calls[0] and VISITS in model.calls[0]  # drafted from the evidence
    assert draft.bottom_line == (
        f"The ministry's campaign counted 12 incidents in March. [{m1}] {fallback[1][0]} [{m2}]"
    )
    kept, refused = draft.developments
    assert kept.text == "The ministry's campaign counted 12 incidents in March."
    assert refused.text is None  # "closed every hospital" is not in the quote: the quote stays
    assert any("kept as a quote" in n for n in draft.notes)
    _check_each(draft.bottom_line, pool)


def test_split_draft_without_labels_is_all_bottom_line() -> None:
    assert split_draft("One [1]. Two [2].") == ("One [1]. Two [2].", {})
    bottom, lines = split_draft("**Bottom line:** A [1]. B [2].\nDevelopments:\n- [3] C.\n")
    assert bottom == "A [1]. B [2]." and lines == {3: "C. [3]"}


def test_the_embedded_model_is_not_asked_to_draft_sections() -> None:
    from bot.llm.base import ModelProfile, declare_profile

    class Small(ScriptedChatModel):
        pass

    declare_profile(Small, lambda _m: ModelProfile(max_passages=3, passage_chars=450))
    assert not is_capable(Small(reply="x")) and not is_capable(None)


# ---- the JSON shape -------------------------------------------------------------------------


def test_to_dict_has_the_whole_briefing_with_verbatim_quotes() -> None:
    a = article("a", "Daily Planet", [PLANET, *FILLER])
    b = article("b", "RT", [COURIER, FILLER[2]])
    cites = []
    for art, text in ((a, PLANET), (a, FILLER[0]), (b, COURIER), (b, FILLER[2]), (a, FILLER[3])):
        start = art.text.index(text)
        cites.append(make_citation(len(cites) + 1, art, start, start + len(text)))
    briefing = Briefing(
        title="Briefing: campaign",
        topic="campaign",
        earliest="2024-03-20",
        latest="2024-03-20",
        source_count=2,
        bottom_line="According to Daily Planet, the campaign counted 12 incidents. [1] Two. [2][3]",
        developments=[
            Development(
                "March",
                (2024, 3, 99, 0),
                1,
                "2024-03",
                0,
                support=(3,),
                sources=("Daily Planet", "RT"),
                confidence=LOW,
                confidence_note="low confidence: 2 independent sources, 1 state-affiliated",
            )
        ],  # fmt: skip
        positions=[Position("Ada Lovelace", (2,), "Minister")],
        disagreements=[Disagreement("campaign: incidents March", 1, 3, "figure", "12 vs 40")],
        watch=[],
        sources=[
            SourceEntry("a", "Daily Planet", a.title, None, None, False, (1, 2, 5)),
            SourceEntry("b", "RT", b.title, None, None, True, (3, 4), "RT"),
        ],
        citations=cites,
        articles={"a": a, "b": b},
    )
    data = briefing.to_dict()
    texts = {"a": a.text, "b": b.text}

    def verbatim(q: dict) -> None:
        assert texts[q["article_id"]][q["start"] : q["end"]] == q["quote"]

    assert [s["text"] for s in data["bottom_line"]] == [
        "According to Daily Planet, the campaign counted 12 incidents.",
        "Two.",
    ]
    assert [[c["marker"] for c in s["citations"]] for s in data["bottom_line"]] == [[1], [2, 3]]
    [dev] = data["developments"]
    assert dev["text"] == PLANET and dev["corroboration"] == 2 and dev["confidence"] == "low"
    assert dev["sources"] == ["Daily Planet", "RT"] and len(dev["citations"]) == 2
    [pos] = data["positions"]
    assert pos["actor"] == "Ada Lovelace" and pos["role"] == "Minister"
    assert set(pos["quotes"][0]) >= {"quote", "article_id", "start", "end"}
    [dis] = data["disagreements"]
    assert dis["attribute"] == "campaign: incidents March"
    assert [s["source"] for s in dis["sides"]] == ["Daily Planet", "RT"]
    for q in [*dev["citations"], *pos["quotes"], *dis["sides"]]:
        verbatim(q)
    for s in data["bottom_line"]:
        for q in s["citations"]:
            verbatim(q)
    assert data["watch"] == [] and len(data["sources"]) == 2


def test_one_actor_under_two_names_is_still_one_actor() -> None:
    from bot.briefing.disagreements import FIGURE, is_disagreement

    assert not is_disagreement(
        FIGURE, "Kim said 3 missiles were tested.", "Kim Jong Un said 5 missiles were tested."
    )
    assert is_disagreement(
        FIGURE, "Officials said 12 incidents were counted.", "The count was 40 incidents."
    )


def test_the_writers_own_voice_is_not_attributed_to_the_publisher() -> None:
    assert attributed_sentence("In our last roundup, we learned how it went.", "AFP") is None
    assert attributed_sentence("If the court agrees, Google wins the case.", "AFP") == (
        "According to AFP, if the court agrees, Google wins the case."
    )


# ---- a capable model over real HTTP drafts the seed briefing ---------------------------------


@pytest.mark.slow
def test_an_openai_compatible_server_drafts_and_every_sentence_is_checked(seeded_settings) -> None:  # type: ignore[no-untyped-def]
    import re

    from bot.briefing import generate_briefing
    from bot.briefing.model import MARKER, split_marked_sentences
    from bot.llm import make_chat_model
    from bot.service import Briefbot
    from tests.fakes import scripted_openai_server
    from tests.helpers import check_briefing_quotes

    def reply(prompt: str) -> str:
        """A faithful sentence on the first development, a fabricated one, and for each
        development a shortened restatement of its quote."""
        quotes = dict(re.findall(r"^\[(\d+)\] \([^)]*\) (.*)$", prompt, re.MULTILINE))
        developments = re.findall(r"\[(\d+)\]", prompt.split("Development quotes:")[1])

        def gist(n: str) -> str:
            """The quote's longer words (negations and figures kept): a terse restatement."""
            words = re.findall(r"[\w’'-]+", quotes[n])
            kept = [w for w in words if len(w) > 3 or w.lower() in ("not", "no") or w.isdigit()]
            return "In short, " + " ".join(kept[:12])

        first = developments[0]
        lines = [f"[{n}] {gist(n)} [{n}]." for n in developments]
        return (
            f"BOTTOM LINE: {gist(first)} [{first}]. Kim Jong Un visited Paris in 1999 [{first}].\n"
            "DEVELOPMENTS:\n" + "\n".join(lines)
        )

    with scripted_openai_server(reply) as (url, calls):
        settings = seeded_settings.model_copy(
            update={"llm": "openai-compatible", "llm_base_url": url, "llm_model": "scripted"}
        )
        bot = Briefbot(settings=settings, llm=make_chat_model(settings))
        assert is_capable(bot.llm)
        briefing = generate_briefing(bot, "North Korea–US relations")
    assert len(calls) == 1 and "DEVELOPMENTS" in calls[0]
    assert "Paris" not in briefing.bottom_line and "1999" not in briefing.bottom_line
    assert briefing.bottom_line_origin == "model", (briefing.notes, calls[0][-1500:])
    assert any("replaced by a code-built one" in n for n in briefing.notes), briefing.notes
    drafted = [d for d in briefing.developments if d.text]
    assert drafted, briefing.notes  # model sentences that pass are kept
    checker = ClaimChecker(bot.sentence_embeddings, settings.claims)

    def passages(markers: list[int]) -> list[ScoredChunk]:
        out = []
        for m in markers:
            c = briefing.citation(m)
            art = bot.store.get_article(c.article_id)
            out.append(
                ScoredChunk(Chunk(f"q{m}", c.article_id, m, c.start, c.end, c.quote), 1, art)
            )
        return out

    for sentence in split_marked_sentences(briefing.bottom_line):
        markers = [int(m) for m in MARKER.findall(sentence)]
        assert checker.check(MARKER.sub("", sentence).strip(), passages(markers)).supported
    for d in drafted:
        assert checker.check(d.text, passages(list(d.markers))).supported
    check_briefing_quotes(bot, briefing)


def test_the_bottom_line_says_the_same_news_once() -> None:
    again = "In March the Ministry of Tests campaign counted 12 incidents, the ministry said again."
    a = article("a", "Daily Planet", [PLANET, *FILLER])
    b = article("b", "Evening Courier", [again, VISITS])
    pool, (m1, m2, m3) = _pool_with((a, PLANET), (b, again), (b, VISITS))
    built = code_bottom_line(
        [(m1, "Daily Planet", ()), (m2, "Evening Courier", ()), (m3, "Evening Courier", ())],
        pool,
        ClaimChecker(),
    )
    assert [markers for _, markers in built] == [[m1], [m3]]
