"""Crash safety: real processes killed with SIGKILL at any point leave a store that works, and
running the same work again completes it with nothing lost and nothing duplicated.

Also runnable as a script (``python -m tests.integration.test_reliability writer HOME N [CRASH_AT]``): the
writer the tests kill.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fakes import HashEmbeddings
from tests.helpers import MULTIHOP, REPO, SEEDS
from vectorstore.chunking import chunk_article
from vectorstore.config import StoreConfig
from vectorstore.ingest import WRITE_BATCH, build_article
from vectorstore.models import Article, ParsedDocument
from vectorstore.parsing import read_path_detailed
from vectorstore.store import ArticleStore

BRIEFBOT = str(Path(sys.executable).parent / "briefbot")
ARTICLES_JSONL = MULTIHOP / "articles.jsonl"


# ---- helpers shared by the reliability, concurrency and server tests ------------------------


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    """Environment of a CLI subprocess: its own BRIEFBOT_HOME, no config, no key, no server."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("BRIEFBOT_") and k not in ("OPENAI_API_KEY",)
    }
    env.update(
        BRIEFBOT_HOME=str(home),
        BRIEFBOT_CONFIG=str(home / "no-config.toml"),
        PYTHONPATH=str(REPO),
        OMP_NUM_THREADS="1",
    )
    env.update(extra)
    return env


def python_env(home: Path, **extra: str) -> dict[str, str]:
    return cli_env(home, **extra)


def expected_articles(path: Path, config: StoreConfig) -> dict[str, Article]:
    """What ingesting ``path`` must store: one record per distinct article id and content."""
    docs, errors = read_path_detailed(path, config)
    assert not errors, errors[:3]
    by_hash: dict[str, Article] = {}
    for doc in docs:
        article = build_article(doc)
        by_hash.setdefault(article.content_hash, article)  # ingest skips exact duplicates
    return {a.id: a for a in by_hash.values()}


def assert_lexical_consistent(store: ArticleStore) -> None:
    """The lexical index holds exactly the committed passages (after catching up), each once,
    and finds each article by its own words."""
    committed = store.all_chunks()
    store.sources()  # any lexical read catches the index up with Chroma first
    indexed = store.lexical.chunk_ids()
    assert len(indexed) == len(set(indexed)), "a passage is indexed twice"
    assert set(indexed) == {c.id for c in committed}, "the lexical index disagrees with Chroma"
    assert store.lexical.state().docs == len(committed)
    for chunk in committed[:5]:
        hits = store.lexical_search(chunk.text, 50)
        assert chunk.id in {h.chunk.id for h in hits}


def assert_consistent(store: ArticleStore, expected: dict[str, Article] | None = None) -> None:
    """Every invariant the store promises, checked from the raw Chroma records."""
    articles = store.get_articles([a.id for a in store.list_articles()])
    raw = store.chunks._collection.get(include=["documents", "metadatas"])
    assert len(raw["ids"]) == len(set(raw["ids"]))
    per_article: dict[str, list[tuple[int, int]]] = {}
    for cid, doc, meta in zip(raw["ids"], raw["documents"], raw["metadatas"], strict=True):
        article = articles.get(meta["article_id"])
        assert article is not None, f"chunk {cid} has no committed article"
        assert article.content_hash == meta["content_hash"], f"chunk {cid} is another version"
        assert article.text[meta["start"] : meta["end"]] == doc, f"chunk {cid} is not its span"
        per_article.setdefault(article.id, []).append((meta["start"], meta["end"]))
    config = store.config
    for article in articles.values():
        spans = sorted(per_article.get(article.id, []))
        want = chunk_article(
            article.id, article.text, config.chunk_chars, config.chunk_overlap_sentences
        )
        assert spans == sorted((c.start, c.end) for c in want), f"{article.id} lost passages"
        assert article.chunk_count == len(want)
    assert store.chunk_count() == sum(a.chunk_count for a in articles.values())
    assert store.article_count() == len(articles)
    if expected is not None:
        assert set(articles) == set(expected)
        for aid, article in articles.items():
            assert article.text == expected[aid].text
    assert_lexical_consistent(store)
    if articles:
        hits = store.dense_search("what did the government announce", k=5)
        assert hits, "search found nothing in a non-empty store"
        for hit in hits:
            assert hit.article is not None
            assert hit.article.text[hit.chunk.start : hit.chunk.end] == hit.chunk.text
    health = store.verify()
    assert health.ok and health.orphan_chunks == 0, health


RAW_CHECK = """
import json, sys, chromadb
from chromadb.config import Settings
client = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))
out = {}
for col in client.list_collections():
    col = client.get_collection(getattr(col, "name", col))
    n = col.count()
    got = col.get(limit=1, include=["embeddings"])
    hits = 0
    if n:
        found = col.query(query_embeddings=[list(got["embeddings"][0])], n_results=min(n, 5))
        hits = len(found["ids"][0])
    out[col.name] = [n, hits]
print(json.dumps(out))
"""


def raw_chroma_check(home: Path) -> dict[str, list[int]]:
    """Open the store with plain chromadb in a fresh process: count and query every collection,
    and run SQLite's own integrity check."""
    db = home / "chroma" / "chroma.sqlite3"
    if db.exists():
        # read-write: a kill mid-transaction leaves a hot journal that the next opener rolls back
        con = sqlite3.connect(db, timeout=30)
        try:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            con.close()
    done = subprocess.run(
        [sys.executable, "-c", RAW_CHECK, str(home / "chroma")],
        capture_output=True,
        text=True,
        timeout=120,
        env=python_env(home),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for name, (count, hits) in result.items():
        assert hits == min(count, 5), f"{name}: {count} records but a query returned {hits}"
    return result


_WORDS = ("harbour", "strike", "council", "budget", "river", "bridge", "election", "storm")


def story(i: int, version: int) -> tuple[Article, list]:
    """Article ``i`` (same URL, so same id, for every version) and its chunks."""
    text = " ".join(
        f"Sentence {j} of story {i} version {version} says the government announced a "
        f"{_WORDS[(i + j) % 8]} plan."
        for j in range(6)
    )
    article = build_article(
        ParsedDocument(text=text, title=f"Story {i}", url=f"https://news.test/{i}", source="Wire")
    )
    chunks = chunk_article(article.id, article.text, max_chars=160)
    return Article(**{**article.to_dict(), "chunk_count": len(chunks)}), chunks


def story_versions(i: int) -> dict[str, str]:
    return {story(i, v)[0].content_hash: story(i, v)[0].text for v in (0, 1)}


def final_version(i: int, n: int) -> int:
    """The writer replaces story i-2 by version 1 after writing story i when i % 4 == 3."""
    return 1 if i % 4 == 1 and i + 2 < n else 0


def run_writer(home: Path, n: int, crash_at: str | None = None) -> None:
    """Write stories 0..n-1 (skipping what is stored), replacing some, removing none.

    ``crash_at`` names a point inside a write where the process SIGKILLs itself.
    """
    import vectorstore.store as store_module

    # Persist the HNSW index every few writes, so kills also land inside Chroma's file writes.
    previous = store_module.HNSW_CONFIG
    store_module.HNSW_CONFIG = {"space": "cosine", "sync_threshold": 10, "batch_size": 5}
    try:
        _write_stories(home, n, crash_at)
    finally:
        store_module.HNSW_CONFIG = previous


def _write_stories(home: Path, n: int, crash_at: str | None) -> None:
    store = ArticleStore(StoreConfig(home=home, chunk_chars=160), embeddings=HashEmbeddings())
    if crash_at:
        _arm_crash(store, crash_at)
    print("ready", flush=True)

    def put(i: int, version: int) -> None:
        article, chunks = story(i, version)
        current = store.get_article(article.id)
        if current is None or (version == 1 and current.content_hash != article.content_hash):
            store.put(article, chunks)
            print("put", i, version, flush=True)

    for i in range(n):
        put(i, 0)
        if i % 4 == 3:
            put(i - 2, 1)
    if crash_at == "remove_after_marker":
        store.remove(story(0, 0)[0].id)
    if crash_at == "repair_midway":
        store.repair("test")
    print("done", flush=True)


def _arm_crash(store: ArticleStore, point: str) -> None:
    """Make the process kill itself (SIGKILL, no cleanup) at one precise point of a write."""
    rescue = store.config.home / "store.repair.jsonl"
    story0, story1, story3 = (story(i, 0)[0].id for i in (0, 1, 3))

    def ids_of(kwargs: dict) -> list[str]:
        return list(kwargs.get("ids") or [])

    conditions = {
        # a new article's chunks are written, its record (the commit marker) is not
        "new_before_marker": ("_articles_col", "upsert", lambda k: ids_of(k) == [story3]),
        # a replacement's new chunks sit beside the old version's, the record is still old
        "replace_before_marker": ("_articles_col", "upsert", lambda k: ids_of(k) == [story1]),
        # the new record is committed, the old version's chunks are not yet deleted
        "replace_after_marker": (
            "_chunk_col",
            "delete",
            lambda k: any(i.startswith(story1 + ":") for i in ids_of(k)),
        ),
        # the record is deleted, its chunks are not yet
        "remove_after_marker": (
            "_chunk_col",
            "delete",
            lambda k: any(i.startswith(story0 + ":") for i in ids_of(k)),
        ),
        # a rebuild has re-added the passages, not yet the articles
        "repair_midway": ("_articles_col", "upsert", lambda k: rescue.exists()),
    }
    attribute, method, when = conditions[point]

    def hook() -> None:
        target = getattr(store, attribute)
        original = getattr(target, method)

        def hooked(*args, **kwargs):  # type: ignore[no-untyped-def]
            if when(kwargs):
                os.kill(os.getpid(), signal.SIGKILL)
            return original(*args, **kwargs)

        setattr(target, method, hooked)

    real_connect = store._connect

    def connect(creating: bool = False) -> None:  # every reconnect gets the hook again
        real_connect(creating)
        hook()

    store._connect = connect  # type: ignore[method-assign]
    hook()


def start_writer(home: Path, n: int, crash_at: str | None = None) -> subprocess.Popen:
    args = [sys.executable, "-m", "tests.integration.test_reliability", "writer", str(home), str(n)]
    return subprocess.Popen(
        args + ([crash_at] if crash_at else []),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=python_env(home),
        cwd=REPO,
    )


def open_test_store(home: Path) -> ArticleStore:
    return ArticleStore(StoreConfig(home=home, chunk_chars=160), embeddings=HashEmbeddings())


def assert_valid_versions(store: ArticleStore, n: int) -> None:
    """Every visible article is one complete version of one story."""
    for article in store.get_articles([a.id for a in store.list_articles()]).values():
        i = int(article.title.split()[-1])
        assert 0 <= i < n
        assert story_versions(i).get(article.content_hash) == article.text


def assert_final_stories(store: ArticleStore, n: int) -> None:
    articles = store.get_articles([a.id for a in store.list_articles()])
    assert len(articles) == n
    for i in range(n):
        article, _ = story(i, final_version(i, n))
        assert articles[article.id].content_hash == article.content_hash, f"story {i}"
    assert_consistent(store)


# ---- the tests -------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.skipif(not ARTICLES_JSONL.exists(), reason="shared benchmark data not beside repo")
def test_cli_ingest_killed_at_any_point_then_rerun_completes(tmp_path: Path) -> None:
    """``kill -9`` a real ``briefbot ingest`` of the MultiHop articles at several points; after
    every kill Chroma opens, counts and queries, and the store shows only whole articles; a rerun
    completes it: every distinct article once, every passage once, all spans exact."""
    home = tmp_path / "home"
    config = StoreConfig(home=home)
    expected = expected_articles(ARTICLES_JSONL, config)
    assert expected  # 326 distinct articles in the benchmark file
    env = cli_env(home)
    cmd = [BRIEFBOT, "ingest", str(ARTICLES_JSONL), "--json"]
    rng = random.Random(7)
    clock = time.monotonic

    def writes() -> int:
        """Write sections so far: the counter in store.generation (read without the lock)."""
        try:
            head = (home / "store.generation").read_text().split("-", 1)[0]
        except FileNotFoundError:
            return 0
        return int(head) if head.isdigit() else 0

    def kill_when(condition, raw_check: bool = False) -> None:  # type: ignore[no-untyped-def]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = clock() + 240
        try:
            while not condition() and proc.poll() is None and clock() < deadline:
                time.sleep(0.05)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        if raw_check and (home / "chroma").exists():
            raw_chroma_check(home)

    t0 = clock()
    kill_when(lambda: clock() - t0 > 1.0)  # while starting up
    t0 = clock()
    kill_when(lambda: clock() - t0 > 3.0)  # loading models, parsing, maybe a first write
    watcher = ArticleStore(config)  # a reader in this process, open across the kills
    counts = [watcher.article_count()]
    # mid-way: half of the remaining batches written
    target = writes() + max(1, (len(expected) - counts[0]) // WRITE_BATCH // 2)
    kill_when(lambda: writes() >= target, raw_check=True)
    counts.append(watcher.article_count())
    assert_consistent_partial(watcher, expected)
    for _ in range(1):  # a random moment after a write lands: inside the next batch
        mark: dict[str, float] = {}
        first = writes() + 1

        def landed(first: int = first, mark: dict[str, float] = mark) -> bool:
            if "t" not in mark and writes() >= first:
                mark["t"] = clock() + rng.uniform(0.0, 0.5)
            return "t" in mark and clock() >= mark["t"]

        kill_when(landed)
        counts.append(watcher.article_count())
        assert_consistent_partial(watcher, expected)
    assert counts == sorted(counts), f"a kill lost committed articles: {counts}"
    assert 0 < counts[-1] < len(expected)

    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=480)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["failed"] == []
    assert report["skipped"] == counts[-1]
    assert report["added"] + report["skipped"] == len(expected)
    raw = raw_chroma_check(home)
    assert raw["briefbot_articles"][0] == len(expected)
    assert watcher.article_count() == len(expected)
    assert_consistent(watcher, expected)
    assert not (home / "store.intent").exists()


def assert_consistent_partial(store: ArticleStore, expected: dict[str, Article]) -> None:
    """After a kill: only whole articles are visible, each one of the expected ones."""
    articles = store.get_articles([a.id for a in store.list_articles()])
    assert set(articles) <= set(expected)
    committed = store.all_chunks()
    by_article: dict[str, int] = {}
    for chunk in committed:
        article = articles[chunk.article_id]
        assert article.text[chunk.start : chunk.end] == chunk.text
        by_article[chunk.article_id] = by_article.get(chunk.article_id, 0) + 1
    for article in articles.values():
        assert by_article.get(article.id, 0) == article.chunk_count, article.id
    assert_lexical_consistent(store)
    for hit in store.dense_search("technology company", k=5):
        assert hit.article is not None and hit.article.id in expected


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_random_kills_inside_writes_and_index_persists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer that replaces articles and makes Chroma rewrite its HNSW files every 10 writes
    is SIGKILLed at random moments. After each kill the store opens and answers (rebuilding the
    vector index from SQLite if the kill tore Chroma's files), shows only complete article
    versions, and a final run leaves exactly the expected articles."""
    import vectorstore.store as store_module

    monkeypatch.setattr(store_module, "HNSW_CONFIG", {"space": "cosine", "sync_threshold": 10})
    home, n = tmp_path / "home", 40
    rng = random.Random(11)
    store: ArticleStore | None = None
    for _ in range(3):
        proc = start_writer(home, n)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
        time.sleep(rng.uniform(0.05, 1.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        store = store or open_test_store(home)
        assert_valid_versions(store, n)
        health = store.verify()
        assert health.ok, health.problems[:5]
    proc = start_writer(home, n)
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0 and out.strip().endswith("done"), err[-3000:]
    assert store is not None
    assert_final_stories(store, n)


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    "point",
    [
        "new_before_marker",
        "replace_before_marker",
        "replace_after_marker",
        "remove_after_marker",
        "repair_midway",
    ],
)
def test_kill_at_each_step_of_a_write(
    tmp_path: Path, point: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """SIGKILL at each step of put/remove/repair: readers never see a half-written article
    (old version or new version, complete), and the next run repairs and completes."""
    home, n = tmp_path / "home", 8
    run_writer(home, 4)  # stories 0-3 (story 1 replaced by version 1 at i=3), in this process
    if point in ("replace_before_marker", "replace_after_marker"):
        # story 1 back to version 0 so that the crashing run has to replace it again
        store = open_test_store(home)
        store.put(*story(1, 0))
        store.close()
    if point == "new_before_marker":
        store = open_test_store(home)
        store.remove(story(3, 0)[0].id)
        store.close()
    if point == "repair_midway":
        _tear_hnsw(home)
    proc = start_writer(home, n, crash_at=point)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL, (out, err[-2000:])
    if point == "repair_midway":
        assert (home / "store.repair.jsonl").exists()
    store = open_test_store(home)
    assert_valid_versions(store, n)
    committed = {a.id: a.content_hash for a in store.list_articles()}
    if point == "new_before_marker":
        assert story(3, 0)[0].id not in committed
    if point == "replace_before_marker":
        assert committed[story(1, 0)[0].id] == story(1, 0)[0].content_hash
    if point == "replace_after_marker":
        assert committed[story(1, 1)[0].id] == story(1, 1)[0].content_hash
    if point == "remove_after_marker":
        assert story(0, 0)[0].id not in committed
    health = store.verify()
    assert health.ok, health.problems[:5]
    assert_consistent_visible(store)
    # The next writer finishes the job and sweeps what the killed one left.
    run_writer(home, n)
    assert_final_stories(store, n)
    assert not (home / "store.intent").exists()
    assert not (home / "store.repair.jsonl").exists()


def assert_consistent_visible(store: ArticleStore) -> None:
    articles = store.get_articles([a.id for a in store.list_articles()])
    counts: dict[str, int] = {}
    for chunk in store.all_chunks():
        assert articles[chunk.article_id].text[chunk.start : chunk.end] == chunk.text
        counts[chunk.article_id] = counts.get(chunk.article_id, 0) + 1
    for article in articles.values():
        assert counts.get(article.id, 0) == article.chunk_count


def _tear_hnsw(home: Path) -> None:
    """What a kill during Chroma's HNSW persist leaves: truncated index files."""
    torn = 0
    for segment in (home / "chroma").iterdir():
        if segment.is_dir():
            for name in ("data_level0.bin", "index_metadata.pickle", "header.bin"):
                path = segment / name
                if path.exists() and path.stat().st_size > 8:
                    with path.open("r+b") as handle:
                        handle.truncate(path.stat().st_size // 3)
                    torn += 1
    assert torn, "no HNSW files to tear"


@pytest.mark.slow
def test_torn_vector_index_is_rebuilt_from_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HNSW files torn by a crash: the next call rebuilds the index from the SQLite records
    (real embeddings), keeps every article and passage, and sets the damaged files aside."""
    import vectorstore.store as store_module
    from vectorstore.ingest import ingest

    # persist the index every 4 writes (the default, 1000, would leave nothing on disk to tear)
    monkeypatch.setattr(store_module, "HNSW_CONFIG", {"space": "cosine", "sync_threshold": 4})
    config = StoreConfig(home=tmp_path / "home")
    store = ArticleStore(config)
    assert ingest([str(SEEDS)], store).added == 2
    before = {a.id: a.content_hash for a in store.list_articles()}
    chunks_before = sorted(c.id for c in store.all_chunks())
    store.close()
    _tear_hnsw(config.home)
    with pytest.raises(Exception):  # noqa: B017 - plain chromadb cannot use these files
        raw_chroma_check(config.home)
    fresh = ArticleStore(config)
    hits = fresh.dense_search("Kim Jong-un dialogue", k=3)
    assert hits and hits[0].article is not None
    assert {a.id: a.content_hash for a in fresh.list_articles()} == before
    assert sorted(c.id for c in fresh.all_chunks()) == chunks_before
    assert_consistent(fresh)
    assert (config.home / "chroma.damaged").is_dir()
    raw_chroma_check(config.home)


if __name__ == "__main__" and len(sys.argv) >= 4 and sys.argv[1] == "writer":
    run_writer(Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else None)
