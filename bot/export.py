"""Briefing export: Markdown (every section, inert article text) and a one-page PDF (``bot.pdf``).

Article-derived text (quotes, titles, publishers, actor names, URLs) is untrusted. In Markdown it
is escaped so that it renders as the same characters and nothing else: no links, images, HTML,
emphasis or table breaks can come out of an article (``md_text``). Source URLs become links only
when they are plain ``http(s)`` URLs, percent-encoded inside an autolink.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from bot.briefing_model import (
    NO_DEVELOPMENTS,
    NO_DISAGREEMENTS,
    NO_POSITIONS,
    NO_SOURCES,
    NO_WATCH,
    Briefing,
    SourceEntry,
    inline_quote,
)
from bot.types import Citation

SECTION_HEADINGS = (
    "Bottom line",
    "Key developments",
    "Positions",
    "Disagreements",
    "What to watch",
    "Sources",
)
STATE_LABEL = "state-affiliated media"


@dataclass
class ExportResult:
    path: Path
    pages: int
    """Pages of the written file (1 for Markdown)."""
    citations: list[Citation] = field(default_factory=list)
    """The citations as numbered in the written file (the PDF may keep fewer)."""


def export_briefing(briefing: Briefing, path: str | Path) -> ExportResult:
    """Write ``briefing`` as PDF (one page) or Markdown, chosen by the file suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        from bot.pdf import write_pdf

        return write_pdf(briefing, path)
    if suffix in (".md", ".markdown"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(to_markdown(briefing), encoding="utf-8")
        return ExportResult(path, 1, list(briefing.citations))
    raise ValueError(f"unsupported export format {path.suffix or '(none)'}: use .pdf or .md")


# ---- untrusted text ----------------------------------------------------------------------------

# Invisible characters that could reorder or hide text (bidi overrides, zero-width joiners are kept
# out only where they are controls: letters of RTL scripts are left alone).
_INVISIBLE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def display_text(text: str) -> str:
    """One line of visible text: control and bidi-override characters removed, whitespace
    collapsed. Used for rendering only; citations keep the verbatim quote."""
    text = _INVISIBLE.sub("", text)
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    return " ".join(text.split())


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:])")
_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{1,20}):")


def md_text(text: str) -> str:
    """Article text as inert Markdown: HTML special characters as entities, Markdown punctuation
    backslash-escaped, and ``scheme:`` / ``www.`` broken up so no autolinker makes a link."""
    text = display_text(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # "http\:" is already escaped above; "www\." too. Nothing in the text can open a link.
    return text


def md_url(url: str | None) -> str:
    """A source URL: an autolink when it is a plain http(s) URL, else inert text."""
    if not url:
        return ""
    url = display_text(url)
    parts = urlsplit(url)
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        safe = quote(url, safe="/:?#[]@!$&'()*+,;=%-._~")
        safe = safe.replace("(", "%28").replace(")", "%29").replace("'", "%27")
        return f"<{safe}>"
    return md_text(url)


def _marker(m: int) -> str:
    return f"\\[{m}\\]"


def _quote_md(briefing: Briefing, marker: int) -> str:
    return f"{md_text(inline_quote(briefing.citation(marker).quote))} {_marker(marker)}"


def _bottom_line_md(text: str) -> str:
    # keep the [n] markers readable while escaping everything else
    out = []
    for piece in re.split(r"(\[\d+\])", display_text(text)):
        if re.fullmatch(r"\[\d+\]", piece):
            out.append(_marker(int(piece[1:-1])))
        elif piece.strip():
            lead = " " if piece[0].isspace() else ""
            trail = " " if piece[-1].isspace() else ""
            out.append(lead + md_text(piece) + trail)
        else:
            out.append(" " if piece else "")
    return "".join(out)


def source_label(source: SourceEntry) -> str:
    return source.publisher + (f" ({STATE_LABEL})" if source.state_affiliated else "")


def date_span_text(briefing: Briefing) -> str:
    if briefing.earliest and briefing.latest:
        if briefing.earliest == briefing.latest:
            return briefing.earliest
        return f"{briefing.earliest} to {briefing.latest}"
    return "publication dates not given"


def _source_of(briefing: Briefing, marker: int) -> SourceEntry | None:
    for s in briefing.sources:
        if marker in s.markers:
            return s
    return None


# ---- Markdown ----------------------------------------------------------------------------------


def to_markdown(briefing: Briefing) -> str:
    """All sections with headings, quotes inline with ``[n]``, Sources and References at the foot."""
    b = briefing
    out: list[str] = [f"# {md_text(b.title)}", ""]
    state = sum(1 for s in b.sources if s.state_affiliated)
    meta = [
        f"**Topic:** {md_text(b.topic)}",
        f"**Sources:** {b.source_count}" + (f" ({state} {STATE_LABEL})" if state else ""),
        f"**Dates covered:** {md_text(date_span_text(b))}",
    ]
    if b.generated_at:
        meta.append(f"**Generated:** {md_text(b.generated_at)}")
    out += [" · ".join(meta), ""]
    out += [
        "_Every quotation below is verbatim from its article and was checked by code "
        "against the stored text._",
        "",
    ]

    out += [
        "## Bottom line",
        "",
        _bottom_line_md(b.bottom_line) if b.bottom_line else NO_SOURCES,
        "",
    ]
    if b.bottom_line_origin != "model" and b.citations:
        out += [
            "_Quoted from the top-ranked sources (no model-written summary passed the quote check)._",
            "",
        ]

    out += ["## Key developments", ""]
    if b.developments:
        out += [f"- **{md_text(d.when)}**: {_quote_md(b, d.marker)}" for d in b.developments]
    else:
        out.append(NO_DEVELOPMENTS)
    out.append("")

    out += ["## Positions", ""]
    if b.positions:
        for p in b.positions:
            role = f" ({md_text(p.role)})" if p.role else ""
            quotes = "; ".join(_quote_md(b, m) for m in p.markers)
            out.append(f"- **{md_text(p.actor)}**{role}: {quotes}")
    else:
        out.append(NO_POSITIONS)
    out.append("")

    out += ["## Disagreements", ""]
    if b.disagreements:
        for d in b.disagreements:
            left, right = _source_of(b, d.left), _source_of(b, d.right)
            out += [
                f"**{md_text(d.subject)}** ({md_text(d.kind)}: {md_text(d.detail)})",
                "",
                f"| {md_text(source_label(left)) if left else ''} "
                f"| {md_text(source_label(right)) if right else ''} |",
                "| --- | --- |",
                f"| {_quote_md(b, d.left)} | {_quote_md(b, d.right)} |",
                "",
            ]
    else:
        out += [NO_DISAGREEMENTS, ""]

    out += ["## What to watch", ""]
    if b.watch:
        out += [f"- _{md_text(w.cue)}_: {_quote_md(b, w.marker)}" for w in b.watch]
    else:
        out.append(NO_WATCH)
    out.append("")

    out += ["## Sources", ""]
    if b.sources:
        for n, s in enumerate(b.sources, start=1):
            parts = [f"**{md_text(s.publisher)}**"]
            if s.state_affiliated:
                parts.append(
                    f"_{STATE_LABEL}_" + (f" ({md_text(s.state_outlet)})" if s.state_outlet else "")
                )
            parts.append(md_text(inline_quote(s.title)))
            parts.append(md_text(s.published_at[:10]) if s.published_at else "date not given")
            if s.url:
                parts.append(md_url(s.url))
            parts.append("cited as " + ", ".join(_marker(m) for m in s.markers))
            out.append(f"{n}. " + " · ".join(parts))
    else:
        out.append(NO_SOURCES)
    out.append("")

    out += ["## References", ""]
    for c in b.citations:
        src = _source_of(b, c.marker)
        who = md_text(source_label(src)) if src else md_text(c.source or "Unknown publisher")
        date = md_text(c.published_at[:10]) if c.published_at else "date not given"
        out.append(
            f"{_marker(c.marker)} {who}, {md_text(inline_quote(c.title))}, {date}: {md_text(inline_quote(c.quote))}"
        )
        out.append("")
    if b.notes:
        out += ["---", ""]
        out += [f"_Note: {md_text(n)}_" for n in b.notes]
        out.append("")
    return "\n".join(out).rstrip() + "\n"
