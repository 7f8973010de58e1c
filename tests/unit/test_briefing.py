"""Briefings: the rule-based parts on their own, then the real pipeline on the seed articles
(real store, real embedded model) and the ``briefbot brief`` command."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from bot.briefing import (
    check_bottom_line,
    generate_briefing,
)
from bot.briefing.media import is_state_affiliated, match_outlet
from bot.export import SECTION_HEADINGS, export_briefing, to_markdown
from bot.service import Briefbot
from bot.text.dates import display_label, event_date, find_dates, future_cue
from bot.text.speech import find_attributions
from bot.types import Citation, SearchFilters
from tests.fakes import scripted
from tests.helpers import check_briefing_quotes

TOPIC = "North Korea–US relations"
SEED_RT = "RT en français"


# ---- state-affiliated media ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "url"),
    [
        ("RT en français", None),
        ("RT", None),
        (None, "https://francais.rt.com/international/123-kim"),
        ("Sputnik News", None),
        ("TASS", None),
        ("Xinhua News Agency", None),
        ("CGTN", None),
        ("Global Times", None),
        ("People’s Daily", None),
        ("Press TV", None),
        ("KCNA", None),
        (None, "http://www.globaltimes.cn/page/1.shtml"),
        ("Some blog", "https://sputniknews.com/x"),
    ],
)
def test_state_affiliated_outlets_are_flagged(source: str | None, url: str | None) -> None:
    assert is_state_affiliated(source, url)


@pytest.mark.parametrize(
    ("source", "url"),
    [
        ("BBC News", "https://www.bbc.co.uk/news/world-1"),
        ("NPR", None),
        ("Deutsche Welle", None),
        ("ARTnews", None),
        ("Rtl Nieuws", None),
        ("The Verge", "https://www.theverge.com/x"),
        (None, "https://art.com/x"),
        (None, "https://notrt.com.example.org/x"),
        (None, None),
    ],
)
def test_independent_outlets_are_not_flagged(source: str | None, url: str | None) -> None:
    assert not is_state_affiliated(source, url)


def test_match_outlet_names_the_outlet() -> None:
    outlet = match_outlet("RT en français")
    assert outlet is not None and outlet.name == "RT" and outlet.country == "Russia"


# ---- dates, attributions, cues, figures ----------------------------------------------------------


def test_dates_are_resolved_against_the_article_date() -> None:
    published = date(2021, 6, 19)
    (m,) = find_dates("reported this 18 June by the KCNA news agency.", published)
    assert m.iso == "2021-06-18" and m.future is False
    (m,) = find_dates("In May, Joe Biden criticized the approach.", published)
    assert m.iso == "2021-05"
    (m,) = find_dates("The Council plans to meet urgently Thursday.", published, future_hint=True)
    assert m.iso == "2021-06-24" and m.future is True
    # durations and year ranges are not events
    assert event_date(find_dates("no tests since 2017.")) is None
    assert find_dates("end the Korean War (1950-1953) which") == []
    # without an article date the words stay as written
    (m,) = find_dates("The spokesman assured Wednesday.")
    assert display_label(m) == "Wednesday"


def test_attribution_patterns() -> None:
    def actors(sentence: str) -> list[str]:
        return [a.actor for a in find_attributions(sentence)]

    assert actors(
        "Pyongyang intends to continue, said Hong Min, a researcher at the Institute."
    ) == ["Hong Min"]
    assert actors("“Our policy aims for diplomacy,” a US State Department spokesman assured.") == [
        "US State Department"
    ]
    assert actors("Kim Jong-un stressed “the need to prepare”, reports the agency KCNA.")[0] == (
        "Kim Jong-un"
    )
    assert actors("But according to Cheong Seong-chang, director of studies, Pyongyang could.") == [
        "Cheong Seong-chang"
    ]
    assert [
        a.kind for a in find_attributions("“I will not offer him recognition,” he insisted.")
    ] == ["pronoun"]
    assert actors("Hypersonic missiles are much faster than cruise missiles.") == []


def test_future_cues() -> None:
    assert future_cue("The UN Security Council plans to meet urgently Thursday.") == ("plans to", 2)
    assert future_cue("North Korea may resume nuclear testing this year.") == ("may", 1)
    assert future_cue("In May, Joe Biden criticized the approach.") is None
    assert future_cue("The will of the people was clear.") is None
    assert future_cue("It could have been worse.") is None


# ---- the model's bottom line is checked -------------------------------------------------------


def _citation(marker: int, quote: str) -> Citation:
    return Citation(marker, quote, "a", "t", None, None, None, 0, len(quote), True)


QUOTES = {
    1: _citation(
        1,
        "The leader of North Korea considered a face-to-face meeting with the United States inevitable.",
    ),
    2: _citation(2, "North Korea has carried out six missile tests since 2006."),
}


def test_bottom_line_check_accepts_grounded_prose() -> None:
    text, reason = check_bottom_line(
        "Bottom line: North Korea views talks with the US as inevitable [1]. "
        "It counts 6 missile tests since 2006 [2].",
        QUOTES,
    )
    assert reason == ""
    assert (
        text
        == "North Korea views talks with the US as inevitable. [1] It counts 6 missile tests since 2006. [2]"
    )


@pytest.mark.parametrize(
    ("prose", "why"),
    [
        ("North Korea views talks as inevitable. It counts 6 tests since 2006 [2].", "marker"),
        ("North Korea views talks as inevitable [1]. It counts 7 tests since 2006 [2].", "'7'"),
        ("Kim views talks with the US as inevitable [1]. It counts 6 tests since 2006 [2].", "Kim"),
        ("North Korea views talks as inevitable [1]. It counts 6 tests since 2006 [9].", "marker"),
        (
            "North Korea calls talks “a great idea” [1]. It counts 6 tests since 2006 [2].",
            "quotation",
        ),
        ("North Korea views talks as inevitable [1].", "two sentences"),
        (
            "[1] The leader of North Korea considered a face-to-face meeting with the United "
            "States inevitable. [2] North Korea has carried out six missile tests since 2006.",
            "copied",
        ),
    ],
)
def test_bottom_line_check_rejects_ungrounded_prose(prose: str, why: str) -> None:
    text, reason = check_bottom_line(prose, QUOTES)
    assert text == ""
    assert why in reason


# ---- the real pipeline on the seeds -------------------------------------------------------------


# ---- plumbing with fake models -------------------------------------------------------------------


def _bottom_line_checked(bot: Briefbot, briefing) -> None:  # type: ignore[no-untyped-def]
    """Every bottom-line sentence cites quotes, and the claim checker finds it supported by them."""
    from bot.briefing.model import MARKER
    from bot.claims import check
    from vectorstore.models import Chunk, ScoredChunk

    sentences = briefing.bottom_line_sentences()
    assert 1 <= len(sentences) <= 3
    for sentence in sentences:
        markers = [int(m) for m in MARKER.findall(sentence)]
        assert markers, sentence
        passages = []
        for m in markers:
            c = briefing.citation(m)
            article = bot.store.get_article(c.article_id)
            passages.append(
                ScoredChunk(Chunk(f"q{m}", c.article_id, m, c.start, c.end, c.quote), 1.0, article)
            )
        result = check(MARKER.sub("", sentence).strip(), passages, thresholds=bot.settings.claims)
        assert result.supported, (sentence, result.reason)


@pytest.mark.slow
def test_seed_briefing_lists_no_false_disagreement(seeded_settings) -> None:  # type: ignore[no-untyped-def]
    bot = Briefbot(settings=seeded_settings, llm=scripted("x"))
    briefing = generate_briefing(bot, TOPIC, use_model=False)
    # RT's "six missile tests since 2006" and the wire's "no nuclear test since 2017" are
    # different claims; Kim twice, or Biden against the State Department, are positions
    assert briefing.disagreements == []
    assert "No direct contradiction between sources was found." in to_markdown(briefing)
    assert briefing.bottom_line_origin == "code"
    assert all(s.startswith("According to ") for s in briefing.bottom_line_sentences())
    _bottom_line_checked(bot, briefing)
    for d in briefing.developments:
        assert d.corroboration >= 1 and d.confidence in ("low", "moderate", "high")
        assert d.sources and d.confidence_note.startswith(d.confidence)
    # each event once: the wire's "talks … deadlocked since … Hanoi" and RT's "negotiations …
    # at a standstill since … Hanoi" are one development, RT's words its corroboration
    spans = [[briefing.citation(m) for m in (d.marker, *d.support)] for d in briefing.developments]
    for i, own in enumerate(spans):
        for other in spans[:i] + spans[i + 1 :]:
            assert not any(
                a.article_id == b.article_id and a.start < b.end and b.start < a.end
                for a in own[:1]
                for b in other
            ), (own[0].quote, [b.quote for b in other])
    hanoi = [d for d in briefing.developments if "Hanoi" in briefing.citation(d.marker).quote]
    assert len(hanoi) == 1 and hanoi[0].corroboration == 2
    check_briefing_quotes(bot, briefing)


@pytest.mark.slow
def test_model_prose_that_passes_is_kept_and_fabrication_replaced(seeded_settings) -> None:  # type: ignore[no-untyped-def]
    # a capable model: one faithful sentence about a development, one fabricated
    def reply(prompt: str) -> str:
        quotes = dict(re.findall(r"^\[(\d+)\] \([^)]*\) (.*)$", prompt, re.MULTILINE))
        n, quote = next(iter(quotes.items()))
        words = [w for w in re.findall(r"[\w’'-]+", quote) if len(w) > 3][:8]
        return (
            f"BOTTOM LINE: The sources report that {' '.join(words)} [{n}]. "
            f"Kim Jong Un tested 42 missiles in Paris [{n}]."
        )

    bot = Briefbot(settings=seeded_settings, llm=scripted(reply))
    briefing = generate_briefing(bot, TOPIC)
    assert "42" not in briefing.bottom_line and "Paris" not in briefing.bottom_line
    assert any("replaced by a code-built one" in n for n in briefing.notes), briefing.notes
    _bottom_line_checked(bot, briefing)
    check_briefing_quotes(bot, briefing)


@pytest.mark.slow
def test_hallucinating_model_falls_back_to_the_code_built_bottom_line(seeded_settings) -> None:  # type: ignore[no-untyped-def]
    fake = scripted("Kim Jong Un tested 42 missiles in Paris [1]. Relations are improving [2].")
    bot = Briefbot(settings=seeded_settings, llm=fake)
    briefing = generate_briefing(bot, TOPIC)
    assert briefing.bottom_line_origin == "code"
    assert "42" not in briefing.bottom_line and "Paris" not in briefing.bottom_line
    assert any("model bottom line rejected" in n for n in briefing.notes), briefing.notes
    _bottom_line_checked(bot, briefing)
    check_briefing_quotes(bot, briefing)


@pytest.mark.slow
def test_filters_restrict_the_sources(seeded_settings) -> None:  # type: ignore[no-untyped-def]
    bot = Briefbot(settings=seeded_settings, llm=scripted("x"))
    briefing = generate_briefing(bot, TOPIC, SearchFilters(sources=(SEED_RT,)), use_model=False)
    assert {s.publisher for s in briefing.sources} == {SEED_RT}
    # one publisher cannot disagree with itself
    assert briefing.disagreements == []
    md = to_markdown(briefing)
    assert "No direct contradiction between sources was found." in md


@pytest.mark.slow
def test_unrelated_topic_says_so_instead_of_inventing(seeded_settings) -> None:  # type: ignore[no-untyped-def]
    bot = Briefbot(settings=seeded_settings, llm=scripted("x"))
    briefing = generate_briefing(bot, "Premier League football transfer window", use_model=False)
    md = to_markdown(briefing)
    for heading in SECTION_HEADINGS:
        assert f"## {heading}" in md
    if not briefing.watch:
        assert "The sources name no upcoming events." in md
    if briefing.citations:
        check_briefing_quotes(bot, briefing)


# ---- the command line ------------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_brief_writes_a_one_page_pdf_and_prints_json(
    seeded_settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # type: ignore[no-untyped-def]
    from bot.cli import main

    monkeypatch.setenv("BRIEFBOT_HOME", str(seeded_settings.home))
    monkeypatch.setenv("BRIEFBOT_COLLECTION", seeded_settings.collection)
    out = tmp_path / "cli.pdf"
    assert main(["brief", TOPIC, "--out", str(out), "--json", "--no-model"]) == 0
    data = json.loads(capsys.readouterr().out)
    file = data["file"]
    assert file["path"] == str(out) and file["pages"] == 1 and out.exists()
    assert file["citations"] and all(c["verified"] for c in file["citations"])
    assert [c["marker"] for c in file["citations"]] == list(range(1, len(file["citations"]) + 1))
    # the whole briefing, every quote verbatim at its offsets
    bot = Briefbot(settings=seeded_settings, llm=None)
    texts = {a.id: bot.store.get_article(a.id).text for a in bot.articles()}
    quotes = [c for s in data["bottom_line"] for c in s["citations"]]
    assert data["bottom_line"] and all(s["text"] and s["citations"] for s in data["bottom_line"])
    for d in data["developments"]:
        assert {"text", "citations", "sources", "corroboration", "confidence"} <= set(d)
        assert d["corroboration"] == len(d["sources"]) >= 1
        quotes += d["citations"]
    for p in data["positions"]:
        assert {"actor", "role", "quotes"} <= set(p)
        quotes += p["quotes"]
    assert data["disagreements"] == []
    assert data["watch"] and data["sources"]
    quotes += data["watch"]
    for q in quotes:
        assert texts[q["article_id"]][q["start"] : q["end"]] == q["quote"]

    # --json alone prints the briefing without writing a file
    assert main(["brief", TOPIC, "--json", "--no-model"]) == 0
    alone = json.loads(capsys.readouterr().out)
    assert "file" not in alone and alone["topic"] == TOPIC

    md = tmp_path / "cli.md"
    assert main(["brief", TOPIC, "--source", SEED_RT, "--out", str(md), "--no-model"]) == 0
    assert "## Sources" in md.read_text(encoding="utf-8")
    assert "wrote" in capsys.readouterr().out


def test_cli_brief_rejects_other_formats(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["brief", TOPIC, "--out", "brief.xlsx"])
    assert exc.value.code == 1
    assert "--out must end in .pdf, .md or .docx" in capsys.readouterr().err


def test_empty_library_gives_an_honest_empty_briefing(tmp_path: Path) -> None:
    from bot.settings import Settings

    bot = Briefbot(settings=Settings(home=tmp_path / "empty", collection="empty"))
    briefing = generate_briefing(bot, TOPIC, use_model=False)
    assert briefing.citations == [] and briefing.source_count == 0
    md = to_markdown(briefing)
    for line in (
        "The sources name no upcoming events.",
        "No direct contradiction between sources was found.",
        "The sources describe no dated developments on this topic.",
    ):
        assert line in md
    assert export_briefing(briefing, tmp_path / "empty.pdf").pages == 1
