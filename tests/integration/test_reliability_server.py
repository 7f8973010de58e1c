"""Chroma server faults: a real ``chroma run`` that is down, restarted or killed mid-ingest."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import MULTIHOP, chroma_executable, free_port, wait_http
from tests.integration.test_reliability import (
    BRIEFBOT,
    HashEmbeddings,
    assert_consistent_visible,
    cli_env,
    expected_articles,
    story,
)
from vectorstore.config import StoreConfig
from vectorstore.store import ArticleStore, StoreUnavailable

ARTICLES_JSONL = MULTIHOP / "articles.jsonl"


class ChromaServer:
    """A ``chroma run`` process that a test can stop, kill and start again on the same port
    and data directory."""

    def __init__(self, path: Path, port: int | None = None) -> None:
        self.path, self.port = path, port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> ChromaServer:
        self.proc = subprocess.Popen(
            [chroma_executable(), "run", "--path", str(self.path), "--host", "127.0.0.1"]
            + ["--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_http(f"{self.url}/api/v2/heartbeat", timeout=90)
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        self.proc = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and _port_open(self.port):
            time.sleep(0.1)


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    srv = ChromaServer(tmp_path / "server-data").start()
    yield srv
    srv.stop(signal.SIGKILL)


def test_server_down_is_one_clear_line(tmp_path: Path) -> None:
    """Nothing listening: ``StoreUnavailable`` from the API, one line and exit 1 from the CLI."""
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreUnavailable, match=f"cannot reach the Chroma server at {url}"):
        ArticleStore(StoreConfig(home=tmp_path, chroma_url=url), embeddings=HashEmbeddings())
    env = cli_env(tmp_path / "home", BRIEFBOT_CHROMA_URL=url)
    procs = [
        subprocess.Popen(
            [BRIEFBOT, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for args in (["articles"], ["show", "abc"], ["ingest", str(tmp_path)])
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 1, (proc.args, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith(f"briefbot: cannot reach the Chroma server at {url}")
        assert "Traceback" not in err


@pytest.mark.slow
def test_same_store_object_recovers_after_a_server_restart(
    tmp_path: Path, server: ChromaServer
) -> None:
    """Stop the server, start a new one on the same port and data: the same ``ArticleStore``
    answers again on its next call (one reconnect); while it is down, calls fail cleanly."""
    config = StoreConfig(home=tmp_path / "home", chroma_url=server.url, chunk_chars=160)
    store = ArticleStore(config, embeddings=HashEmbeddings())
    store.put(*story(0, 0))
    assert store.article_count() == 1
    server.stop()
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="cannot reach the Chroma server"):
        store.get_article(story(0, 0)[0].id)
    assert time.monotonic() - started < 10, "a down server must fail fast"
    server.start()
    assert store.get_article(story(0, 0)[0].id) is not None
    hits = store.dense_search("story 0 government", k=3)
    assert hits and hits[0].article is not None
    store.put(*story(1, 0))
    assert store.article_count() == 2
    assert_consistent_visible(store)


@pytest.mark.slow
@pytest.mark.timeout(400)
@pytest.mark.skipif(not ARTICLES_JSONL.exists(), reason="shared benchmark data not beside repo")
def test_ingest_interrupted_by_the_server_dying_then_rerun(
    tmp_path: Path, server: ChromaServer
) -> None:
    """``kill -9`` the server during a CLI ingest: the ingest stops with one line; after a
    restart only whole articles are visible, and running the ingest again completes it."""
    home = tmp_path / "home"
    sample = tmp_path / "sample.jsonl"
    from vectorstore.ingest import WRITE_BATCH

    lines = ARTICLES_JSONL.read_text(encoding="utf-8").splitlines()[: 3 * WRITE_BATCH]
    sample.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = StoreConfig(home=home, chroma_url=server.url)
    expected = expected_articles(sample, config)
    env = cli_env(home, BRIEFBOT_CHROMA_URL=server.url)
    watcher = ArticleStore(config)
    ingest = subprocess.Popen(
        [BRIEFBOT, "ingest", str(sample), "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 240
    while watcher.article_count() < WRITE_BATCH and time.monotonic() < deadline:
        time.sleep(0.1)
    server.stop(signal.SIGKILL)
    out, err = ingest.communicate(timeout=120)
    assert ingest.returncode == 1, (out, err)
    assert err.strip().splitlines()[-1].startswith("briefbot: cannot reach the Chroma server")
    assert "Traceback" not in err
    server.start()
    stored = {a.id for a in watcher.list_articles()}
    assert WRITE_BATCH <= len(stored) < len(expected)
    assert stored <= set(expected)
    assert_consistent_visible(watcher)  # committed articles are whole, orphans invisible
    done = subprocess.run(
        [BRIEFBOT, "ingest", str(sample), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["added"] + report["skipped"] == len(expected)
    assert {a.id for a in watcher.list_articles()} == set(expected)
    assert_consistent_visible(watcher)
    # the re-run replaced what the dead server left half-written: no orphans remain
    assert watcher.verify().orphan_chunks == 0
    assert watcher.chunk_count() == sum(a.chunk_count for a in watcher.list_articles())
