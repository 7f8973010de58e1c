"""Fixtures: isolated BRIEFBOT_HOME, both Chroma modes, a seeded store, and a network guard."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.helpers import INJECTION, SEEDS, chroma_server
from vectorstore.store import ArticleStore

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Tests never reach past this machine: only loopback and unix sockets are allowed."""
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if not (host.startswith("127.") or host in ("::1", "localhost", "0.0.0.0")):
            raise OSError(f"network access to {host} is blocked in tests")
    return _real_connect(self, address, *args, **kwargs)


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    socket.socket.connect = _loopback_only  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's real data directory, config or API key."""
    monkeypatch.setenv("BRIEFBOT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BRIEFBOT_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.delenv("BRIEFBOT_CHROMA_URL", raising=False)
    monkeypatch.delenv("BRIEFBOT_LLM", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("BRIEFBOT_ALLOW_PRIVATE_URLS", "1")  # loopback test servers


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real ``chroma run`` server for the session."""
    with chroma_server(tmp_path_factory.mktemp("chroma-server")) as url:
        yield url


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.server)])
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for a fresh, empty store in each Chroma mode."""
    collection = "t" + uuid.uuid4().hex[:10]
    if request.param == "server":
        url = request.getfixturevalue("chroma_url")
        return Settings(home=tmp_path / "home", chroma_url=url, collection=collection)
    return Settings(home=tmp_path / "home", collection=collection)


@pytest.fixture
def store(store_settings: Settings) -> ArticleStore:
    return ArticleStore(store_settings.store_config())


@pytest.fixture(scope="session")
def seeded_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """An embedded store holding the two seed articles, shared read-only by a session."""
    from vectorstore.ingest import ingest

    settings = Settings(home=tmp_path_factory.mktemp("seeded"), collection="seeds")
    report = ingest([str(SEEDS)], ArticleStore(settings.store_config()))
    assert report.added == 2, report.to_dict()
    return settings


@pytest.fixture(scope="session")
def seeded_store(seeded_settings: Settings) -> ArticleStore:
    return ArticleStore(seeded_settings.store_config())


@pytest.fixture(scope="session")
def embedded_llm():  # type: ignore[no-untyped-def]
    """The real bundled SmolLM2 GGUF through llama.cpp, loaded once per test session."""
    from bot.llm import make_chat_model

    return make_chat_model(Settings(llm="embedded"))


@pytest.fixture(scope="session")
def seeded_bot(seeded_settings: Settings, embedded_llm):  # type: ignore[no-untyped-def]
    """A Briefbot over the seeded store with the real embedded model."""
    from bot.service import Briefbot

    return Briefbot(settings=seeded_settings, llm=embedded_llm)


@pytest.fixture(scope="session")
def injection_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The seeds plus articles that try to instruct the model, ingested for real."""
    from vectorstore.ingest import ingest

    settings = Settings(home=tmp_path_factory.mktemp("injection"), collection="inj")
    report = ingest([str(SEEDS), str(INJECTION)], ArticleStore(settings.store_config()))
    assert report.added == 2 + len(list(INJECTION.glob("*.md"))), report.to_dict()
    return settings
