"""OpenAI and OpenAI-compatible servers (Ollama, llama.cpp server, vLLM, LM Studio) through
``langchain_openai.ChatOpenAI``. The key is registered for log redaction before any use."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel

from bot.llm.base import ModelUnavailable
from bot.llm.llamacpp import SEED
from bot.settings import Settings

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"


def _client(settings: Settings, **kwargs: Any) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,
        seed=SEED,
        max_retries=1,
        timeout=120,
        **kwargs,
    )


def _key(settings: Settings) -> str | None:
    from bot.redact import register_secret

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    register_secret(key)
    return key


def build_openai(settings: Settings) -> BaseChatModel:
    """OpenAI's API with ``OPENAI_API_KEY``."""
    key = _key(settings)
    if not key:
        raise ModelUnavailable(
            "BRIEFBOT_LLM=openai needs an API key: set OPENAI_API_KEY (it is never logged)"
        )
    return _client(settings, model=settings.llm_model or DEFAULT_OPENAI_MODEL, api_key=key)


def build_openai_compatible(settings: Settings) -> BaseChatModel:
    """Any server speaking OpenAI's chat API at ``BRIEFBOT_LLM_BASE_URL``."""
    key = _key(settings)
    if not settings.llm_base_url:
        raise ModelUnavailable("openai-compatible needs BRIEFBOT_LLM_BASE_URL")
    return _client(
        settings,
        model=settings.llm_model or "local",
        base_url=settings.llm_base_url,
        api_key=key or "not-needed",
    )
