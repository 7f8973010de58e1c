"""A digest as DOCX (python-docx): a heading per story, its outlets, its verified quote with
``[n]``, its sources as real links, and numbered references. Article text passes through
``docx_text`` and only ``web_url`` makes a link, as in the briefing export."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph

from bot.briefing.model import inline_quote
from bot.digest.model import Digest
from bot.export.common import NO_DATE, REFERENCES_HEADING, VERBATIM_NOTE, ExportResult, web_url
from bot.export.digest_markdown import (
    NO_QUOTE,
    NO_STORIES,
    digest_summary,
    digest_title,
    outlets_line,
)
from bot.export.docx import LINK_COLOR, docx_text


def _run(p: Paragraph, text: str, *, bold: bool = False, italic: bool = False) -> None:
    r = p.add_run(docx_text(text))
    r.bold = bold or None
    r.italic = italic or None


def _link(p: Paragraph, url: str | None) -> None:
    """A hyperlink for a plain http(s) URL; any other URL as text."""
    if not url:
        return
    target = web_url(url)
    if target is None:
        _run(p, url)
        return
    rel_id = p.part.relate_to(target, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    hyperlink = OxmlElement("w:hyperlink")
    hyperlink.set(qn("r:id"), rel_id)
    r = p.add_run(docx_text(url))
    r.font.color.rgb = LINK_COLOR
    r.font.underline = True
    hyperlink.append(r._r)
    p._p.append(hyperlink)


def digest_to_docx(digest: Digest) -> DocxDocument:
    doc = Document()
    doc.styles["Normal"].font.size = Pt(10)
    doc.add_heading(docx_text(digest_title(digest)), level=0)
    _run(doc.add_paragraph(), digest_summary(digest))
    _run(doc.add_paragraph(), VERBATIM_NOTE, italic=True)
    if not digest.stories:
        _run(doc.add_paragraph(), NO_STORIES, italic=True)
    for number, story in enumerate(digest.stories, start=1):
        doc.add_heading(f"{number}. {docx_text(story.headline)}", level=1)
        _run(doc.add_paragraph(), outlets_line(story), italic=True)
        p = doc.add_paragraph(style="Quote")
        if story.quote:
            _run(p, inline_quote(story.quote.quote))
            _run(p, f" [{story.quote.marker}]")
        else:
            _run(p, NO_QUOTE, italic=True)
        for s in story.sources:
            item = doc.add_paragraph(style="List Bullet")
            _run(item, s.outlet, bold=True)
            _run(item, f": {docx_text(s.title)} ({(s.published_at or '')[:10] or NO_DATE}) ")
            _link(item, s.url)
    if digest.citations:
        doc.add_heading(REFERENCES_HEADING, level=1)
        for c in digest.citations:
            p = doc.add_paragraph()
            _run(p, f"[{c.marker}] ", bold=True)
            _run(
                p,
                f"{c.source or 'Unknown publisher'}, {c.title}, "
                f"{(c.published_at or '')[:10] or NO_DATE}; article {c.article_id}, "
                f"characters {c.start}–{c.end} ",
            )
            _link(p, c.url)
    return doc


def write_digest_docx(digest: Digest, path: Path) -> ExportResult:
    path.parent.mkdir(parents=True, exist_ok=True)
    digest_to_docx(digest).save(str(path))
    return ExportResult(path, None, digest.citations)
