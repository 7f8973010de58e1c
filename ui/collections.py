"""The sidebar's collection switcher: which collection this session works on, and creating one.

The choice is a settings override (``collection``) like the model choice, so every page's
Briefbot (``state.get_bot``) is the one of the chosen collection.
"""

from __future__ import annotations

import streamlit as st

from bot.collections import CollectionError, create, summaries
from bot.redact import redact
from bot.settings import Settings
from ui import state
from ui.render import escape_md

_FLASH = "_collection_flash"
_SWITCH = "collection_switch"
# Page results that belong to one collection; switching drops them.
PER_COLLECTION_STATE = ("briefing_result", "digest_result", "_last_ingest", "_refresh_result")


def switcher(settings: Settings) -> None:
    st.markdown("#### Collection")
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        st.success(flash)
    try:
        found = summaries(settings)
    except Exception as exc:  # the store is down: the page says so too
        st.caption(f"Collections unavailable: {escape_md(redact(str(exc)))}")
        return
    counts = {c.name: c for c in found}
    names = sorted(set(counts) | {settings.collection})

    def label(name: str) -> str:
        c = counts.get(name)
        return f"{name} ({c.articles} articles, {c.feeds} feeds)" if c else f"{name} (empty)"

    if st.session_state.get(_SWITCH) not in names:
        st.session_state[_SWITCH] = settings.collection
    st.selectbox(
        "Collection",
        names,
        format_func=label,
        key=_SWITCH,
        on_change=_switched,
        label_visibility="collapsed",
    )
    with st.expander("New collection"):
        with st.form("new_collection_form", border=False, clear_on_submit=True):
            name = st.text_input(
                "Collection name", key="new_collection_name", placeholder="e.g. ukraine-desk"
            )
            made = st.form_submit_button("Create collection")
        if made:
            try:
                create(settings, name.strip())
            except CollectionError as exc:
                st.error(escape_md(str(exc)))
                return
            _use(name.strip(), f"Created collection {name.strip()}.")


def _switched() -> None:
    """The selectbox changed (runs before the page script, so the page sees the choice)."""
    name = st.session_state[_SWITCH]
    _apply(name, f"Switched to collection {name}.")


def _apply(name: str, message: str) -> None:
    state.set_overrides({"collection": name})
    for key in PER_COLLECTION_STATE:
        st.session_state.pop(key, None)
    st.session_state[_FLASH] = message


def _use(name: str, message: str) -> None:
    """Switch after creating: the selectbox takes the new name on the rerun."""
    _apply(name, message)
    st.session_state.pop(_SWITCH, None)
    st.rerun()
