"""Process safety of the embedded store: real CLI and Python processes writing, searching,
listing and removing at the same time; threads of one process; a lock that is never stuck.

Also runnable as a script (``python -m tests.integration.test_concurrency reader HOME STOP_FILE OUT``): the
searching process the tests run beside the writers.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.helpers import MULTIHOP, REPO, SEEDS
from tests.integration.test_reliability import (
    BRIEFBOT,
    HashEmbeddings,
    assert_consistent,
    cli_env,
    expected_articles,
    story,
)
from vectorstore.config import StoreConfig
from vectorstore.errors import StoreBusy
from vectorstore.ingest import ingest
from vectorstore.store import ArticleStore

ARTICLES_JSONL = MULTIHOP / "articles.jsonl"
QUERIES = (
    "What did the company announce?",
    "court ruling on search engine deal",
    "North Korea missile tests",
    "artificial intelligence startups in Europe",
)


def run_reader(home: Path, stop_file: Path, out: Path, limit_s: float = 300) -> None:
    """Search, list and fetch in a loop until ``stop_file`` appears; every result must be a
    committed article's exact span. Writes ``{"rounds", "hits", "errors"}`` to ``out``."""
    store = ArticleStore(StoreConfig(home=home))
    rounds = hits = 0
    errors: list[str] = []
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        stopping = stop_file.exists()
        try:
            for query in QUERIES:
                for hit in store.dense_search(query, k=5):
                    hits += 1
                    article = hit.article
                    if article is None or article.text[hit.chunk.start : hit.chunk.end] != (
                        hit.chunk.text
                    ):
                        errors.append(f"bad hit {hit.chunk.id} for {query!r}")
            listed = store.list_articles()
            full = store.get_articles([a.id for a in listed[:5]])
            for article in full.values():
                if not article.text or article.chunk_count < 1:
                    errors.append(f"article {article.id} has no text or passages")
        except Exception as exc:  # noqa: BLE001 - reported to the test
            errors.append(f"{type(exc).__name__}: {exc}")
        rounds += 1
        if stopping:
            break
    out.write_text(json.dumps({"rounds": rounds, "hits": hits, "errors": errors[:20]}))


@pytest.mark.slow
@pytest.mark.timeout(420)
@pytest.mark.skipif(not ARTICLES_JSONL.exists(), reason="shared benchmark data not beside repo")
def test_parallel_ingests_searches_listing_and_removal(tmp_path: Path) -> None:
    """Two ``briefbot ingest`` processes on disjoint halves, a process searching in a loop,
    repeated ``briefbot articles --json`` and a ``briefbot remove``, all at once: nothing fails,
    every search returns valid passages, and the store ends with exactly the union."""
    home = tmp_path / "home"
    config = StoreConfig(home=home)
    lines = ARTICLES_JSONL.read_text(encoding="utf-8").splitlines()[:40]
    halves = [tmp_path / "half1.jsonl", tmp_path / "half2.jsonl"]
    halves[0].write_text("\n".join(lines[:20]) + "\n", encoding="utf-8")
    halves[1].write_text("\n".join(lines[20:]) + "\n", encoding="utf-8")
    store = ArticleStore(config)
    assert ingest([str(SEEDS)], store).added == 2
    seeds = store.list_articles()
    doomed, kept = seeds[0].id, seeds[1].id
    expected = {**expected_articles(halves[0], config), **expected_articles(halves[1], config)}
    expected[kept] = store.get_article(kept)  # type: ignore[assignment]

    env = cli_env(home)
    stop = tmp_path / "stop"
    readers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.test_concurrency",
                "reader",
                str(home),
                str(stop),
                str(o),
            ],
            env=env,
            cwd=REPO,
            stderr=subprocess.PIPE,
            text=True,
        )
        for o in (tmp_path / "r1.json",)
    ]
    writers = [
        subprocess.Popen(
            [BRIEFBOT, "ingest", str(h), "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for h in halves
    ]
    listings: list[int] = []
    failures: list[str] = []

    def list_repeatedly() -> None:
        while any(w.poll() is None for w in writers) and len(listings) + len(failures) < 3:
            done = subprocess.run(
                [BRIEFBOT, "articles", "--json"], env=env, capture_output=True, text=True
            )
            if done.returncode != 0:
                failures.append(done.stderr[-500:])
                continue
            listed = json.loads(done.stdout)
            listings.append(len(listed))
            failures.extend(f"{a['id']} listed without passages" for a in listed if a["chunks"] < 1)

    lister = threading.Thread(target=list_repeatedly)
    lister.start()
    time.sleep(2.0)
    removed = subprocess.run(
        [BRIEFBOT, "remove", doomed], env=env, capture_output=True, text=True, timeout=120
    )
    assert removed.returncode == 0, removed.stderr
    reports = []
    for writer in writers:
        out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err[-3000:]
        reports.append(json.loads(out))
    stop.touch()
    lister.join(timeout=120)
    for reader in readers:
        _, err = reader.communicate(timeout=120)
        assert reader.returncode == 0, err[-3000:]

    assert not failures, failures[:5]
    assert listings, "briefbot articles never completed while the writers ran"
    for out in (tmp_path / "r1.json",):
        result = json.loads(out.read_text())
        assert result["errors"] == [], result["errors"]
        assert result["rounds"] >= 1 and result["hits"] > 0
    assert sum(r["added"] for r in reports) == len(expected) - 1
    assert all(r["failed"] == [] for r in reports)
    final = ArticleStore(config)
    assert {a.id for a in final.list_articles()} == set(expected)
    assert_consistent(final, expected)


def test_a_write_in_another_process_is_seen_at_once(tmp_path: Path) -> None:
    """A process that already has the store open finds another process's new article by vector
    search right away (Chroma alone would keep answering from its stale in-memory index)."""
    home = tmp_path / "home"
    config = StoreConfig(home=home, chunk_chars=160)
    store = ArticleStore(config, embeddings=HashEmbeddings())
    store.put(*story(0, 0))
    assert len(store.dense_search("story 0 harbour", k=10)) >= 1
    code = (
        "import sys; from pathlib import Path;"
        "from tests.fakes import HashEmbeddings; from tests.integration.test_reliability import story;"
        "from vectorstore.config import StoreConfig; from vectorstore.store import ArticleStore;"
        "s = ArticleStore(StoreConfig(home=Path(sys.argv[1]), chunk_chars=160),"
        " embeddings=HashEmbeddings());"
        "[s.put(*story(i, 0)) for i in range(1, 30)]"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(home)],
        env=cli_env(home),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    newest = story(29, 0)[0].id
    hits = store.dense_search("story 29", k=3, where={"article_id": newest})
    assert hits and {h.chunk.article_id for h in hits} == {newest}
    assert store.article_count() == 30
    assert len(store.all_chunks()) == sum(len(story(i, 0)[1]) for i in range(30))
    # the other process wrote the lexical index in the same step: seen at once here too
    lexical = store.lexical_search(story(29, 0)[1][0].text, 5)
    assert lexical and lexical[0].chunk.article_id == newest
    assert store.passage_count() == len(store.all_chunks())


def test_threads_and_two_store_objects_in_one_process(tmp_path: Path) -> None:
    """Web-app style: threads writing, searching and removing through two ArticleStore objects
    on one home; no errors, and the end state is exact."""
    config = StoreConfig(home=tmp_path / "home", chunk_chars=160)
    stores = [ArticleStore(config, embeddings=HashEmbeddings()) for _ in range(2)]
    errors: list[BaseException] = []
    removed = {story(i, 0)[0].id for i in range(0, 40, 10)}

    def writer(offset: int) -> None:
        try:
            for i in range(offset, 40, 2):
                stores[offset].put(*story(i, 0))
                if i % 10 == 0:
                    stores[offset].remove(story(i, 0)[0].id)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    def reader(which: int) -> None:
        try:
            for _ in range(40):
                for hit in stores[which].dense_search("government announced a bridge plan", k=5):
                    assert hit.article is not None
                    assert hit.article.text[hit.chunk.start : hit.chunk.end] == hit.chunk.text
                stores[which].list_articles()
                for hit in stores[which].lexical_search("government announced a bridge", 5):
                    # committed when found (a writer may remove it right after)
                    article = stores[which].get_article(hit.chunk.article_id)
                    assert article is not None or hit.chunk.article_id in removed
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in (0, 1)]
    threads += [threading.Thread(target=reader, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not errors, errors[:3]
    expected = {story(i, 0)[0].id for i in range(40) if i % 10 != 0}
    assert {a.id for a in stores[0].list_articles()} == expected
    assert_consistent(stores[1])


HOLD_LOCK = """
import fcntl, sys, time
fd = open(sys.argv[1], "a")
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


def test_a_stuck_lock_holder_gives_a_clear_error_not_a_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holding the lock past the timeout: ``StoreBusy`` (a ``StoreUnavailable``,
    so the CLI prints one line) instead of waiting forever; a killed holder frees it at once."""
    import vectorstore.locking as locking

    config = StoreConfig(home=tmp_path / "home", chunk_chars=160)
    store = ArticleStore(config, embeddings=HashEmbeddings())
    store.put(*story(0, 0))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(config.home / "store.lock"), "60"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        monkeypatch.setattr(locking, "LOCK_TIMEOUT_S", 0.5)
        started = time.monotonic()
        with pytest.raises(StoreBusy, match="locked by another Briefbot process"):
            store.article_count()
        assert time.monotonic() - started < 5
        env = cli_env(config.home, BRIEFBOT_LOCK_TIMEOUT_S="0.5")
        done = subprocess.run(
            [BRIEFBOT, "articles", "--json"], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 1
        assert done.stderr.strip().startswith("briefbot: the store at")
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    finally:
        holder.kill()  # SIGKILL: the kernel releases the flock
        holder.wait(timeout=30)
    monkeypatch.setattr(locking, "LOCK_TIMEOUT_S", 30.0)
    assert store.article_count() == 1


def test_lock_file_is_reentrant_and_exclusive(tmp_path: Path) -> None:
    """Nested use in one thread never self-deadlocks; another process cannot get in meanwhile."""
    from vectorstore.locking import lock_for

    lock = lock_for(tmp_path)
    with lock.hold(), lock.hold():
        assert lock.held
        with open(tmp_path / "store.lock", "a") as other, pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another descriptor: blocked
    with open(tmp_path / "store.lock", "a") as other:
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released after the outer exit
        fcntl.flock(other, fcntl.LOCK_UN)


if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "reader":
    run_reader(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
