"""Briefing: a topic and optional filters in, a one-page cited briefing (PDF / Markdown / DOCX)
out."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from bot.briefing.model import NO_DISAGREEMENTS
from bot.export.common import CONFIDENCE_SCALE, corroboration_text, disagreement_label
from bot.redact import redact
from bot.service import Briefbot
from bot.types import SearchFilters
from ui import state
from ui.render import HIGHLIGHT, byline, escape_md, md_link
from ui.streaming import Events, run_with_events

if TYPE_CHECKING:
    from bot.briefing.model import Briefing

RESULT = "briefing_result"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class Result:
    briefing: Briefing
    markdown: str
    pdf: bytes | None
    pages: int | None
    error: str | None = None
    docx: bytes | None = None
    docx_error: str | None = None


def render() -> None:
    bot = state.get_bot()
    st.title("Policy briefing")
    st.caption("One page from the stored articles; every quote verbatim and checked.")
    sources = sorted({a.source for a in bot.articles() if a.source})
    with st.form("briefing_form"):
        topic = st.text_input("Topic", placeholder="e.g. North Korea and US dialogue")
        chosen = st.multiselect("Only these publishers (optional)", sources)
        since_col, until_col = st.columns(2)
        since = since_col.date_input("Published from (optional)", value=None)
        until = until_col.date_input("Published until (optional)", value=None)
        go = st.form_submit_button("Generate briefing", type="primary")
    if go:
        if not topic.strip():
            st.warning("Type a topic first.")
        else:
            filters = SearchFilters(sources=tuple(chosen), since=since, until=until)
            _generate(bot, topic.strip(), filters)
    result: Result | None = st.session_state.get(RESULT)
    if result is not None:
        _show(result)


def _generate(bot: Briefbot, topic: str, filters: SearchFilters) -> None:
    from bot.briefing import generate_briefing

    with st.status("Writing the briefing…", expanded=True) as status:

        def handle(kind: str, payload: Any) -> None:
            if kind == "progress":
                status.update(label=f"{escape_md(str(payload))}…")
                status.write(escape_md(str(payload)))

        def work(events: Events) -> Briefing:
            return generate_briefing(bot, topic, filters=filters, progress=events.progress)

        try:
            briefing = run_with_events(work, handle)
        except Exception as exc:
            status.update(label="The briefing failed", state="error")
            st.error(escape_md(redact(f"{type(exc).__name__}: {exc}")))
            return
        status.write("Exporting PDF, Markdown and DOCX")
        result = _export(briefing)
        status.update(label="Briefing ready", state="complete", expanded=False)
    st.session_state[RESULT] = result


def _export_file(briefing: Briefing, suffix: str) -> tuple[bytes | None, int | None, str | None]:
    """(file bytes, pages, error) of one export format; a failure is reported, not raised."""
    from bot.export import export_briefing

    try:
        with tempfile.TemporaryDirectory(prefix="briefbot-ui-") as tmp:
            exported = export_briefing(briefing, Path(tmp) / f"briefing{suffix}")
            return Path(exported.path).read_bytes(), exported.pages, None
    except Exception as exc:
        return None, None, redact(f"{type(exc).__name__}: {exc}")


def _export(briefing: Briefing) -> Result:
    from bot.export import to_markdown

    pdf, pages, error = _export_file(briefing, ".pdf")
    docx, _, docx_error = _export_file(briefing, ".docx")
    return Result(briefing, to_markdown(briefing), pdf, pages, error, docx, docx_error)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "briefing"


def _show(result: Result) -> None:
    briefing = result.briefing
    name = f"briefing-{_slug(briefing.topic)}"
    pdf_col, md_col, docx_col, _ = st.columns([1, 1, 1, 1])
    if result.pdf is not None:
        pages = f" ({result.pages} page{'s' if result.pages != 1 else ''})" if result.pages else ""
        pdf_col.download_button(
            f"Download PDF{pages}",
            data=result.pdf,
            file_name=f"{name}.pdf",
            mime="application/pdf",
            type="primary",
            on_click="ignore",
        )
    else:
        st.error(f"PDF export failed: {escape_md(result.error)}")
    md_col.download_button(
        "Download Markdown",
        data=result.markdown,
        file_name=f"{name}.md",
        mime="text/markdown",
        on_click="ignore",
    )
    if result.docx is not None:
        docx_col.download_button(
            "Download DOCX",
            data=result.docx,
            file_name=f"{name}.docx",
            mime=DOCX_MIME,
            on_click="ignore",
        )
    else:
        st.error(f"DOCX export failed: {escape_md(result.docx_error)}")
    with st.container(border=True):
        show_briefing(briefing)


def _quote(briefing: Briefing, marker: int) -> str:
    try:
        citation = briefing.citation(marker)
    except KeyError:
        return f"\\[{marker}\\]"
    return f":{HIGHLIGHT}[{escape_md(citation.quote).strip()}] \\[{marker}\\]"


def show_briefing(briefing: Briefing) -> None:
    """The briefing's sections, every string escaped, quotes highlighted with their marker."""
    st.header(escape_md(briefing.title))
    span = " – ".join(d[:10] for d in (briefing.earliest, briefing.latest) if d)
    meta = f"{briefing.source_count} sources" + (f" · {escape_md(span)}" if span else "")
    st.caption(f"Topic: {escape_md(briefing.topic)} · {meta}")
    st.subheader("Bottom line")
    st.markdown(escape_md(briefing.bottom_line))
    if briefing.developments:
        st.subheader("Key developments")
        lines = []
        for d in briefing.developments:
            said = f"{escape_md(d.text)} \\[{d.marker}\\]" if d.text else _quote(briefing, d.marker)
            also = "".join(f" \\[{m}\\]" for m in d.support)
            lines.append(
                f"- **{escape_md(d.when)}**: {said} — *{escape_md(corroboration_text(d))}*{also}"
            )
        st.markdown("\n".join(lines))
        st.caption(escape_md(CONFIDENCE_SCALE))
    if briefing.positions:
        st.subheader("Positions")
        lines = []
        for p in briefing.positions:
            who = escape_md(p.actor) + (f" ({escape_md(p.role)})" if p.role else "")
            quotes = " ".join(_quote(briefing, m) for m in p.markers)
            lines.append(f"- **{who}**: {quotes}")
        st.markdown("\n".join(lines))
    st.subheader("Where sources disagree")
    if briefing.disagreements:
        for d in briefing.disagreements:
            st.markdown(
                f"- **{escape_md(d.attribute)}** {escape_md(disagreement_label(d))}: "
                f"{escape_md(briefing.source_name(d.left))} {_quote(briefing, d.left)} vs "
                f"{escape_md(briefing.source_name(d.right))} {_quote(briefing, d.right)}"
            )
    else:
        st.markdown(escape_md(NO_DISAGREEMENTS))
    if briefing.watch:
        st.subheader("What to watch")
        st.markdown(
            "\n".join(
                f"- *{escape_md(w.cue)}*: {_quote(briefing, w.marker)}" for w in briefing.watch
            )
        )
    if briefing.sources:
        st.subheader("Sources")
        lines = []
        for s in briefing.sources:
            markers = " ".join(f"\\[{m}\\]" for m in s.markers)
            state_note = " · state-affiliated" if s.state_affiliated else ""
            meta = byline(s.publisher, s.published_at)
            lines.append(f"- {markers} {md_link(s.title, s.url)} — {meta}{state_note}")
        st.markdown("\n".join(lines))
    for note in briefing.notes:
        st.caption(escape_md(note))
