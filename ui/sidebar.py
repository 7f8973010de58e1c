"""Sidebar: the model in use and how to switch it, retrieval settings, the store in use."""

from __future__ import annotations

import streamlit as st
from pydantic import ValidationError

from bot.redact import redact
from bot.settings import Settings
from ui import collections, state
from ui.render import escape_md

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
_FLASH = "_sidebar_flash"


def render() -> Settings:
    """Draw the sidebar; returns the settings in force after any change applied here."""
    settings = state.current_settings()
    with st.sidebar:
        flash = st.session_state.pop(_FLASH, None)
        if flash:
            st.success(flash)
        st.markdown("#### Model")
        st.caption(f"In use: {escape_md(state.describe_model(settings))}")
        with st.expander("Change model"):
            _model_form(settings)
        st.markdown("#### Retrieval")
        st.caption(
            f"{settings.top_k} passages per answer, at most {settings.max_per_article} per article"
        )
        with st.expander("Change retrieval"):
            _retrieval_form(settings)
        collections.switcher(settings)
        st.markdown("#### Store")
        st.caption(escape_md(state.describe_store(settings)))
    return settings


def _model_form(settings: Settings) -> None:
    providers = list(state.PROVIDER_LABELS)
    with st.form("model_form", border=False):
        provider = st.radio(
            "Provider",
            providers,
            index=providers.index(settings.provider),
            format_func=state.PROVIDER_LABELS.__getitem__,
            key="provider_choice",
        )
        current_url = settings.llm_base_url if settings.provider == "openai-compatible" else ""
        current_name = settings.llm_model if settings.provider != "embedded" else ""
        model_name = st.text_input(
            "Model name (OpenAI / compatible server)",
            value=current_name or "",
            key="model_name",
            placeholder=DEFAULT_OPENAI_MODEL,
        )
        base_url = st.text_input(
            "Server URL (OpenAI-compatible)",
            value=current_url or "",
            key="base_url",
            placeholder="http://127.0.0.1:8080/v1",
        )
        api_key = st.text_input(
            "OpenAI API key (kept in this browser session only)",
            type="password",
            key="api_key_input",
        )
        applied = st.form_submit_button("Use this model")
    if applied:
        _apply_model(settings, provider, model_name.strip(), base_url.strip(), api_key.strip())


def _apply_model(
    settings: Settings, provider: str, model_name: str, base_url: str, api_key: str
) -> None:
    values: dict[str, object] = {"llm": provider, "llm_base_url": None}
    if provider == "embedded":
        base = state.load_settings()
        values["llm_model"] = base.llm_model if base.provider == "embedded" else None
    elif provider == "openai":
        values["llm_model"] = model_name or DEFAULT_OPENAI_MODEL
        if not api_key and not settings.openai_api_key:
            st.sidebar.error("OpenAI needs an API key.")
            return
    else:
        if not base_url:
            st.sidebar.error("An OpenAI-compatible server needs its URL.")
            return
        if not base_url.startswith(("http://", "https://")):
            st.sidebar.error("The server URL must start with http:// or https://.")
            return
        values["llm_model"] = model_name or "default"
        values["llm_base_url"] = base_url
    try:
        new = state.set_overrides(values, api_key=api_key or None)
    except ValidationError as exc:
        messages = "; ".join(err["msg"] for err in exc.errors())
        st.sidebar.error(escape_md(redact(messages)))
        return
    st.session_state.pop("api_key_input", None)  # the widget forgets it; the session keeps it
    st.session_state[_FLASH] = f"Now using {escape_md(state.describe_model(new))}"
    st.rerun()


def _retrieval_form(settings: Settings) -> None:
    with st.form("retrieval_form", border=False):
        top_k = st.number_input(
            "Passages per answer (top_k)", min_value=1, max_value=20, value=settings.top_k
        )
        per_article = st.number_input(
            "At most per article", min_value=1, max_value=10, value=settings.max_per_article
        )
        applied = st.form_submit_button("Apply")
    if applied:
        state.set_overrides({"top_k": int(top_k), "max_per_article": int(per_article)})
        st.session_state[_FLASH] = "Retrieval settings applied."
        st.rerun()
