"""The Library's feeds: followed feeds with their last refresh and error, "Add feed",
"Refresh now" with progress, and which articles are new since the last visit."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from bot.feeds import FeedError, RefreshBusy
from bot.feeds.registry import now_iso
from bot.redact import redact
from bot.service import Briefbot
from ui.render import escape_md
from vectorstore.models import Article

_REFRESHED = "_refresh_result"
_VISIT = "_library_visit_since"


def render(bot: Briefbot) -> None:
    st.subheader("Feeds")
    with st.form("add_feed_form", clear_on_submit=True):
        url = st.text_input("Feed URL", placeholder="https://example.org/feed.xml")
        added = st.form_submit_button("Add feed")
    if added:
        try:
            bot.feeds.add(url)
        except FeedError as exc:
            st.error(escape_md(str(exc)))
        else:
            st.success(f"Following {escape_md(url.strip())}.")
    feeds = bot.feeds.feeds()
    if feeds and st.button("Refresh now", key="refresh_now", type="primary"):
        _refresh(bot)
    result = st.session_state.get(_REFRESHED)
    if result is not None and result[0] == bot.settings.collection:
        with st.container(key="refresh-result"):
            report = result[1]
            n, added = len(report["feeds"]), report["added"]
            summary = (
                f"Refreshed {n} feed{'s' if n != 1 else ''}: "
                f"{added} new article{'s' if added != 1 else ''}."
            )
            failed = [f for f in report["feeds"] if f["error"]]
            (st.warning if failed else st.success)(summary)
    if not feeds:
        st.info("No feeds followed in this collection: add one above.")
        return
    with st.container(key="feeds-list"):
        for n, feed in enumerate(bot.feeds.feeds()):
            with st.container(border=True, key=f"feed-{n}"):
                line, remove = st.columns([6, 1])
                line.markdown(escape_md(feed.url))
                when = (
                    f"Last refresh {escape_md(feed.last_refresh)} · {feed.last_new} new"
                    if feed.last_refresh
                    else "Never refreshed"
                )
                line.caption(when)
                if feed.last_error:
                    line.caption(f":red[Last error: {escape_md(feed.last_error)}]")
                if remove.button("Remove", key=f"remove_feed_{n}"):
                    bot.feeds.remove(feed.url)
                    st.rerun()


def _refresh(bot: Briefbot) -> None:
    with st.status("Refreshing feeds…", expanded=True) as status:
        try:
            report = bot.refresh(progress=lambda message: status.write(escape_md(message)))
        except RefreshBusy as exc:
            status.update(label=escape_md(str(exc)), state="error")
            return
        except Exception as exc:
            status.update(label="The refresh failed", state="error")
            st.error(escape_md(redact(f"{type(exc).__name__}: {exc}")))
            return
        status.update(
            label=f"Refreshed: {report.added} new articles", state="complete", expanded=False
        )
    st.session_state[_REFRESHED] = (bot.settings.collection, report.to_dict())


def visit_reference(bot: Briefbot) -> str:
    """The moment articles count as new after: the previous visit of this collection's
    Library (recorded once per session), else the start of this session's first visit."""
    collection = bot.settings.collection
    held: dict[str, str] = st.session_state.setdefault(_VISIT, {})
    if collection not in held:
        try:
            previous = bot.feeds.mark_visit()
        except OSError:  # a read-only home: nothing is marked, nothing breaks
            previous = None
        held[collection] = previous or now_iso("microseconds")
    return held[collection]


def is_new(article: Article, since: str) -> bool:
    """Ingested after ``since``, compared as moments: stamps written to the second (older
    stores) and to the microsecond order correctly, where their strings would not."""
    if not article.ingested_at:
        return False
    return datetime.fromisoformat(article.ingested_at) > datetime.fromisoformat(since)


def new_articles_notice(articles: list[Article], since: str) -> None:
    fresh = [a for a in articles if is_new(a, since)]
    if not fresh:
        return
    with st.container(key="new-articles", border=True):
        st.markdown(f"**New since your last visit ({len(fresh)})**")
        st.markdown("\n".join(f"- :blue-badge[new] {escape_md(a.title)}" for a in fresh[:50]))
