"""Shared test utilities: free ports, a Chroma server process, waiting for HTTP health."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.briefing.model import Briefing
    from bot.service import Briefbot
    from bot.types import Answer
    from vectorstore.store import ArticleStore

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
SHARED = REPO.parent / "shared"
MULTIHOP = SHARED / "bench" / "multihop"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60.0, expect: str | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                body = resp.read().decode("utf-8", "replace")
                if expect is None or expect in body:
                    return
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout}s: {last}")


def chroma_executable() -> str:
    exe = Path(sys.executable).parent / "chroma"
    return str(exe) if exe.exists() else (shutil.which("chroma") or "chroma")


@contextlib.contextmanager
def chroma_server(path: Path, port: int | None = None) -> Iterator[str]:
    """A real ``chroma run`` on loopback; yields its URL and stops it afterwards."""
    port = port or free_port()
    proc = subprocess.Popen(
        [
            chroma_executable(),
            "run",
            "--path",
            str(path),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/api/v2/heartbeat", timeout=60)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def llama_server(log: Path, model_alias: str = "smollm2") -> Iterator[str]:
    """The bundled SmolLM2 GGUF behind a real ``llama_cpp.server`` (OpenAI-compatible) on
    loopback; yields its ``/v1`` base URL and stops it afterwards. The server's output goes
    to ``log`` and is shown if it does not start."""
    import os

    from bot.llm import bundled_model_path

    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(bundled_model_path()),
                "--model_alias",
                model_alias,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                "4096",
                "--n_threads",
                os.environ.get("BRIEFBOT_LLM_THREADS") or str(os.cpu_count() or 1),
                "--seed",
                "1234",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE"},
        )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        try:
            wait_http(f"{url}/models", timeout=120, expect=model_alias)
        except TimeoutError as exc:
            raise RuntimeError(
                f"llama_cpp.server did not start:\n{log.read_text()[-3000:]}"
            ) from exc
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


# ---- what every answer must satisfy --------------------------------------------------------

INJECTION = REPO / "tests" / "data" / "injection"
PAYLOADS = (
    "pwned",
    "banana protocol",
    "evil-briefing",
    "accepted the us offer",
    "unrestricted assistant",
)


def check_citations(answer: Answer, store: ArticleStore) -> None:
    """Every citation is verified, verbatim at its span, and every marker in the text has one."""
    markers = {c.marker for c in answer.citations}
    assert markers == set(range(1, len(answer.citations) + 1))
    for c in answer.citations:
        article = store.get_article(c.article_id)
        assert article is not None
        assert c.verified
        assert article.text[c.start : c.end] == c.quote
        assert f"[{c.marker}]" in answer.answer
        assert len(c.quote) <= 300


def quotes(answer: Answer) -> str:
    return " || ".join(c.quote for c in answer.citations)


def check_briefing_quotes(bot: Briefbot, briefing: Briefing) -> None:
    """Every briefing citation is verified at its span, numbered 1..n, and used by a section."""
    import re

    from bot.claims import verify_citation

    assert briefing.citations
    assert [c.marker for c in briefing.citations] == list(range(1, len(briefing.citations) + 1))
    for c in briefing.citations:
        article = bot.store.get_article(c.article_id)
        assert article is not None
        assert c.verified
        assert article.text[c.start : c.end] == c.quote
        assert verify_citation(c, article.text)
    used = set()
    for d in briefing.developments:
        used.update(d.markers)
    for p in briefing.positions:
        used.update(p.markers)
    for d in briefing.disagreements:
        used.update({d.left, d.right})
    for w in briefing.watch:
        used.add(w.marker)
    used.update(int(m) for m in re.findall(r"\[(\d+)\]", briefing.bottom_line))
    assert used == {c.marker for c in briefing.citations}
