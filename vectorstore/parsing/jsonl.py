"""JSON Lines: one article object per line (title, source, author, published_at, url, body).

A bad line is reported as ``"line N: reason"`` and skipped; the good lines still land.
"""

from __future__ import annotations

import json
import re

from vectorstore.config import StoreConfig
from vectorstore.models import ParsedDocument

from .clean import clean_text
from .decode import normalize_text
from .errors import ParseError, check_article_length
from .language import detect_language
from .metadata import clean_field, language_tag, normalize_date, split_publisher
from .text import shorten_title


def _field(obj: dict, key: str) -> str | None:
    value = obj.get(key)
    return clean_field(normalize_text(value)) if isinstance(value, str) else None


def parse_jsonl_line(line: str, origin: str, config: StoreConfig) -> ParsedDocument:
    """One JSONL line -> ParsedDocument, or ParseError with the reason (no line number)."""
    try:
        obj = json.loads(line, strict=False)  # raw tabs in strings are harmless
    except json.JSONDecodeError as exc:
        raise ParseError(f"malformed JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise ParseError("malformed JSON (nested too deeply)") from None
    if not isinstance(obj, dict):
        raise ParseError(f"expected a JSON object, got {type(obj).__name__}")
    body = obj.get("body")
    if body is None:
        raise ParseError('missing "body"')
    if not isinstance(body, str):
        raise ParseError(f'"body" must be a string, got {type(body).__name__}')
    text = clean_text(body)
    if not text:
        raise ParseError('empty "body"')
    check_article_length(text, config.max_article_chars)
    title = _field(obj, "title")
    source = _field(obj, "source")
    if title and not source:
        title, source = split_publisher(title)
    url = _field(obj, "url")
    if url and not re.match(r"https?://\S+$", url):
        url = None
    return ParsedDocument(
        text=text,
        title=shorten_title(title) if title else None,
        source=source,
        author=_field(obj, "author"),
        published_at=normalize_date(_field(obj, "published_at")),
        url=url,
        language=language_tag(_field(obj, "language")) or detect_language(text),
        origin=origin,
    )


def parse_jsonl(
    text: str, origin: str, config: StoreConfig
) -> tuple[list[ParsedDocument], list[str]]:
    """All lines of a decoded JSONL file -> (good documents, ``"line N: reason"`` errors)."""
    docs: list[ParsedDocument] = []
    errors: list[str] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            docs.append(parse_jsonl_line(line, origin, config))
        except ParseError as exc:
            errors.append(f"line {number}: {exc}")
    return docs, errors
