"""A digest as DOCX (python-docx): a heading per story, its outlets, its verified quote with
``[n]``, its sources as real links, and numbered references. Article text passes through
``docx_text`` and only ``web_url`` makes a link, as in the briefing export."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.shared import Pt

from bot.briefing.model import inline_quote
from bot.digest.model import Digest
from bot.export.common import NO_DATE, REFERENCES_HEADING, VERBATIM_NOTE, ExportResult
from bot.export.digest_markdown import (
    NO_QUOTE,
    NO_STORIES,
    digest_summary,
    digest_title,
    outlets_line,
)
from bot.export.docx import add_link as _link
from bot.export.docx import add_run as _run
from bot.export.docx import docx_text


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
