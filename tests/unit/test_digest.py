"""Digests: the window, stories (syndicated copies folded, outlets counted), verbatim quotes,
and the Markdown / PDF / DOCX exports (the DOCX opened with python-docx)."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.digest import build_digest, parse_duration, parse_since
from bot.digest.window import in_window
from bot.export.digest import export_digest
from bot.service import Briefbot
from bot.settings import Settings
from bot.types import SearchFilters
from tests.fakes import HashEmbeddings
from vectorstore.ingest import ingest
from vectorstore.store import ArticleStore

NOW = datetime.now(UTC)
HOURS_AGO = (NOW - timedelta(hours=3)).isoformat(timespec="seconds")
OLD = (NOW - timedelta(days=10)).date().isoformat()

FERRY = (
    "The coastal ferry service will resume on Thursday after a two-week strike ended with a new "
    'pay agreement, the operator announced on Tuesday. "Passengers can book again from today," '
    "said Maria Lund, the operator's chief executive. The union said members had voted by a large "
    "majority to accept the offer. Timetables will return to normal by the weekend, the operator "
    "added, and refunds for cancelled crossings will be paid within a month."
)
BRIDGE = (
    "Engineers closed the old river bridge on Monday after inspectors found cracks in two of its "
    "steel supports. The city council said the closure could last until spring while repairs are "
    'planned. "Safety comes first and we will not take any risk," said Mayor Tomas Berg. Buses '
    "will be diverted over the northern crossing, adding about ten minutes to most journeys."
)
ARCHIVE = (
    "A museum reopened its maritime gallery last month after a long renovation, with new displays "
    "about the history of the harbour and the fishing fleet that once worked from it."
)
UNDATED = (
    "Volunteers planted four hundred trees along the western dunes at the weekend to slow erosion, "
    "the conservation trust said. The trust plans a second planting day before the end of winter."
)


def _rows() -> list[dict]:
    return [
        {"title": "Ferry strike ends", "source": "Coast News", "published_at": HOURS_AGO,
         "url": "https://coast.example/ferry", "body": FERRY},
        # syndicated copies: the same wire text under other mastheads
        {"title": "Ferries to sail again", "source": "Harbour Times", "published_at": HOURS_AGO,
         "url": "https://harbour.example/ferries", "body": FERRY + " Reporting by staff."},
        {"title": "Ferry strike over", "source": "Daily Wire", "published_at": HOURS_AGO,
         "url": "https://wire.example/1", "body": "OSLO (Daily Wire) - " + FERRY},
        {"title": "Old bridge closed", "source": "Coast News", "published_at": HOURS_AGO,
         "url": "https://coast.example/bridge", "body": BRIDGE},
        {"title": "Gallery reopens", "source": "Coast News", "published_at": OLD,
         "url": "https://coast.example/gallery", "body": ARCHIVE},
        {"title": "Dunes planted", "source": "Nature Desk", "url": "https://nature.example/dunes",
         "body": UNDATED},
    ]  # fmt: skip


@pytest.fixture
def bot(tmp_path: Path) -> Briefbot:
    settings = Settings(home=tmp_path / "home", collection="digest")
    briefbot = Briefbot(settings)
    briefbot.__dict__["store"] = ArticleStore(settings.store_config(), embeddings=HashEmbeddings())
    source = tmp_path / "news.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in _rows()) + "\n")
    report = ingest([str(source)], briefbot.store)
    assert report.added == 6, report.to_dict()
    return briefbot


def test_durations_and_window() -> None:
    assert parse_duration("24h") == timedelta(hours=24)
    assert parse_duration("30m") == timedelta(minutes=30)
    assert parse_duration("7d") == timedelta(days=7)
    for bad in ("", "24", "h", "-1h", "0m", "3 parsecs"):
        with pytest.raises(ValueError):
            parse_duration(bad)
    now = datetime(2026, 11, 30, 19, 0, tzinfo=UTC)
    assert parse_since("24h", now) == datetime(2026, 11, 29, 19, 0, tzinfo=UTC)
    assert parse_since("2026-11-01") == date(2026, 11, 1)
    start = datetime(2026, 11, 29, 19, 0, tzinfo=UTC)
    assert in_window("2026-11-30T08:00:00+00:00", "2026-01-01T00:00:00+00:00", start)
    assert not in_window("2026-11-29T18:59:59+00:00", "2026-11-30T00:00:00+00:00", start)
    assert in_window("2026-11-29", None, start), "a date only counts until the end of its day"
    assert not in_window("2026-11-28", None, start)
    assert in_window(None, "2026-11-30T00:00:00+00:00", start), "undated: by ingestion time"
    assert not in_window(None, None, start)


def test_digest_folds_syndicated_copies_and_counts_outlets(bot: Briefbot) -> None:
    digest = build_digest(bot, parse_since("24h"))
    assert digest.article_count == 5, "the 10-day-old article is out, the undated one in"
    headlines = [s.headline for s in digest.stories]
    assert len(digest.stories) == 3, headlines
    top = digest.stories[0]
    assert top.outlet_count == 3 and len(top.sources) == 3
    assert set(top.outlets) == {"Coast News", "Harbour Times", "Daily Wire"}
    assert {s.url for s in top.sources} == {
        "https://coast.example/ferry",
        "https://harbour.example/ferries",
        "https://wire.example/1",
    }
    others = {s.headline: s for s in digest.stories[1:]}
    assert set(others) == {"Old bridge closed", "Dunes planted"}
    assert all(s.outlet_count == 1 for s in others.values())
    assert "Gallery reopens" not in json.dumps(digest.to_dict())


def test_every_digest_quote_is_verbatim_from_an_article_of_its_story(bot: Briefbot) -> None:
    digest = build_digest(bot, parse_since("24h"))
    assert [s.quote is not None for s in digest.stories] == [True, True, True]
    for n, story in enumerate(digest.stories, start=1):
        q = story.quote
        assert q is not None and q.verified and q.marker == n
        article = bot.store.get_article(q.article_id)
        assert article.text[q.start : q.end] == q.quote
        assert q.article_id in {s.article_id for s in story.sources}
        assert q.quote != article.title


def test_empty_window(bot: Briefbot, tmp_path: Path) -> None:
    digest = build_digest(bot, NOW + timedelta(hours=1))
    assert digest.stories == [] and digest.article_count == 0
    text = export_digest(digest, tmp_path / "empty.md").path.read_text()
    assert "Nothing new in this window." in text


def test_digest_docx_has_quotes_and_working_links(bot: Briefbot, tmp_path: Path) -> None:
    import docx

    digest = build_digest(bot, parse_since("24h"))
    result = export_digest(digest, tmp_path / "digest.docx")
    document = docx.Document(str(result.path))
    text = "\n".join(p.text for p in document.paragraphs)
    for story in digest.stories:
        assert story.headline in text
        assert story.quote.quote in text, "each verified quote, word for word"
        assert f"{story.outlet_count} outlet" in text
    links = {
        rel.target_ref
        for rel in document.part.rels.values()
        if rel.reltype.endswith("/hyperlink") and rel.is_external
    }
    sources = {s.url for story in digest.stories for s in story.sources}
    assert sources <= links
    assert len(result.citations) == 3


def test_digest_markdown_and_pdf(bot: Briefbot, tmp_path: Path) -> None:
    from pypdf import PdfReader

    digest = build_digest(bot, parse_since("24h"))
    md = export_digest(digest, tmp_path / "d.md").path.read_text()
    assert "3 outlets" in md and "<https://wire.example/1>" in md
    assert "characters " in md and digest.stories[0].quote.article_id in md
    pdf = export_digest(digest, tmp_path / "d.pdf")
    assert pdf.pages and pdf.pages >= 1
    pages = PdfReader(io.BytesIO(pdf.path.read_bytes())).pages
    text = " ".join(" ".join(p.extract_text().split()) for p in pages)
    assert "Ferry strike ends" in text and "Old bridge closed" in text
    with pytest.raises(ValueError, match="unsupported"):
        export_digest(digest, tmp_path / "d.odt")


def test_cli_digest_json_and_out(
    bot: Briefbot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BRIEFBOT_HOME", str(tmp_path / "home"))
    monkeypatch.setattr("vectorstore.embeddings.default_embeddings", HashEmbeddings)
    out = tmp_path / "morning.docx"
    code = main(["--collection", "digest", "digest", "--since", "24h", "--json", "--out", str(out)])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["articles"] == 5 and len(data["stories"]) == 3
    assert data["stories"][0]["outlet_count"] == 3 and out.exists()
    with pytest.raises(SystemExit):
        main(["digest", "--since", "yesterday-ish"])
    assert "--since takes a duration" in capsys.readouterr().err


def test_since_duration_limits_retrieval_to_recent_articles(bot: Briefbot) -> None:
    """``briefbot brief TOPIC --since 24h`` runs the retriever under this filter."""
    recent = SearchFilters(since=parse_since("24h"))
    found = {p.article.title for p in bot.retriever.retrieve("harbour gallery ferry", 10, recent)}
    assert found and "Gallery reopens" not in found and "Dunes planted" not in found
    everything = {p.article.title for p in bot.retriever.retrieve("maritime gallery", 10)}
    assert "Gallery reopens" in everything


def test_brief_and_ask_take_since_as_a_duration() -> None:
    from bot.cli import build_parser
    from bot.cli.common import filters_from_args

    before = datetime.now(UTC)
    args = build_parser().parse_args(["brief", "ferries", "--since", "24h", "--out", "b.md"])
    since = filters_from_args(args).since
    after = datetime.now(UTC)
    assert isinstance(since, datetime)
    assert (
        before - timedelta(hours=24, seconds=1) <= since <= after - timedelta(hours=23, minutes=59)
    )
    args = build_parser().parse_args(["ask", "q", "--since", "2026-11-01"])
    assert filters_from_args(args).since == date(2026, 11, 1)


def test_hostile_article_fields_stay_inert_in_digest_exports(tmp_path: Path) -> None:
    import docx

    settings = Settings(home=tmp_path / "home", collection="hostile")
    briefbot = Briefbot(settings)
    briefbot.__dict__["store"] = ArticleStore(settings.store_config(), embeddings=HashEmbeddings())
    row = {
        "title": "<script>alert(1)</script> [click](javascript:alert(2))",
        "source": "Evil **Wire**",
        "published_at": HOURS_AGO,
        "url": "javascript:alert(3)",
        "body": BRIDGE,
    }
    source = tmp_path / "evil.jsonl"
    source.write_text(json.dumps(row) + "\n")
    assert ingest([str(source)], briefbot.store).added == 1
    digest = build_digest(briefbot, parse_since("24h"))
    md = export_digest(digest, tmp_path / "d.md").path.read_text()
    assert "<script>" not in md and "](javascript" not in md and "<javascript" not in md
    document = docx.Document(str(export_digest(digest, tmp_path / "d.docx").path))
    links = [r.target_ref for r in document.part.rels.values() if r.reltype.endswith("/hyperlink")]
    assert links == [], "only http(s) URLs become links"
    assert export_digest(digest, tmp_path / "d.pdf").pages >= 1
