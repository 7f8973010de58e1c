"""Briefing export from one ``Briefing`` structure: Markdown and DOCX (every section, inert
article text) and a one-page PDF.

- ``common``: headings, labels, reference fields, link targets, displayable text, ``ExportResult``;
- ``markdown``: ``to_markdown`` (``md_text``/``md_url`` escape article text);
- ``docx``: ``to_docx`` (python-docx; real hyperlinks for http(s) sources only);
- ``pdf``: ReportLab, shrunk until it fits exactly one page.
"""

from __future__ import annotations

from pathlib import Path

from bot.briefing.model import Briefing
from bot.export.common import SECTION_HEADINGS, STATE_LABEL, ExportResult
from bot.export.docx import to_docx, write_docx
from bot.export.markdown import md_text, md_url, to_markdown
from bot.export.pdf import write_pdf

__all__ = [
    "SECTION_HEADINGS",
    "STATE_LABEL",
    "ExportResult",
    "export_briefing",
    "md_text",
    "md_url",
    "to_docx",
    "to_markdown",
]


def export_briefing(briefing: Briefing, path: str | Path) -> ExportResult:
    """Write ``briefing`` as PDF (one page), Markdown or DOCX, chosen by the file suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return write_pdf(briefing, path)
    if suffix in (".md", ".markdown"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(to_markdown(briefing), encoding="utf-8")
        return ExportResult(path, 1, list(briefing.citations))
    if suffix == ".docx":
        return write_docx(briefing, path)
    raise ValueError(f"unsupported export format {path.suffix or '(none)'}: use .pdf, .md or .docx")
