"""Which Briefbot this browser session talks to, built from Settings plus the sidebar's choices.

Settings come from the environment / config file (``bot.settings.load_settings``); the sidebar
only adds overrides kept in ``st.session_state``. A Briefbot without secrets is shared by all
sessions through ``st.cache_resource`` (one store, one loaded model); one that holds an OpenAI
key lives only in its own session's state, and the key is never written anywhere.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import streamlit as st
from pydantic import SecretStr

from bot.redact import register_secret
from bot.service import Briefbot
from bot.settings import Settings, load_settings

OVERRIDES = "settings_overrides"
API_KEY = "openai_api_key"
_SESSION_BOT = "_session_bot"

PROVIDER_LABELS = {
    "embedded": "Embedded (bundled SmolLM2, on this machine)",
    "openai": "OpenAI",
    "openai-compatible": "OpenAI-compatible server",
}


def overrides() -> dict[str, Any]:
    """The settings this session chose in the sidebar (no secrets)."""
    return dict(st.session_state.get(OVERRIDES, {}))


def set_overrides(values: dict[str, Any], api_key: str | None = None) -> Settings:
    """Validate and apply new choices; raises ``pydantic.ValidationError`` if they are bad."""
    merged = {**overrides(), **values}
    settings = _build(merged, api_key if api_key is not None else session_api_key())
    st.session_state[OVERRIDES] = merged
    if api_key is not None:
        st.session_state[API_KEY] = api_key
        register_secret(api_key)
    return settings


def session_api_key() -> str | None:
    return st.session_state.get(API_KEY) or None


def current_settings() -> Settings:
    return _build(overrides(), session_api_key())


def _build(values: dict[str, Any], api_key: str | None) -> Settings:
    extra: dict[str, Any] = {}
    if api_key:
        extra["OPENAI_API_KEY"] = SecretStr(api_key)
    return load_settings(**values, **extra)


def settings_key(settings: Settings) -> str:
    """Everything that identifies a Briefbot except the API key."""
    return settings.model_dump_json(exclude={"openai_api_key"})


@st.cache_resource(show_spinner=False, max_entries=4)
def _shared_bot(key: str, _settings: Settings) -> Briefbot:
    bot = Briefbot(settings=_settings)
    bot.warm_in_background()  # a large store's indexes load while the user types
    return bot


def get_bot() -> Briefbot:
    """The Briefbot for this session's current settings."""
    settings = current_settings()
    key = settings_key(settings)
    secret = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    if settings.provider != "openai" or not secret:
        return _shared_bot(key, settings)
    # A key typed in this session stays in this session: the bot holding it is not shared.
    fingerprint = hashlib.sha256(f"{key}\0{secret}".encode()).hexdigest()
    held = st.session_state.get(_SESSION_BOT)
    if held is None or held[0] != fingerprint:
        held = (fingerprint, Briefbot(settings=settings))
        held[1].warm_in_background()
        st.session_state[_SESSION_BOT] = held
    return held[1]


def describe_model(settings: Settings) -> str:
    if settings.provider == "embedded":
        name = Path(settings.llm_model).name if settings.llm_model else "bundled SmolLM2"
        return f"embedded · {name}"
    if settings.provider == "openai":
        return f"OpenAI · {settings.llm_model or 'default model'}"
    return f"{settings.llm_model or 'default model'} @ {settings.llm_base_url}"


def describe_store(settings: Settings) -> str:
    if settings.chroma_url:
        parts = urlsplit(settings.chroma_url)
        host = parts.hostname or ""
        where = f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path}"
        return f"Chroma server at {where}"
    return f"embedded Chroma at {settings.store_config().chroma_dir}"
