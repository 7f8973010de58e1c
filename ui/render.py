"""Safe rendering: article and model text reaches the page only as escaped Markdown.

Nothing in ``ui/`` passes ``unsafe_allow_html``. Every string that came from an article, a
feed or a model goes through :func:`escape_md` (or :func:`safe_paragraphs`) before
``st.markdown``, so it can neither create HTML, images, links nor LaTeX; links we show are
built here from URLs that passed :func:`safe_url`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

_ASCII_PUNCT = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")
_SPACES = re.compile(r"\s+")

HIGHLIGHT = "orange-background"
"""Streamlit's Markdown directive for the quote inside its paragraph."""


def escape_md(text: str | None) -> str:
    """Text that Markdown shows literally: every ASCII punctuation mark backslash-escaped.

    CommonMark allows escaping any ASCII punctuation, so this defuses emphasis, links,
    images (``![..](..)``), raw HTML (``<script>``), entities (``&lt;``), code, tables,
    Streamlit directives (``:red[..]``) and LaTeX (``$..$``) alike. Runs of whitespace,
    newlines included, become one space: callers that want paragraphs use
    :func:`safe_paragraphs`.
    """
    if not text:
        return ""
    return _ASCII_PUNCT.sub(r"\\\1", _SPACES.sub(" ", text))


def safe_paragraphs(text: str | None) -> str:
    """Multi-paragraph text as escaped Markdown: each non-blank line becomes a paragraph."""
    if not text:
        return ""
    return "\n\n".join(escape_md(line.strip()) for line in text.splitlines() if line.strip())


def safe_url(url: str | None) -> str | None:
    """An ``http(s)`` URL fit for a Markdown link target, or ``None``.

    Other schemes (``javascript:``, ``data:``, ``file:``) are refused; characters that could
    end the link target early (spaces, parentheses, angle brackets) are percent-encoded.
    """
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ord(ch) < 32 for ch in url):
        return None
    return quote(url, safe=":/?#@!$&'*+,;=%~-._")


def md_link(label: str, url: str | None) -> str:
    """``[label](url)`` with an escaped label, or just the escaped label for unsafe URLs."""
    target = safe_url(url)
    if target is None:
        return escape_md(label)
    return f"[{escape_md(label.strip()) or 'link'}]({target})"


@dataclass(frozen=True)
class QuoteContext:
    """A verified quote with the text of its paragraph before and after it."""

    before: str
    quote: str
    after: str

    def markdown(self) -> str:
        """The paragraph as escaped Markdown with the quote highlighted."""
        before = escape_md(self.before).lstrip()
        after = escape_md(self.after).rstrip()
        return f"{before}:{HIGHLIGHT}[{escape_md(self.quote).strip()}]{after}"


def quote_context(
    text: str, start: int, end: int, quote: str, max_side: int = 400
) -> QuoteContext | None:
    """The paragraph around ``text[start:end]`` if that span really is ``quote``.

    Paragraphs are lines of the stored clean text; a side longer than ``max_side`` characters
    is cut at a word boundary with an ellipsis.
    """
    if not (0 <= start < end <= len(text)) or text[start:end] != quote:
        return None
    para_start = text.rfind("\n", 0, start) + 1
    para_end = text.find("\n", end)
    if para_end == -1:
        para_end = len(text)
    before = text[para_start:start]
    after = text[end:para_end]
    if len(before) > max_side:
        cut = before[-max_side:]
        before = "… " + cut.split(" ", 1)[-1] if " " in cut else "… " + cut
    if len(after) > max_side:
        cut = after[:max_side]
        after = (cut.rsplit(" ", 1)[0] if " " in cut else cut) + " …"
    return QuoteContext(before=before, quote=quote, after=after)


def byline(source: str | None, published_at: str | None, placeholders: bool = False) -> str:
    """``Publisher · 2024-05-01`` (escaped); unknown parts skipped, or named if ``placeholders``."""
    publisher = escape_md(source.strip()) if source and source.strip() else ""
    day = escape_md((published_at or "")[:10])
    if placeholders:
        publisher = publisher or "unknown publisher"
        day = day or "undated"
    return " · ".join(p for p in (publisher, day) if p)
