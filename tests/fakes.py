"""Every fake the tests use, in one place.

Fakes pin *behaviour*: what the pipeline does with a given model output. The real embedded
model is tested elsewhere only for properties that hold for any output (verbatim quotes, no
injected payload, bounded time), because its wording changes with the CPU and thread count.

- :class:`ScriptedChatModel`: a LangChain chat model whose reply is a fixed text or a function
  of the prompt; streams word by word and records every call.
- :class:`ExplodingModel`: fails the test if it is called at all.
- :func:`grounded_reply`: a reply function that behaves like a capable, faithful model: for each
  phrase it finds the passage (``<passage id=N …>``) holding it and writes that passage's
  sentence with the right marker.
- :func:`cited_reply`: a capable model that writes its own (synthesised, or wrong) sentences
  and cites the passages or quotes holding given phrases, or deliberately the wrong one.
- :class:`HashEmbeddings`: deterministic bag-of-words vectors, cheap enough for stress tests.
- :func:`scripted_openai_server`: a real HTTP server on loopback that speaks the OpenAI chat
  completions API (plain and streamed) with a scripted reply — for the app process, which
  reaches a model only through settings.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

from tests.loopback import LoopbackServer, QuietHandler

Reply = str | Callable[[str], str]
"""A fixed reply, or a function from the whole prompt (all messages joined) to the reply."""


def prompt_text(messages: Sequence[BaseMessage] | Sequence[dict]) -> str:
    """All message contents joined, for reply functions (LangChain messages or OpenAI dicts)."""
    parts = []
    for m in messages:
        content = m.get("content") if isinstance(m, dict) else m.content
        parts.append(content if isinstance(content, str) else json.dumps(content))
    return "\n\n".join(parts)


def _reply_text(reply: Reply, prompt: str) -> str:
    return reply(prompt) if callable(reply) else reply


def _pieces(text: str) -> list[str]:
    """Word-sized stream pieces that join back to exactly ``text``."""
    return re.findall(r"\s*\S+", text) + ([text[len(text.rstrip()) :]] if text.rstrip() else [])


class ScriptedChatModel(BaseChatModel):
    """Replies with its script whatever it is asked (any ``stop``/``max_tokens`` is accepted)."""

    reply: Any = ""
    """A string, or a function of the prompt text (see :data:`Reply`)."""
    calls: list[str] = Field(default_factory=list)
    """The prompt text of every call, in order."""

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _text(self, messages: list[BaseMessage]) -> str:
        prompt = prompt_text(messages)
        self.calls.append(prompt)
        return _reply_text(self.reply, prompt)

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(self._text(messages)))])

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> Iterator[ChatGenerationChunk]:
        for piece in _pieces(self._text(messages)):
            if piece:
                yield ChatGenerationChunk(message=AIMessageChunk(content=piece))


def scripted(reply: Reply) -> ScriptedChatModel:
    """Shorthand: a chat model that always answers ``reply``."""
    return ScriptedChatModel(reply=reply)


class ExplodingModel(BaseChatModel):
    """Fails the test if the model is called: abstention must happen before any model call."""

    @property
    def _llm_type(self) -> str:
        return "exploding"

    def _generate(self, messages: list[BaseMessage], stop: Any = None, **kw: Any) -> ChatResult:
        raise AssertionError("the model was called although code should have decided alone")


_PASSAGE = re.compile(r"<passage id=\"?(\d+)\"?[^>]*>\n(.*?)\n</passage>", re.DOTALL)
_SENTENCE = re.compile(r"[^.!?]*[.!?]")


def passages_in(prompt: str) -> dict[int, str]:
    """The numbered passages a prompt shows the model (``format_passages``'s blocks)."""
    return {int(n): text for n, text in _PASSAGE.findall(prompt)}


def grounded_reply(*phrases: str, fallback: str = "") -> Callable[[str], str]:
    """A faithful model: for each phrase, the sentence of the passage holding it, with its marker.

    Phrases no passage holds are skipped; if none is found, ``fallback`` is the reply."""

    def reply(prompt: str) -> str:
        out = []
        passages = passages_in(prompt)
        for phrase in phrases:
            for n, text in passages.items():
                if phrase in text:
                    sentence = next(
                        (s.strip() for s in _SENTENCE.findall(text) if phrase in s), phrase
                    )
                    out.append(f"{sentence.rstrip('.!?')} [{n}].")
                    break
        return " ".join(out) or fallback

    return reply


_CITE = re.compile(r"\[([@!])([^\]]+)\]")
_QUOTE_LINE = re.compile(r"^\[(\d+)\] (.*)$", re.MULTILINE)


def cited_reply(text: str) -> Callable[[str], str]:
    """A capable model writing its own sentences (``text``), citing by content: ``[@phrase]``
    becomes the marker of the passage (``<passage id=N>``) or numbered quote (``[n] quote``)
    holding ``phrase``; ``[!phrase]`` becomes a *wrong* marker, one of a passage that does not
    hold it. A phrase the prompt lacks becomes ``[1]``."""

    def reply(prompt: str) -> str:
        sources = passages_in(prompt) or {int(n): q for n, q in _QUOTE_LINE.findall(prompt)}

        def marker(match: re.Match[str]) -> str:
            holding = [n for n, body in sources.items() if match.group(2) in body]
            if match.group(1) == "!":
                holding = [n for n in sources if n not in holding]
            return f"[{holding[0] if holding else 1}]"

        return _CITE.sub(marker, text)

    return reply


class HashEmbeddings(Embeddings):
    """Deterministic 384-d bag-of-words vectors: fast enough for kill and scale tests."""

    dim = 384

    def _one(self, text: str) -> list[float]:
        v = np.zeros(self.dim, dtype=np.float32)
        for word in text.lower().split():
            v[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norm = float(np.linalg.norm(v))
        return (v / norm if norm else v + self.dim**-0.5).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._one(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._one(text)


# ---- a scripted OpenAI-compatible server -------------------------------------------------------


def _handler(reply: Reply, model: str, calls: list[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path.rstrip("/").endswith("/models"):
                self.reply_json({"object": "list", "data": [{"id": model, "object": "model"}]})
            else:
                self.reply_json({"error": "not found"}, 404)

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            prompt = prompt_text(request.get("messages", []))
            calls.append(prompt)
            text = _reply_text(reply, prompt)
            created = int(time.time())
            base = {"id": "chatcmpl-scripted", "created": created, "model": model}
            if not request.get("stream"):
                message = {"role": "assistant", "content": text}
                choice = {"index": 0, "message": message, "finish_reason": "stop"}
                self.reply_json({**base, "object": "chat.completion", "choices": [choice]})
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            deltas = [{"role": "assistant", "content": ""}]
            deltas += [{"content": p} for p in _pieces(text) if p]
            for i, delta in enumerate(deltas + [{}]):
                finish = "stop" if i == len(deltas) else None
                chunk = {
                    **base,
                    "object": "chat.completion.chunk",
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                }
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

    return Handler


@contextlib.contextmanager
def scripted_openai_server(reply: Reply, model: str = "scripted") -> Iterator[tuple[str, list]]:
    """A real OpenAI-compatible HTTP server on loopback; yields ``(base_url, calls)``."""
    calls: list[str] = []
    with LoopbackServer(_handler(reply, model, calls)) as server:
        yield f"{server.url}/v1", calls
