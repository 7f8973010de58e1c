"""Plain text and Markdown articles: the file is the article, the first line its headline.

The stored text is the cleaned file: the headline line stays as the first paragraph exactly as
written (publisher suffix included), so quotes can be checked against it. Only boilerplate,
markdown front matter and recognised header lines ("By …", "Source: …", "URL: …") are removed.
"""

from __future__ import annotations

import re

from vectorstore.config import StoreConfig
from vectorstore.models import ParsedDocument

from .clean import clean_text
from .errors import ParseError, check_article_length
from .language import detect_language
from .metadata import (
    clean_field,
    language_tag,
    normalize_date,
    parse_front_matter,
    parse_header_line,
    split_publisher,
)

_FRONT_MATTER_KEYS = {
    "title": "title",
    "headline": "title",
    "author": "author",
    "authors": "author",
    "byline": "author",
    "source": "source",
    "publisher": "source",
    "site_name": "source",
    "site": "source",
    "date": "published_at",
    "published": "published_at",
    "published_at": "published_at",
    "pubdate": "published_at",
    "url": "url",
    "link": "url",
    "canonical": "url",
    "canonical_url": "url",
    "permalink": "url",
    "lang": "language",
    "language": "language",
}
_HEADER_SCAN_LINES = 30
_MAX_TITLE_CHARS = 300
_MANY_BLANKS = re.compile(r"\n{3,}")


def headline_from_line(line: str) -> str:
    """Strip markdown heading marks and emphasis from a headline line."""
    line = re.sub(r"^\s{0,3}#{1,6}\s+", "", line.strip())
    line = re.sub(r"\s+#+\s*$", "", line)
    for mark in ("**", "__", "*", "_"):
        if len(line) > 2 * len(mark) and line.startswith(mark) and line.endswith(mark):
            line = line[len(mark) : -len(mark)]
            break
    return shorten_title(line.strip())


def shorten_title(title: str) -> str:
    """Keep a title display-sized: a first line that is really a paragraph gets cut at a word."""
    title = " ".join(title.split())
    if len(title) <= _MAX_TITLE_CHARS:
        return title
    return title[:_MAX_TITLE_CHARS].rsplit(" ", 1)[0] + "…"


def parse_text(
    text: str, origin: str, config: StoreConfig, markdown: bool = False
) -> ParsedDocument:
    """Decoded file text -> ParsedDocument (raises ParseError when nothing is left)."""
    fields: dict[str, str] = {}
    if markdown:
        front, text = parse_front_matter(text)
        for key, value in front.items():
            target = _FRONT_MATTER_KEYS.get(key)
            if target and value and target not in fields:
                fields[target] = value
    text = clean_text(text)
    if not text:
        raise ParseError("no article text left after removing boilerplate")

    lines = text.split("\n")
    drop: set[int] = set()
    title_line: str | None = None
    for i, line in enumerate(lines[:_HEADER_SCAN_LINES]):
        if not line.strip():
            continue
        has_title = title_line is not None or "title" in fields
        header = parse_header_line(line, allow_byline=has_title)
        if header:
            key, value = header
            fields.setdefault(key, value)
            drop.add(i)
            continue
        if not has_title:
            title_line = line
            continue
        break
    if drop:
        text = "\n".join(line for i, line in enumerate(lines) if i not in drop)
        text = _MANY_BLANKS.sub("\n\n", text).strip()
        if not text:
            raise ParseError("no article text, only header lines")

    title_text = fields.get("title") or (headline_from_line(title_line) if title_line else "")
    title, publisher = split_publisher(title_text) if title_text else ("", None)
    source = clean_field(fields.get("source")) or publisher
    url = clean_field(fields.get("url"))
    if url and not re.match(r"https?://\S+$", url):
        url = None
    check_article_length(text, config.max_article_chars)
    return ParsedDocument(
        text=text,
        title=shorten_title(title) or None,
        source=source,
        author=clean_field(fields.get("author")),
        published_at=normalize_date(fields.get("published_at")),
        url=url,
        language=language_tag(fields.get("language")) or detect_language(text),
        origin=origin,
    )
