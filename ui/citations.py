"""A verified quote shown as a card: title link, publisher and date, and the quote highlighted
inside its paragraph (the Ask and Check pages share it)."""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from bot.service import Briefbot
from bot.types import Citation
from ui.render import HIGHLIGHT, QuoteContext, byline, escape_md, md_link, quote_context


def quote_contexts(
    bot: Briefbot, citations: Iterable[Citation]
) -> dict[tuple[str, int, int], QuoteContext | None]:
    """Each citation's paragraph, by ``(article_id, start, end)``; None where the span no
    longer holds the quote."""
    texts: dict[str, str] = {}
    out: dict[tuple[str, int, int], QuoteContext | None] = {}
    for c in citations:
        if c.article_id not in texts:
            article = bot.article(c.article_id)
            texts[c.article_id] = article.text if article else ""
        out[context_key(c)] = quote_context(texts[c.article_id], c.start, c.end, c.quote)
    return out


def context_key(c: Citation) -> tuple[str, int, int]:
    return (c.article_id, c.start, c.end)


def show_citation(c: Citation, context: QuoteContext | None, label: str | None = None) -> None:
    """One quote card; ``label`` (e.g. ``[1]``) before the title."""
    with st.container(border=True):
        prefix = f"**{escape_md(label)}** " if label else ""
        st.markdown(f"{prefix}{md_link(c.title, c.url)}")
        st.caption(byline(c.source, c.published_at, placeholders=True))
        if context is not None:
            st.markdown(context.markdown())
        else:
            st.markdown(f":{HIGHLIGHT}[{escape_md(c.quote)}]")
        if not c.verified:
            st.caption(":warning: This quote could not be verified against the article.")
