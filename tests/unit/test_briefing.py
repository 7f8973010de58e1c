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
    figure_conflict,
    generate_briefing,
)
from bot.briefing.media import is_state_affiliated, match_outlet
from bot.export import SECTION_HEADINGS, export_briefing, to_markdown
from bot.service import Briefbot
from bot.text.dates import display_label, event_date, find_dates, future_cue
from bot.text.speech import find_attributions
from bot.types import Citation, SearchFilters
from tests.fakes import cited_reply, scripted
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


def test_figure_conflict_between_the_seed_sentences() -> None:
    conflict = figure_conflict(
        "North Korea has carried out six missile tests since 2006.",
        "North Korea has not carried out any nuclear tests or intercontinental ballistic missile "
        "fire since 2017.",
    )
    assert conflict is not None
    detail, _ = conflict
    assert "six" in detail and "2006" in detail and "2017" in detail
    assert figure_conflict("Sales rose 5% in May.", "The team won the match on Sunday.") is None


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


MEETING = "North Korea's leader sees a face-to-face meeting with the United States as inevitable"
READY = "Washington is ready for talks with North Korean officials without preconditions"


@pytest.mark.slow
def test_grounded_model_prose_is_used(seeded_settings) -> None:  # type: ignore[no-untyped-def]
    # a capable model joins two quotes in one sentence: both markers are kept
    reply = cited_reply(
        f"{MEETING} [@face-to-face], while {READY} [@without preconditions]. {READY} [@without preconditions]."
    )
    bot = Briefbot(settings=seeded_settings, llm=scripted(reply))
    briefing = generate_briefing(bot, TOPIC)
    assert briefing.bottom_line_origin == "model", briefing.notes
    first, second = re.split(r"(?<=\]) ", briefing.bottom_line)[:2]
    assert first == f"{MEETING}, while {READY}. [1][2]" and second == f"{READY}. [2]"
    one, two = briefing.citations[:2]
    assert "face-to-face" in one.quote and "without preconditions" in two.quote
    assert one.article_id != two.article_id
    check_briefing_quotes(bot, briefing)


@pytest.mark.slow
def test_wrong_marker_re_anchored_and_fabrication_replaced(seeded_settings) -> None:  # type: ignore[no-untyped-def]
    reply = cited_reply(
        f"{READY} [!without preconditions]. "
        "North Korea's leader sees a meeting with Japan as inevitable [@face-to-face]."
    )
    bot = Briefbot(settings=seeded_settings, llm=scripted(reply))
    briefing = generate_briefing(bot, TOPIC)
    assert briefing.bottom_line_origin == "model", briefing.notes
    assert "Japan" not in briefing.bottom_line
    assert briefing.bottom_line.startswith(f"{READY}. [1] “")  # then a quote, by code
    assert "without preconditions" in briefing.citations[0].quote
    assert any("replaced by a quote" in n for n in briefing.notes), briefing.notes
    check_briefing_quotes(bot, briefing)


@pytest.mark.slow
def test_hallucinating_model_falls_back_to_quotes(seeded_settings) -> None:  # type: ignore[no-untyped-def]
    fake = scripted("Kim Jong Un tested 42 missiles in Paris [1]. Relations are improving [2].")
    bot = Briefbot(settings=seeded_settings, llm=fake)
    briefing = generate_briefing(bot, TOPIC)
    assert briefing.bottom_line_origin == "extractive"
    assert "42" not in briefing.bottom_line and "Paris" not in briefing.bottom_line
    assert briefing.notes
    check_briefing_quotes(bot, briefing)


@pytest.mark.slow
def test_filters_restrict_the_sources(seeded_settings) -> None:  # type: ignore[no-untyped-def]
    bot = Briefbot(settings=seeded_settings, llm=scripted("x"))
    briefing = generate_briefing(bot, TOPIC, SearchFilters(sources=(SEED_RT,)), use_model=False)
    assert {s.publisher for s in briefing.sources} == {SEED_RT}
    # one publisher cannot disagree with itself
    assert briefing.disagreements == []
    md = to_markdown(briefing)
    assert "The sources do not contradict each other on this topic." in md


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
    assert data["path"] == str(out) and data["pages"] == 1 and out.exists()
    assert data["citations"] and all(c["verified"] for c in data["citations"])
    assert [c["marker"] for c in data["citations"]] == list(range(1, len(data["citations"]) + 1))

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
        "The sources do not contradict each other on this topic.",
        "The sources describe no dated developments on this topic.",
    ):
        assert line in md
    assert export_briefing(briefing, tmp_path / "empty.pdf").pages == 1
