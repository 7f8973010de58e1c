"""Markdown export: every section, article text inert.

Article-derived text is escaped so that it renders as the same characters and nothing else: no
links, images, HTML, emphasis or table breaks can come out of an article (``md_text``). Source
URLs become links only when they are plain ``http(s)`` URLs, percent-encoded inside an autolink.
"""

from __future__ import annotations

import re

from bot.briefing.model import (
    NO_DEVELOPMENTS,
    NO_DISAGREEMENTS,
    NO_POSITIONS,
    NO_SOURCES,
    NO_WATCH,
    Briefing,
    inline_quote,
)
from bot.export.common import (
    CONFIDENCE_SCALE,
    EXTRACTIVE_NOTE,
    NO_DATE,
    REFERENCES_HEADING,
    STATE_LABEL,
    VERBATIM_NOTE,
    corroboration_text,
    date_span_text,
    disagreement_label,
    display_text,
    reference_fields,
    source_label,
    source_of,
    web_url,
)

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
    safe = web_url(url)
    if safe:
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
    out += [f"_{VERBATIM_NOTE}_", ""]

    out += [
        "## Bottom line",
        "",
        _bottom_line_md(b.bottom_line) if b.bottom_line else NO_SOURCES,
        "",
    ]
    if b.bottom_line_origin == "extractive" and b.citations:
        out += [f"_{EXTRACTIVE_NOTE}_", ""]

    out += ["## Key developments", ""]
    if b.developments:
        for d in b.developments:
            said = f"{md_text(d.text)} {_marker(d.marker)}" if d.text else _quote_md(b, d.marker)
            also = " ".join(_marker(m) for m in d.support)
            out.append(
                f"- **{md_text(d.when)}**: {said} — _{md_text(corroboration_text(d))}_"
                + (f" {also}" if also else "")
            )
        out += ["", f"_{md_text(CONFIDENCE_SCALE)}_"]
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
            left, right = source_of(b, d.left), source_of(b, d.right)
            out += [
                f"**{md_text(d.attribute)}** {md_text(disagreement_label(d))}",
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
            parts.append(md_text(s.published_at[:10]) if s.published_at else NO_DATE)
            if s.url:
                parts.append(md_url(s.url))
            parts.append("cited as " + ", ".join(_marker(m) for m in s.markers))
            out.append(f"{n}. " + " · ".join(parts))
    else:
        out.append(NO_SOURCES)
    out.append("")

    out += [f"## {REFERENCES_HEADING}", ""]
    for c in b.citations:
        who, title, date = reference_fields(b, c.marker)
        out.append(
            f"{_marker(c.marker)} {md_text(who)}, {md_text(inline_quote(title))}, "
            f"{md_text(date)}: {md_text(inline_quote(c.quote))}"
        )
        out.append("")
    if b.notes:
        out += ["---", ""]
        out += [f"_Note: {md_text(n)}_" for n in b.notes]
        out.append("")
    return "\n".join(out).rstrip() + "\n"
