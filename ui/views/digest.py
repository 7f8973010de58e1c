"""Digest: what is new in the collection as stories (outlets counted, one verified quote each),
with Markdown, PDF and DOCX downloads."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from bot.redact import redact
from bot.service import Briefbot
from ui import state
from ui.citations import quote_contexts, show_citation
from ui.render import byline, escape_md, md_link
from ui.views.briefing import DOCX_MIME

if TYPE_CHECKING:
    from bot.digest import Digest

RESULT = "digest_result"
WINDOWS = {
    "Last 24 hours": "24h",
    "Last 48 hours": "48h",
    "Last 7 days": "7d",
    "Last 30 days": "30d",
}


@dataclass
class Result:
    collection: str
    digest: Digest
    files: dict[str, bytes] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def render() -> None:
    bot = state.get_bot()
    st.title("Digest")
    st.caption(
        "What is new in this collection: syndicated copies and near-duplicates folded into "
        "stories, each with its outlets and one quote checked word for word."
    )
    with st.form("digest_form"):
        window = st.selectbox("Window", list(WINDOWS), key="digest_window")
        go = st.form_submit_button("Build digest", type="primary")
    if go:
        _build(bot, WINDOWS[window])
    result: Result | None = st.session_state.get(RESULT)
    if result is not None and result.collection == bot.settings.collection:
        _show(bot, result)


def _build(bot: Briefbot, window: str) -> None:
    from bot.digest import build_digest, parse_since

    with st.status("Building the digest…", expanded=True) as status:
        try:
            digest = build_digest(
                bot, parse_since(window), progress=lambda m: status.write(escape_md(m))
            )
        except Exception as exc:
            status.update(label="The digest failed", state="error")
            st.error(escape_md(redact(f"{type(exc).__name__}: {exc}")))
            return
        status.write("Exporting Markdown, PDF and DOCX")
        result = Result(bot.settings.collection, digest)
        for suffix in (".md", ".pdf", ".docx"):
            try:
                result.files[suffix] = _export(digest, suffix)
            except Exception as exc:
                result.errors[suffix] = redact(f"{type(exc).__name__}: {exc}")
        status.update(label="Digest ready", state="complete", expanded=False)
    st.session_state[RESULT] = result


def _export(digest: Digest, suffix: str) -> bytes:
    from bot.export.digest import export_digest

    with tempfile.TemporaryDirectory(prefix="briefbot-ui-") as tmp:
        return Path(export_digest(digest, Path(tmp) / f"digest{suffix}").path).read_bytes()


def _show(bot: Briefbot, result: Result) -> None:
    from bot.export.digest_markdown import digest_summary, outlets_line

    digest = result.digest
    name = f"digest-{digest.collection}-{digest.generated_at[:10]}"
    columns = st.columns(4)
    for column, (suffix, label, mime) in zip(
        columns,
        [
            (".md", "Download Markdown", "text/markdown"),
            (".pdf", "Download PDF", "application/pdf"),
            (".docx", "Download DOCX", DOCX_MIME),
        ],
        strict=False,
    ):
        if suffix in result.files:
            column.download_button(
                label, data=result.files[suffix], file_name=f"{name}{suffix}", mime=mime,
                on_click="ignore", key=f"digest-download{suffix.replace('.', '-')}",
            )  # fmt: skip
        else:
            column.error(f"{label[9:]} export failed: {escape_md(result.errors.get(suffix))}")
    st.caption(escape_md(digest_summary(digest)))
    if not digest.stories:
        st.info("Nothing new in this window.")
        return
    contexts = quote_contexts(bot, digest.citations)
    with st.container(key="digest-stories"):
        for n, story in enumerate(digest.stories, start=1):
            with st.container(border=True, key=f"digest-story-{n}"):
                st.markdown(f"### {n}. {escape_md(story.headline)}")
                st.caption(escape_md(outlets_line(story)))
                if story.quote is not None:
                    key = (story.quote.article_id, story.quote.start, story.quote.end)
                    show_citation(story.quote, contexts.get(key), label=f"[{story.quote.marker}]")
                else:
                    st.caption("No quotable sentence in these articles.")
                st.markdown(
                    "\n".join(
                        f"- {md_link(s.title, s.url)} — {byline(s.outlet, s.published_at)}"
                        for s in story.sources
                    )
                )
    if digest.omitted_stories:
        st.caption(f"And {digest.omitted_stories} less reported stories.")
