"""Language models: one provider registry, a declared profile per model, and every prompt.

- ``registry``: ``make_chat_model(settings)`` (``PROVIDERS``: embedded, openai,
  openai-compatible);
- ``base``: ``ModelUnavailable``, ``ModelProfile``, ``declare_profile``/``profile_of``;
- ``llamacpp``: ``LlamaCppChat``, the in-process GGUF model, and the bundled SmolLM2;
- ``openai``: OpenAI and OpenAI-compatible servers;
- ``prompts``: the answer prompt and passage blocks, the briefing's bottom-line prompt.
"""

from bot.llm.base import DEFAULT_PROFILE, ModelProfile, ModelUnavailable, profile_of
from bot.llm.llamacpp import LlamaCppChat, bundled_model_path, embedded_model_path
from bot.llm.registry import PROVIDERS, make_chat_model

__all__ = [
    "DEFAULT_PROFILE",
    "PROVIDERS",
    "LlamaCppChat",
    "ModelProfile",
    "ModelUnavailable",
    "bundled_model_path",
    "embedded_model_path",
    "make_chat_model",
    "profile_of",
]
