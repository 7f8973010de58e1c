"""PDF articles via pypdf: page texts joined by blank lines, title/author/date from the info dict.

Text is kept as pypdf lays it out (line breaks included): quotes are verified against exactly this.
"""

from __future__ import annotations

import io
import logging
import re

from pypdf import PdfReader

from vectorstore.config import StoreConfig
from vectorstore.models import ParsedDocument

from .clean import clean_text
from .decode import normalize_text, sniff_binary
from .errors import ParseError, check_article_length
from .language import detect_language
from .metadata import clean_field, normalize_date, split_publisher
from .text import headline_from_line

log = logging.getLogger(__name__)

# Info-dict titles that are really file names or tool output, not headlines.
_JUNK_TITLE = re.compile(
    r"(\.(docx?|pdf|indd|odt|rtf|pages|txt)$)|^(microsoft word - |untitled\b)|^\s*$", re.I
)


def _info_value(info: object, attr: str) -> object:
    try:
        return getattr(info, attr)
    except Exception:  # noqa: BLE001 - malformed info dicts raise from the property
        return None


def _raw_creation_date(info: object) -> object:
    try:
        return info.get("/CreationDate")  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001
        return None


def parse_pdf(data: bytes, origin: str, config: StoreConfig) -> ParsedDocument:
    """PDF bytes -> ParsedDocument; encrypted, textless or malformed PDFs raise ParseError."""
    if b"%PDF-" not in data[:1024]:
        kind = sniff_binary(data)
        raise ParseError(f"not a PDF file{f' (looks like {kind})' if kind else ''}")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                unlocked = reader.decrypt("")  # owner-password-only PDFs open with no password
            except Exception:  # noqa: BLE001 - unsupported crypto etc.
                unlocked = 0
            if not unlocked:
                raise ParseError("PDF is encrypted (password protected)")
        pages = []
        for page in reader.pages:
            pages.append(normalize_text(page.extract_text() or "").strip())
        info = reader.metadata
    except ParseError:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on malformed files
        reason = str(exc).strip() or type(exc).__name__
        raise ParseError(f"malformed PDF: {reason[:200]}") from None

    text = clean_text("\n\n".join(p for p in pages if p))
    if not text:
        raise ParseError("PDF has no extractable text (scanned images?)")
    check_article_length(text, config.max_article_chars)

    raw_title = clean_field(_info_value(info, "title")) if info else None
    if not raw_title or _JUNK_TITLE.search(raw_title):
        raw_title = headline_from_line(text.split("\n", 1)[0])
    title, publisher = split_publisher(raw_title) if raw_title else (None, None)
    published = None
    if info:
        published = normalize_date(_info_value(info, "creation_date")) or normalize_date(
            _raw_creation_date(info)
        )
    return ParsedDocument(
        text=text,
        title=title or None,
        source=publisher,
        author=clean_field(_info_value(info, "author")) if info else None,
        published_at=published,
        url=None,
        language=detect_language(text),
        origin=origin,
    )
