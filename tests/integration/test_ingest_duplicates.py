"""Ingest's duplicate checks, read from the store in batches: the same answers as checking each
document on its own (duplicates inside a write batch, across batches, against what was stored
before, updated URLs, near-duplicates), with a few store reads per run instead of one per
document."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

import vectorstore.ingest as ingest_module
from bot.settings import Settings
from tests.fakes import HashEmbeddings
from vectorstore.fingerprint import article_id, content_hash, normalize_url
from vectorstore.ingest import ingest
from vectorstore.store import ArticleStore

WORDS = [
    "harbour", "council", "budget", "river", "school", "police", "court", "minister", "union",
    "contract", "wages", "strike", "energy", "price", "storm", "flood", "election", "vote",
    "museum", "library", "bridge", "railway", "hospital", "doctor", "farmer", "drought", "tax",
    "bank", "market", "export", "festival", "airport", "ferry", "mayor", "judge", "fire",
]  # fmt: skip


def _body(rng: random.Random, n: int = 60) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Write batches of 4 articles, lookups 8 documents ahead: a few dozen documents cross
    many batches and lookahead windows."""
    monkeypatch.setattr(ingest_module, "WRITE_BATCH", 4)
    monkeypatch.setattr(ingest_module, "LOOKAHEAD", 8)


@pytest.fixture
def hash_store(tmp_path: Path) -> ArticleStore:
    settings = Settings(home=tmp_path / "home", collection="dupes")
    return ArticleStore(settings.store_config(), embeddings=HashEmbeddings())


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _expected(rows: list[dict], before: dict[str, str]) -> tuple[int, int, int, dict[str, str]]:
    """Checking each document against everything stored before it, one at a time: (added,
    replaced, skipped, {article id: content hash}) afterwards."""
    stored = dict(before)
    added = replaced = skipped = 0
    for row in rows:
        text_hash = content_hash(row["body"])
        aid = article_id(row.get("url"), text_hash)
        if text_hash in stored.values():
            skipped += 1
            continue
        if aid in stored:
            replaced += 1
        else:
            added += 1
        stored[aid] = text_hash
    return added, replaced, skipped, stored


def _stored(store: ArticleStore) -> dict[str, str]:
    return {a.id: a.content_hash for a in store.list_articles()}


def test_duplicate_inside_one_write_batch_is_skipped(
    tmp_path: Path, hash_store: ArticleStore
) -> None:
    rng = random.Random(1)
    body = _body(rng)
    rows = [
        {"title": "First", "url": "https://a.test/1", "body": body},
        {"title": "Other", "url": "https://a.test/2", "body": _body(rng)},
        {"title": "Copy", "url": "https://b.test/1", "body": body},  # same text, other URL
    ]
    report = ingest([str(_write(tmp_path / "a.jsonl", rows))], hash_store)
    assert (report.added, report.skipped, report.failed) == (2, 1, [])
    assert {a.url for a in hash_store.list_articles()} == {"https://a.test/1", "https://a.test/2"}


def test_mixed_run_matches_checking_each_document_alone(
    tmp_path: Path, hash_store: ArticleStore, small_batches: None
) -> None:
    """Re-ingested, repeated (in and across batches), updated and re-updated documents in one
    run against a store holding some of them: counts and stored versions are what checking
    each document on its own gives, with far fewer store reads than documents."""
    rng = random.Random(7)
    old = [
        {"title": f"Old {i}", "url": f"https://old.test/{i}", "body": _body(rng)} for i in range(6)
    ]
    ingest([str(_write(tmp_path / "old.jsonl", old))], hash_store)
    before = _stored(hash_store)
    assert len(before) == 6

    fresh = [
        {"title": f"New {i}", "url": f"https://new.test/{i}", "body": _body(rng)} for i in range(30)
    ]
    rows = list(fresh)
    rows.insert(2, old[0])  # already stored: skipped
    rows.insert(3, fresh[1])  # the same document twice in one batch
    rows.insert(20, {**fresh[0], "url": "https://mirror.test/0"})  # copy, batches later
    rows.insert(25, {**old[1], "body": _body(rng)})  # an updated page: replaces
    rows.insert(27, {**old[2], "url": None})  # a stored text without its URL: skipped
    updated = {**old[3], "body": _body(rng)}
    rows.insert(10, updated)  # old[3] updated early in the run...
    rows.append({**old[3], "url": "https://elsewhere.test/3"})  # ...so its old text is new again
    rows.append({**updated, "url": "https://elsewhere.test/u"})  # ...and the update is a copy
    rows.append(fresh[29])  # the last document again, right after its batch
    source = _write(tmp_path / "mixed.jsonl", rows)

    reads = {"n": 0}
    original = hash_store.committed_versions

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        reads["n"] += 1
        return original(*args, **kwargs)

    hash_store.committed_versions = counted  # type: ignore[method-assign]
    report = ingest([str(source)], hash_store)

    added, replaced, skipped, expected = _expected(rows, before)
    assert report.failed == []
    assert (report.added, report.replaced, report.skipped) == (added, replaced, skipped)
    assert _stored(hash_store) == expected
    assert len(rows) // ingest_module.LOOKAHEAD <= reads["n"] <= len(rows) // 2
    # every stored passage belongs to a stored version (no half-replaced article)
    hashes = {h for h in expected.values()}
    assert {c.article_id for c in hash_store.all_chunks()} == set(expected)
    assert all(
        hash_store.get_article(c.article_id).content_hash in hashes for c in hash_store.all_chunks()
    )
    # running it again stores nothing new
    again = ingest([str(source)], hash_store)
    assert (again.added, again.replaced, again.skipped) == (0, 0, len(rows))
    assert _stored(hash_store) == expected


def test_near_duplicate_in_a_later_batch_is_flagged(
    tmp_path: Path, hash_store: ArticleStore, small_batches: None
) -> None:
    rng = random.Random(3)
    original = _body(rng, 120)
    rows = [{"title": "Wire", "url": "https://wire.test/a", "body": original}]
    rows += [
        {"title": f"N{i}", "url": f"https://n.test/{i}", "body": _body(rng)} for i in range(12)
    ]
    rows.append(
        {"title": "Paper", "url": "https://paper.test/a", "body": original + " Reporting by Wire."}
    )
    report = ingest([str(_write(tmp_path / "near.jsonl", rows))], hash_store)
    assert report.added == 14
    first_id = article_id("https://wire.test/a", content_hash(original))
    assert [d["duplicate_of"] for d in report.near_duplicates] == [first_id]
    # across runs too: the stored SimHashes are known to the next run
    again = _write(
        tmp_path / "later.jsonl",
        [{**rows[-1], "url": "https://third.test/a", "body": original + " Via Paper."}],
    )
    assert [d["duplicate_of"] for d in ingest([str(again)], hash_store).near_duplicates] == [
        first_id
    ]


def test_failed_write_does_not_hide_its_documents_later(
    tmp_path: Path, hash_store: ArticleStore, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch whose write fails is reported; a later copy of one of its documents is stored
    (nothing of the failed batch counts as stored), and the rest of the run lands."""
    rng = random.Random(5)
    rows = [{"title": f"A{i}", "url": f"https://a.test/{i}", "body": _body(rng)} for i in range(12)]
    rows.append({**rows[1], "url": "https://copy.test/1"})
    real_put_many = hash_store.put_many
    calls = {"n": 0}

    def flaky(items, vectors=None):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("disk full")
        return real_put_many(items, vectors)

    monkeypatch.setattr(hash_store, "put_many", flaky)
    report = ingest([str(_write(tmp_path / "f.jsonl", rows))], hash_store)
    assert len(report.failed) == 4 and all("disk full" in f.error for f in report.failed)
    assert report.added == 9 and report.skipped == 0
    urls = {a.url for a in hash_store.list_articles()}
    assert "https://copy.test/1" in urls and "https://a.test/1" not in urls
    assert normalize_url("https://a.test/5") in urls


def test_write_failing_after_its_commit_still_counts_what_it_stored(
    tmp_path: Path, hash_store: ArticleStore, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that committed and then failed (a lost reply): the run looks the store up
    again, so a later copy of what did land is skipped, not stored twice."""
    rng = random.Random(6)
    rows = [{"title": f"A{i}", "url": f"https://a.test/{i}", "body": _body(rng)} for i in range(12)]
    # in the third batch: looked up before the first write commits, prepared after it failed
    rows.insert(9, {**rows[1], "url": "https://copy.test/1"})
    real_put_many = hash_store.put_many
    calls = {"n": 0}

    def lost_reply(items, vectors=None):  # type: ignore[no-untyped-def]
        real_put_many(items, vectors)
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("connection reset after commit")

    monkeypatch.setattr(hash_store, "put_many", lost_reply)
    report = ingest([str(_write(tmp_path / "f.jsonl", rows))], hash_store)
    assert len(report.failed) == 4
    assert (report.added, report.skipped) == (8, 1)
    urls = {a.url for a in hash_store.list_articles()}
    assert "https://a.test/1" in urls and "https://copy.test/1" not in urls


def test_copy_of_a_text_being_replaced_is_decided_after_the_replacement_lands(
    tmp_path: Path, hash_store: ArticleStore, small_batches: None
) -> None:
    """The old text of a page updated earlier in the run, under another URL, right after the
    update: stored (the old version is gone once the update lands), as when each document is
    checked after the previous ones were written."""
    rng = random.Random(8)
    page = {"title": "Page", "url": "https://a.test/page", "body": _body(rng)}
    ingest([str(_write(tmp_path / "before.jsonl", [page]))], hash_store)
    before = _stored(hash_store)
    news = [{"title": f"N{i}", "url": f"https://n.test/{i}", "body": _body(rng)} for i in range(6)]
    rows = [
        *news[:3],
        {**page, "body": _body(rng)},  # the update closes the first batch
        news[3],
        {**page, "url": "https://mirror.test/page"},  # the old text, while the update is written
        *news[4:],
    ]
    report = ingest([str(_write(tmp_path / "run.jsonl", rows))], hash_store)
    added, replaced, skipped, expected = _expected(rows, before)
    assert (
        (report.added, report.replaced, report.skipped) == (added, replaced, skipped) == (7, 1, 0)
    )
    assert _stored(hash_store) == expected


def test_failed_look_ahead_loses_no_batch(
    tmp_path: Path, hash_store: ArticleStore, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The look-ahead read between two writes fails: the embedded batch is still written and
    the documents it did not look up are looked up when they are prepared."""
    rng = random.Random(9)
    rows = [{"title": f"A{i}", "url": f"https://a.test/{i}", "body": _body(rng)} for i in range(20)]
    real = hash_store.committed_versions
    calls = {"n": 0}

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] in (2, 3):
            raise RuntimeError("database is locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(hash_store, "committed_versions", flaky)
    report = ingest([str(_write(tmp_path / "a.jsonl", rows))], hash_store)
    assert calls["n"] > 3
    assert (report.added, report.failed) == (20, [])
    assert len(_stored(hash_store)) == 20
