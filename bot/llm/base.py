"""What every provider shares: the user-facing error, and each model's declared profile.

A profile says what the answer path may ask of a model (how many passages it reads well, how long
each may be). It is declared per chat-model class by the module that provides the class (see
``bot.llm.llamacpp``), never probed from the model object: a model class nobody declared gets
:data:`DEFAULT_PROFILE` (every selected passage, whole).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel


class ModelUnavailable(RuntimeError):
    """The configured model cannot be used (missing file, package or key): a user error."""


@dataclass(frozen=True)
class ModelProfile:
    """What a model can read, declared by its provider."""

    context_tokens: int | None = None
    """Context window in tokens (None: large enough for every prompt Briefbot sends)."""
    max_passages: int | None = None
    """Passages the model reads well; the answer shows at most this many (None: ``top_k``)."""
    passage_chars: int | None = None
    """Characters of each passage shown to it, its best sentences first (None: whole)."""


DEFAULT_PROFILE = ModelProfile()

_PROFILES: dict[type, Callable[[BaseChatModel], ModelProfile]] = {}


def declare_profile(
    model_class: type[BaseChatModel], profile: Callable[[BaseChatModel], ModelProfile]
) -> None:
    """Declare the profile of every instance of ``model_class`` (and its subclasses)."""
    _PROFILES[model_class] = profile


def profile_of(model: BaseChatModel) -> ModelProfile:
    """The declared profile of ``model``'s class, else :data:`DEFAULT_PROFILE`."""
    for cls in type(model).__mro__:
        if cls in _PROFILES:
            return _PROFILES[cls](model)
    return DEFAULT_PROFILE
