"""A digest as PDF (ReportLab, as many pages as it needs): the same content as the Markdown and
DOCX digests, fonts and text safety from the briefing's PDF export (``pdf_text``)."""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import quoteattr

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
from bot.export.pdf import _styles, count_pages, page_template, pdf_text


def _linked(url: str | None) -> str:
    target = web_url(url)
    if not url:
        return ""
    if target is None:
        return pdf_text(url)
    return f"<link href={quoteattr(target)} color='#1a3d6d'><u>{pdf_text(url)}</u></link>"


def render_digest_pdf(digest: Digest) -> bytes:
    from reportlab.platypus import Paragraph

    styles = _styles()
    buffer = io.BytesIO()
    doc = page_template(buffer, digest_title(digest), margin_mm=15)
    flow = [
        Paragraph(pdf_text(digest_title(digest)), styles["title"]),
        Paragraph(pdf_text(digest_summary(digest)), styles["meta"]),
        Paragraph(f"<i>{pdf_text(VERBATIM_NOTE)}</i>", styles["meta"]),
    ]
    if not digest.stories:
        flow.append(Paragraph(pdf_text(NO_STORIES), styles["empty"]))
    for number, story in enumerate(digest.stories, start=1):
        flow.append(Paragraph(f"{number}. {pdf_text(story.headline)}", styles["h"]))
        flow.append(Paragraph(f"<i>{pdf_text(outlets_line(story))}</i>", styles["meta"]))
        if story.quote:
            text = f"{pdf_text(inline_quote(story.quote.quote))} [{story.quote.marker}]"
            flow.append(Paragraph(text, styles["body"]))
        else:
            flow.append(Paragraph(pdf_text(NO_QUOTE), styles["empty"]))
        for s in story.sources:
            date = (s.published_at or "")[:10] or NO_DATE
            text = f"<b>{pdf_text(s.outlet)}</b>: {pdf_text(s.title)} ({pdf_text(date)}) {_linked(s.url)}"
            flow.append(Paragraph(text, styles["item"], bulletText="•"))
    if digest.citations:
        flow.append(Paragraph(pdf_text(REFERENCES_HEADING), styles["h"]))
        for c in digest.citations:
            date = (c.published_at or "")[:10] or NO_DATE
            text = (
                f"[{c.marker}] {pdf_text(c.source or 'Unknown publisher')}, {pdf_text(c.title)}, "
                f"{pdf_text(date)}; article {pdf_text(c.article_id)}, characters {c.start}–{c.end} "
                f"{_linked(c.url)}"
            )
            flow.append(Paragraph(text, styles["ref"]))
    doc.build(flow)
    return buffer.getvalue()


def write_digest_pdf(digest: Digest, path: Path) -> ExportResult:
    data = render_digest_pdf(digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return ExportResult(path, count_pages(data), digest.citations)
