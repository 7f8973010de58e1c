"""Briefings: the rule-based parts on their own, then the real pipeline on the seed articles
(real store, real embedded model) and the ``briefbot brief`` command."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from bot.briefing import (
    STAGES,
    Briefing,
    check_bottom_line,
    figure_conflict,
    generate_briefing,
)
from bot.briefing_nlp import find_attributions, future_cue
from bot.export import SECTION_HEADINGS, export_briefing, to_markdown
from bot.media import is_state_affiliated, match_outlet
from bot.quotes import verify_citation
from bot.service import Briefbot
from bot.timeline import display_label, event_date, find_dates
from bot.types import Citation, SearchFilters

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


def _assert_all_quotes_verified(bot: Briefbot, briefing: Briefing) -> None:
    assert briefing.citations
    assert [c.marker for c in briefing.citations] == list(range(1, len(briefing.citations) + 1))
    for c in briefing.citations:
        article = bot.store.get_article(c.article_id)
        assert article is not None
        assert c.verified
        assert article.text[c.start : c.end] == c.quote
        assert verify_citation(c, article.text)
    used = set()
    for d in briefing.developments:
        used.add(d.marker)
    for p in briefing.positions:
        used.update(p.markers)
    for d in briefing.disagreements:
        used.update({d.left, d.right})
    for w in briefing.watch:
        used.add(w.marker)
    used.update(int(m) for m in re.findall(r"\[(\d+)\]", briefing.bottom_line))
    assert used == {c.marker for c in briefing.citations}


@pytest.fixture(scope="module")
def seed_briefing(seeded_bot) -> tuple[Briefing, list[str]]:  # type: ignore[no-untyped-def]
    stages: list[str] = []
    briefing = generate_briefing(seeded_bot, TOPIC, progress=stages.append)
    return briefing, stages


@pytest.mark.slow
def test_seed_briefing_has_every_section_and_verified_quotes(seeded_bot, seed_briefing) -> None:  # type: ignore[no-untyped-def]
    briefing, stages = seed_briefing
    assert stages == list(STAGES)
    assert briefing.topic == TOPIC and briefing.title
    assert briefing.source_count == 2
    assert briefing.bottom_line
    assert briefing.developments and briefing.positions and briefing.disagreements
    assert briefing.watch and briefing.sources
    assert len(briefing.citations) >= 4
    _assert_all_quotes_verified(seeded_bot, briefing)
    # developments are in chronological order
    keys = [d.sort_key for d in briefing.developments]
    assert keys == sorted(keys)
    # positions are quoted statements of named actors
    actors = {p.actor for p in briefing.positions}
    assert actors & {"Kim Jong Un", "Kim Jong-un", "Joe Biden", "Hong Min", "US State Department"}
    # the watch list names the Security Council meeting
    watch_quotes = [briefing.citation(w.marker).quote for w in briefing.watch]
    assert any("Security Council plans to meet" in q for q in watch_quotes)
    data = briefing.to_dict()
    json.dumps(data)
    assert data["citations"][0]["verified"] is True


@pytest.mark.slow
def test_seed_briefing_marks_rt_and_pairs_the_two_outlets(seed_briefing) -> None:  # type: ignore[no-untyped-def]
    briefing, _ = seed_briefing
    by_publisher = {s.publisher: s for s in briefing.sources}
    assert by_publisher[SEED_RT].state_affiliated
    assert all(not s.state_affiliated for s in briefing.sources if s.publisher != SEED_RT)
    pairs = [
        (briefing.citation(d.left), briefing.citation(d.right)) for d in briefing.disagreements
    ]
    assert all(a.article_id != b.article_id for a, b in pairs)
    figures = [d for d in briefing.disagreements if d.kind == "figures"]
    assert figures, briefing.disagreements
    quotes = {briefing.citation(figures[0].left).quote, briefing.citation(figures[0].right).quote}
    assert "North Korea has carried out six missile tests since 2006." in quotes
    assert any("since 2017" in q for q in quotes)


@pytest.mark.slow
def test_seed_briefing_bottom_line_is_checked(seed_briefing) -> None:  # type: ignore[no-untyped-def]
    briefing, _ = seed_briefing
    markers = {int(m) for m in re.findall(r"\[(\d+)\]", briefing.bottom_line)}
    assert markers and markers <= {c.marker for c in briefing.citations}
    if briefing.bottom_line_origin == "extractive":
        # the tiny model rarely passes; then the bottom line is verbatim quotes, and says why
        for m in markers:
            assert briefing.citation(m).quote in briefing.bottom_line
        assert any("model bottom line rejected" in n for n in briefing.notes)


@pytest.mark.slow
def test_seed_briefing_exports_one_page_pdf_and_full_markdown(
    seed_briefing, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    briefing, _ = seed_briefing
    pdf = export_briefing(briefing, tmp_path / "brief.pdf")
    assert pdf.pages == 1
    reader = PdfReader(str(pdf.path))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for heading in SECTION_HEADINGS:
        assert heading in text
    assert "state-affiliated media" in text
    assert "[1]" in text
    assert pdf.citations and all(c.verified for c in pdf.citations)
    # every citation kept in the PDF appears as a numbered reference
    for c in pdf.citations:
        assert f"[{c.marker}]" in text

    md = export_briefing(briefing, tmp_path / "brief.md")
    content = md.path.read_text(encoding="utf-8")
    for heading in SECTION_HEADINGS + ("References",):
        assert f"## {heading}" in content
    assert "_state-affiliated media_" in content
    for c in briefing.citations:
        assert f"\\[{c.marker}\\]" in content
    assert content == to_markdown(briefing)


# ---- plumbing with fake models -------------------------------------------------------------------


class _EchoNames(FakeListChatModel):
    """Writes a grounded two-sentence summary naming a place from each of the first two quotes."""

    responses: list[str] = [""]

    def _call(self, messages, stop=None, run_manager=None, **kwargs):  # type: ignore[no-untyped-def]
        lines = re.findall(r"^\[(\d+)\] (.*)$", messages[-1].content, re.MULTILINE)
        out = []
        for marker, quote in lines[:2]:
            name = "North Korea" if re.search(r"\bNorth Korea\b", quote) else "United States"
            out.append(f"The sources discuss {name} here [{marker}].")
        return " ".join(out)


@pytest.mark.slow
def test_grounded_model_prose_is_used(seeded_settings) -> None:  # type: ignore[no-untyped-def]
    bot = Briefbot(settings=seeded_settings, llm=_EchoNames())
    briefing = generate_briefing(bot, TOPIC)
    assert briefing.bottom_line_origin == "model", briefing.notes
    assert briefing.bottom_line.startswith("The sources discuss")
    _assert_all_quotes_verified(bot, briefing)


@pytest.mark.slow
def test_hallucinating_model_falls_back_to_quotes(seeded_settings) -> None:  # type: ignore[no-untyped-def]
    fake = FakeListChatModel(
        responses=["Kim Jong Un tested 42 missiles in Paris [1]. Relations are improving [2]."]
    )
    bot = Briefbot(settings=seeded_settings, llm=fake)
    briefing = generate_briefing(bot, TOPIC)
    assert briefing.bottom_line_origin == "extractive"
    assert "42" not in briefing.bottom_line and "Paris" not in briefing.bottom_line
    assert briefing.notes
    _assert_all_quotes_verified(bot, briefing)


@pytest.mark.slow
def test_filters_restrict_the_sources(seeded_settings) -> None:  # type: ignore[no-untyped-def]
    bot = Briefbot(settings=seeded_settings, llm=FakeListChatModel(responses=["x"]))
    briefing = generate_briefing(bot, TOPIC, SearchFilters(sources=(SEED_RT,)), use_model=False)
    assert {s.publisher for s in briefing.sources} == {SEED_RT}
    # one publisher cannot disagree with itself
    assert briefing.disagreements == []
    md = to_markdown(briefing)
    assert "The sources do not contradict each other on this topic." in md


@pytest.mark.slow
def test_unrelated_topic_says_so_instead_of_inventing(seeded_settings) -> None:  # type: ignore[no-untyped-def]
    bot = Briefbot(settings=seeded_settings, llm=FakeListChatModel(responses=["x"]))
    briefing = generate_briefing(bot, "Premier League football transfer window", use_model=False)
    md = to_markdown(briefing)
    for heading in SECTION_HEADINGS:
        assert f"## {heading}" in md
    if not briefing.watch:
        assert "The sources name no upcoming events." in md
    if briefing.citations:
        _assert_all_quotes_verified(bot, briefing)


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
        main(["brief", TOPIC, "--out", "brief.docx"])
    assert exc.value.code == 1
    assert "--out must end in .pdf or .md" in capsys.readouterr().err


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
