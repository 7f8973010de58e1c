"""Digest export by file suffix: ``.md`` (Markdown), ``.pdf``, ``.docx``; the briefing exports'
counterparts (``bot/export/digest_*.py``), sharing their text safety and link rules."""

from __future__ import annotations

from pathlib import Path

from bot.digest.model import Digest
from bot.export.common import ExportResult

DIGEST_SUFFIXES = (".md", ".markdown", ".pdf", ".docx")


def export_digest(digest: Digest, path: str | Path) -> ExportResult:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown"):
        from bot.export.digest_markdown import digest_to_markdown

        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(digest_to_markdown(digest), encoding="utf-8")
        return ExportResult(path, 1, digest.citations)
    if suffix == ".pdf":
        from bot.export.digest_pdf import write_digest_pdf

        return write_digest_pdf(digest, path)
    if suffix == ".docx":
        from bot.export.digest_docx import write_digest_docx

        return write_digest_docx(digest, path)
    raise ValueError(f"unsupported export format {path.suffix or '(none)'}: use .md, .pdf or .docx")
