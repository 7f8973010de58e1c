"""What every export format shares: section headings, labels, reference fields, link targets,
and article text made displayable.

Article-derived text (quotes, titles, publishers, actor names, URLs) is untrusted: every format
first passes it through :func:`display_text` (control and bidi-override characters removed), and
only :func:`web_url` decides what may become a link.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from bot.briefing.corroboration import confidence_scale
from bot.briefing.model import Briefing, Development, Disagreement, SourceEntry
from bot.types import Citation

SECTION_HEADINGS = (
    "Bottom line",
    "Key developments",
    "Positions",
    "Disagreements",
    "What to watch",
    "Sources",
)
REFERENCES_HEADING = "References"
STATE_LABEL = "state-affiliated media"
VERBATIM_NOTE = (
    "Every quotation below is verbatim from its article and was checked by code "
    "against the stored text."
)
EXTRACTIVE_NOTE = (
    "Quoted from the top-ranked sources (no model-written summary passed the quote check)."
)
NO_DATE = "date not given"
CONFIDENCE_SCALE = confidence_scale()
"""One line stating the confidence scale (ICD 203 levels and the rule behind them)."""


@dataclass
class ExportResult:
    path: Path
    pages: int | None
    """Pages of the written file (1 for Markdown; None for DOCX, which the reader's word
    processor lays out)."""
    citations: list[Citation] = field(default_factory=list)
    """The citations as numbered in the written file (the PDF may keep fewer)."""


# Invisible characters that could reorder or hide text (bidi overrides, zero-width joiners are kept
# out only where they are controls: letters of RTL scripts are left alone).
_INVISIBLE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def display_text(text: str) -> str:
    """One line of visible text: control and bidi-override characters removed, whitespace
    collapsed. Used for rendering only; citations keep the verbatim quote."""
    text = _INVISIBLE.sub("", text)
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    return " ".join(text.split())


def source_label(source: SourceEntry) -> str:
    return source.publisher + (f" ({STATE_LABEL})" if source.state_affiliated else "")


def date_span_text(briefing: Briefing) -> str:
    if briefing.earliest and briefing.latest:
        if briefing.earliest == briefing.latest:
            return briefing.earliest
        return f"{briefing.earliest} to {briefing.latest}"
    return "publication dates not given"


def source_of(briefing: Briefing, marker: int) -> SourceEntry | None:
    for s in briefing.sources:
        if marker in s.markers:
            return s
    return None


def web_url(url: str | None) -> str | None:
    """A source URL fit to be a link target: a plain ``http(s)`` URL with a host, visible
    characters only, percent-encoded; None for anything else (``javascript:``, ``file:``...)."""
    if not url:
        return None
    url = display_text(url)
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe="/:?#[]@!$&'()*+,;=%-._~")


def reference_fields(briefing: Briefing, marker: int) -> tuple[str, str, str]:
    """(publisher label, title, date) of citation ``marker`` as a reference shows them."""
    citation = briefing.citation(marker)
    src = source_of(briefing, marker)
    who = source_label(src) if src else (citation.source or "Unknown publisher")
    date = citation.published_at[:10] if citation.published_at else NO_DATE
    return who, citation.title, date


def corroboration_text(d: Development) -> str:
    """e.g. "moderate confidence: 2 independent sources, 1 state-affiliated (AFP; RT)"."""
    note = d.confidence_note or f"{d.confidence} confidence"
    return f"{note} ({'; '.join(d.sources)})" if d.sources else note


def disagreement_label(d: Disagreement) -> str:
    """What the sides disagree on: "(figure: 12 vs 40)", "(yes or no)"."""
    return f"({d.kind}: {d.detail})" if d.detail else f"({d.kind})"
