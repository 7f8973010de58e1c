"""Metadata helpers shared by the formats: dates, headline/publisher split, language, headers."""

from __future__ import annotations

import re
from datetime import date, datetime
from email.utils import parsedate_to_datetime

_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%B %d, %Y",
    "%b %d, %Y",
    "%b. %d, %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d %Y",
    "%A, %B %d, %Y",
    "%A %d %B %Y",
    "%Y%m%d",
)
_PDF_DATE = re.compile(
    r"^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([+-])(\d{2})'?(\d{2})?'?|Z)?"
)


def _iso(value: datetime | date, has_time: bool) -> str | None:
    if not 1800 <= value.year <= 2200:
        return None
    if isinstance(value, datetime) and has_time:
        return value.replace(microsecond=0).isoformat()
    return value.strftime("%Y-%m-%d")


def normalize_date(value: object) -> str | None:
    """Any reasonable date spelling -> ISO 8601 (``YYYY-MM-DD`` or datetime with offset); else None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return _iso(value, True)
    if isinstance(value, date):
        return _iso(value, False)
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())[:80]
    if not text:
        return None
    pdf = _PDF_DATE.match(text)
    if pdf:
        text = _pdf_date_to_iso(pdf)
    candidate = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        parsed = datetime.fromisoformat(candidate)
        return _iso(parsed, "T" in candidate or " " in candidate or ":" in candidate)
    except ValueError:
        pass
    try:
        return _iso(parsedate_to_datetime(text), True)
    except (TypeError, ValueError, IndexError):
        pass
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
        return _iso(parsed, "%H" in fmt)
    return None


def _pdf_date_to_iso(m: re.Match[str]) -> str:
    year, month, day, hour, minute, second, sign, tz_h, tz_m = m.groups()
    out = f"{year}-{month or '01'}-{day or '01'}"
    if hour:
        out += f"T{hour}:{minute or '00'}:{second or '00'}"
        if sign:
            out += f"{sign}{tz_h}:{tz_m or '00'}"
        elif m.group(0).endswith("Z"):
            out += "+00:00"
    return out


# "Headline – Publisher": en/em dash, pipe or spaced hyphen; the last one wins.
_PUBLISHER_SEP = re.compile(r"\s+(?:[–—|]|-{1,2}|::|·)\s+")
_MAX_PUBLISHER_WORDS = 5


def split_publisher(title: str) -> tuple[str, str | None]:
    """Split ``"Headline – RT en français"`` into headline and publisher when the tail is short.

    The tail must start with a capital letter or digit, and the headline must keep at least two
    words, so "Kim rejects offer - again" keeps its tail.
    """
    title = " ".join(title.split())
    matches = list(_PUBLISHER_SEP.finditer(title))
    if not matches:
        return title, None
    last = matches[-1]
    head, tail = title[: last.start()].strip(), title[last.end() :].strip()
    if (
        tail
        and len(tail.split()) <= _MAX_PUBLISHER_WORDS
        and (tail[0].isupper() or tail[0].isdigit())
        and not tail.endswith((".", "?", "!", "”", '"'))
        and len(head.split()) >= 2
    ):
        return head, tail
    return title, None


def language_tag(value: str | None) -> str | None:
    """``"en-US"`` / ``"en_GB"`` -> ``"en"``; junk -> None."""
    if not value:
        return None
    primary = re.split(r"[-_]", value.strip())[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


def clean_field(value: object, max_len: int = 500) -> str | None:
    """A one-line metadata value: whitespace collapsed, empty -> None."""
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value[:max_len] if value else None


# Header lines some text exports carry above or just below the headline.
_HEADER = re.compile(
    r"^(?P<key>title|headline|by|author|authors|byline|source|publisher|published|published\s+on"
    r"|date|posted|posted\s+on|url|link|canonical|language|lang)\s*:\s*(?P<value>\S.*)$",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^By\s+(?P<value>[A-Z\u00c0-\u024f][^\n]{1,100})$")
_HEADER_KEYS = {
    "title": "title",
    "headline": "title",
    "by": "author",
    "author": "author",
    "authors": "author",
    "byline": "author",
    "source": "source",
    "publisher": "source",
    "published": "published_at",
    "published on": "published_at",
    "date": "published_at",
    "posted": "published_at",
    "posted on": "published_at",
    "url": "url",
    "link": "url",
    "canonical": "url",
    "language": "language",
    "lang": "language",
}


def parse_header_line(line: str, allow_byline: bool = True) -> tuple[str, str] | None:
    """``"Source: Reuters"`` -> ``("source", "Reuters")``; ``"By Jane Doe"`` -> author.

    ``allow_byline=False`` is for the headline position, where "By Land and Sea" is a title.
    """
    line = line.strip()
    match = _HEADER.match(line)
    if match:
        key = _HEADER_KEYS[" ".join(match.group("key").lower().split())]
        value = match.group("value").strip()
        if key == "url" and not re.match(r"https?://\S+$", value):
            return None
        if key == "published_at" and normalize_date(value) is None:
            return None
        return key, value
    match = _BYLINE.match(line) if allow_byline else None
    if match and len(line.split()) <= 8 and not line.endswith((".", "?", "!")):
        return "author", match.group("value").strip()
    return None


def parse_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Split YAML-ish ``---`` front matter off a markdown file: flat ``key: value`` pairs only.

    Lists (``[a, b]`` or ``- a`` lines) are joined with ", ". No YAML library: the block is data
    and only simple scalars are wanted.
    """
    if not text.startswith("---\n"):
        return {}, text
    end = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[4:], re.MULTILINE)
    if not end:
        return {}, text
    block = text[4 : 4 + end.start()]
    rest = text[4 + end.end() :].lstrip("\n")
    fields: dict[str, str] = {}
    current: str | None = None
    for raw in block.split("\n"):
        item = re.match(r"^\s+-\s+(.*)$|^-\s+(.*)$", raw)
        if item and current:
            value = _unquote(item.group(1) or item.group(2) or "")
            fields[current] = f"{fields[current]}, {value}" if fields.get(current) else value
            continue
        pair = re.match(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$", raw)
        if not pair:
            continue
        current = pair.group(1).lower()
        value = pair.group(2).strip()
        if value.startswith("[") and value.endswith("]"):
            value = ", ".join(_unquote(v) for v in value[1:-1].split(",") if v.strip())
        fields[current] = _unquote(value)
    return fields, rest


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value
