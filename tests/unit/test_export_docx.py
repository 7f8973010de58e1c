"""DOCX export: every section, every quote verbatim, numbered references with real hyperlinks
to http(s) sources only, hostile article text inert (no fields, no markup, no other links)."""

from __future__ import annotations

import json
import re
import uuid
import zipfile
from pathlib import Path

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE

from bot.briefing import generate_briefing
from bot.briefing.model import (
    Briefing,
    Development,
    Disagreement,
    Position,
    SourceEntry,
    WatchItem,
    inline_quote,
)
from bot.claims import make_citation
from bot.export import SECTION_HEADINGS, export_briefing
from bot.export.common import REFERENCES_HEADING, STATE_LABEL, web_url
from bot.service import Briefbot
from bot.settings import Settings
from vectorstore.chunking import chunk_article
from vectorstore.ingest import build_article
from vectorstore.models import Article, ParsedDocument
from vectorstore.store import ArticleStore

GOOD_URL = "https://planet.example/news/2024/tests?id=7&lang=en"
ODD_URL = "http://courier.example/a b/“quoted”"  # a space and curly quotes: percent-encoded
EVIL_URL = "javascript:alert(1)"
FIELD = '{ HYPERLINK "http://evil.example/field" } DDEAUTO c:\\\\windows\\\\calc.exe'

SENTENCES = {
    "a1": [
        "The Ministry of Tests campaign began on 3 March 2024 with a report.",
        "Minister Ada Lovelace said the campaign showed <script>alert('owned')</script> "
        "in every browser.",
        f"Officials said the field text {FIELD} appeared in the campaign report.",
        "The Ministry of Tests campaign counted 12 incidents in March, officials said.",
        "The Ministry of Tests will publish its final campaign report next week.",
    ],
    "a2": [
        "The Ministry of Tests campaign counted 40 incidents in March, the Courier said.",
        "Critics said the campaign, written as שלום עולם with 🚀 emoji and "
        "<w:fldSimple w:instr='HYPERLINK x'/>, was a failure.",
    ],
    "a3": [
        "Minister Ada Lovelace insisted that [click here](javascript:alert(1)) was harmless.",
    ],
}
ARTICLES = {
    "a1": ("Daily Planet", "Campaign <b>starts</b> [1](http://evil.example)", GOOD_URL),
    "a2": ("Evening Courier", "Campaign {fails}", ODD_URL),
    "a3": ("Shady Wire", "Campaign wire", EVIL_URL),
}


def crafted_briefing() -> Briefing:
    """A briefing with every section filled from hostile, verified quotes."""
    articles: dict[str, Article] = {}
    citations = []
    for n, (article_id, sentences) in enumerate(SENTENCES.items()):
        publisher, title, url = ARTICLES[article_id]
        text = " ".join(sentences)
        article = Article(
            id=article_id,
            title=title,
            text=text,
            content_hash=article_id,
            source=publisher,
            published_at=f"2024-03-{10 + n:02d}T08:00:00+00:00",
            url=url,
        )
        articles[article_id] = article
        for sentence in sentences:
            start = text.index(sentence)
            citations.append(
                make_citation(len(citations) + 1, article, start, start + len(sentence))
            )
    assert all(c.verified for c in citations)
    markers = {aid: [c.marker for c in citations if c.article_id == aid] for aid in SENTENCES}
    return Briefing(
        title="Briefing: Ministry of Tests <script>x</script>",
        topic="Ministry of Tests campaign",
        earliest="2024-03-10",
        latest="2024-03-12",
        source_count=3,
        bottom_line="The campaign began in March [1] and counts differ [4] [6].",
        developments=[Development("3 March 2024", (2024, 3, 3, 0), 1, "2024-03-03")],
        positions=[Position("Ada Lovelace", (2, 8), role="Minister <i>")],
        disagreements=[Disagreement("incidents in March", 4, 6, "figure", "12 vs 40")],
        watch=[WatchItem("next week", 5)],
        sources=[
            SourceEntry(
                "a1",
                "Daily Planet",
                ARTICLES["a1"][1],
                "2024-03-10",
                GOOD_URL,
                False,
                tuple(markers["a1"]),
            ),
            SourceEntry(
                "a2",
                "Evening Courier",
                ARTICLES["a2"][1],
                "2024-03-11",
                ODD_URL,
                True,
                tuple(markers["a2"]),
                state_outlet="Courier State TV",
            ),
            SourceEntry(
                "a3", "Shady Wire", ARTICLES["a3"][1], None, EVIL_URL, False, tuple(markers["a3"])
            ),
        ],  # fmt: skip
        citations=citations,
        notes=["A note with <b>markup</b>."],
        articles=articles,
    )


def document_text(document: docx.document.Document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def hyperlinks(document: docx.document.Document) -> list[tuple[str, str]]:
    """(shown text, target) of every hyperlink, resolved through its relationship."""
    rels = document.part.rels
    found = []
    for link in document.element.body.iter(docx.oxml.ns.qn("w:hyperlink")):
        rel = rels[link.get(docx.oxml.ns.qn("r:id"))]
        assert rel.reltype == RELATIONSHIP_TYPE.HYPERLINK and rel.is_external
        shown = "".join(t.text or "" for t in link.iter(docx.oxml.ns.qn("w:t")))
        found.append((shown, rel.target_ref))
    return found


def check_docx(path: Path, briefing: Briefing) -> docx.document.Document:
    """Everything a DOCX export must hold, for any briefing."""
    document = docx.Document(str(path))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [*SECTION_HEADINGS, REFERENCES_HEADING]
    text = document_text(document)
    for c in briefing.citations:
        assert c.verified and c.quote in text, c.quote  # verbatim
    # numbered references: [n] publisher, “title”, date, link: “quote”
    paragraphs = [p.text for p in document.paragraphs]
    refs = paragraphs[paragraphs.index(REFERENCES_HEADING) + 1 :]
    for c in briefing.citations:
        [line] = [r for r in refs if r.startswith(f"[{c.marker}] ")]
        assert inline_quote(c.title) in line and inline_quote(c.quote) in line
        assert (c.source or "Unknown publisher") in line
        assert (c.published_at[:10] if c.published_at else "date not given") in line
    # inert: no fields, no embedded objects, no macros, no markup out of article text
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        body = archive.read("word/document.xml").decode("utf-8")
    assert not any("vbaProject" in n or "embeddings/" in n for n in names), names
    for element in ("w:fldSimple", "w:instrText", "w:fldChar", "w:object", "w:altChunk"):
        assert f"<{element}" not in body, element
    assert "<script" not in body
    if any("<script>" in c.quote for c in briefing.citations):
        assert "&lt;script&gt;" in body  # shown as text
    return document


def test_crafted_briefing(tmp_path: Path) -> None:
    briefing = crafted_briefing()
    result = export_briefing(briefing, tmp_path / "out" / "brief.docx")
    assert result.path.exists() and result.pages is None
    assert [c.marker for c in result.citations] == [c.marker for c in briefing.citations]
    document = check_docx(result.path, briefing)
    text = document_text(document)
    # sections carry their items
    assert "3 March 2024: “The Ministry of Tests campaign began" in text
    assert "Ada Lovelace (Minister <i>): " in text
    assert "incidents in March (figure: 12 vs 40)" in text
    assert "next week: “The Ministry of Tests will publish" in text
    assert f"Evening Courier · {STATE_LABEL} (Courier State TV)" in text
    assert "The campaign began in March [1] and counts differ [4] [6]." in text
    # hostile text is shown as the same characters
    assert "<script>alert('owned')</script>" in text and FIELD in text
    assert "[click here](javascript:alert(1))" in text
    assert "Campaign <b>starts</b> [1](http://evil.example)" in text
    # links: real hyperlink relationships to the article URLs, http(s) only
    links = hyperlinks(document)
    targets = {target for _, target in links}
    odd = "http://courier.example/a%20b/%E2%80%9Cquoted%E2%80%9D"
    assert targets == {GOOD_URL, odd}
    assert (GOOD_URL, GOOD_URL) in links and (ODD_URL, odd) in links
    # one in Sources and one per reference of each linked article
    assert sum(t == GOOD_URL for _, t in links) == 1 + len(SENTENCES["a1"])
    assert EVIL_URL in text and not any("javascript" in t for t in targets)
    assert "evil.example" not in "".join(targets)
    rels = [r.target_ref for r in document.part.rels.values() if r.is_external]
    assert set(rels) == targets


def test_quotes_survive_control_and_xml_invalid_characters(tmp_path: Path) -> None:
    briefing = crafted_briefing()
    briefing.title = "Title\x00 with\x1b[2J nul\ufffe and \u202eoverride"
    briefing.topic = "topic \ud800 lone surrogate"
    result = export_briefing(briefing, tmp_path / "brief.docx")
    document = docx.Document(str(result.path))
    assert document.paragraphs[0].text == "Title with [2J nul and override"
    assert document.core_properties.title == "Title with [2J nul and override"


def test_empty_briefing_says_so(tmp_path: Path) -> None:
    empty = Briefing("Briefing: nothing", "nothing", None, None, 0, "")
    result = export_briefing(empty, tmp_path / "empty.docx")
    document = check_docx(result.path, empty)
    text = document_text(document)
    assert "No stored article covers this topic." in text
    assert "The sources name no upcoming events." in text
    assert hyperlinks(document) == []


# ---- a briefing generated from a real store -----------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Briefing:
    settings = Settings(home=tmp_path_factory.mktemp("docx"), collection="d" + uuid.uuid4().hex[:8])
    store = ArticleStore(settings.store_config())
    for article_id, sentences in SENTENCES.items():
        publisher, title, url = ARTICLES[article_id]
        doc = ParsedDocument(
            text="\n\n".join(sentences),
            title=title,
            source=publisher,
            published_at="2024-03-10",
            url=url,
        )
        article = build_article(doc)
        store.put(article, chunk_article(article.id, article.text))
    bot = Briefbot(settings=settings, llm=None)
    return generate_briefing(bot, "Ministry of Tests campaign", use_model=False)


@pytest.mark.slow
def test_generated_briefing(generated: Briefing, tmp_path: Path) -> None:
    assert generated.citations
    result = export_briefing(generated, tmp_path / "generated.docx")
    document = check_docx(result.path, generated)
    targets = {t for _, t in hyperlinks(document)}
    linked = {web_url(c.url) for c in generated.citations} - {None}
    assert linked and targets == linked  # every cited web article is linked, nothing else
    assert not any(t.startswith("javascript") for t in targets)
    if any(c.url == GOOD_URL for c in generated.citations):
        assert GOOD_URL in targets


@pytest.mark.slow
def test_cli_brief_writes_docx(
    seeded_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli import main

    monkeypatch.setenv("BRIEFBOT_HOME", str(seeded_settings.home))
    monkeypatch.setenv("BRIEFBOT_COLLECTION", seeded_settings.collection)
    out = tmp_path / "cli.docx"
    topic = "North Korea–US relations"
    assert main(["brief", topic, "--out", str(out), "--json", "--no-model"]) == 0
    data = json.loads(capsys.readouterr().out)["file"]
    assert data["path"] == str(out) and data["pages"] is None
    document = docx.Document(str(out))
    text = document_text(document)
    assert data["citations"] and all(c["quote"] in text for c in data["citations"])
    assert main(["brief", topic, "--out", str(tmp_path / "b.docx"), "--no-model"]) == 0
    assert re.search(r"wrote \S+b\.docx \(\d+ verified quotes", capsys.readouterr().out)


def test_web_app_offers_the_docx(tmp_path: Path) -> None:
    from ui.views.briefing import DOCX_MIME, _export

    result = _export(crafted_briefing())
    assert result.docx is not None and result.docx_error is None
    assert result.docx.startswith(b"PK") and DOCX_MIME.endswith("wordprocessingml.document")
    path = tmp_path / "app.docx"
    path.write_bytes(result.docx)
    check_docx(path, crafted_briefing())
