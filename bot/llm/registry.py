"""The provider registry: ``make_chat_model(settings)`` is the only place that picks a provider.

- ``embedded``: a GGUF model run in process by llama.cpp (``bot.llm.llamacpp``);
- ``openai``: ``langchain_openai.ChatOpenAI`` with ``OPENAI_API_KEY`` (``bot.llm.openai``);
- ``openai-compatible``: the same client against ``BRIEFBOT_LLM_BASE_URL``.

A provider is one function ``Settings -> BaseChatModel``; adding one is one entry here (and a
``declare_profile`` for its model class when it cannot read whole passages).
"""

from __future__ import annotations

from collections.abc import Callable

from langchain_core.language_models import BaseChatModel

from bot.llm.base import ModelUnavailable
from bot.llm.llamacpp import build_embedded
from bot.llm.openai import build_openai, build_openai_compatible
from bot.settings import Settings

PROVIDERS: dict[str, Callable[[Settings], BaseChatModel]] = {
    "embedded": build_embedded,
    "openai": build_openai,
    "openai-compatible": build_openai_compatible,
}


def make_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model ``settings`` asks for. Raises :class:`ModelUnavailable` with a message
    for the user when it cannot be built (missing GGUF file, missing API key)."""
    build = PROVIDERS.get(settings.provider)
    if build is None:
        raise ModelUnavailable(f"unknown model provider {settings.provider!r}")
    return build(settings)
