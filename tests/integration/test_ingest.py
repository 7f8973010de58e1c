"""Ingestion end to end: seeds, idempotency, updates, near-duplicates, bad files, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main as cli
from bot.settings import Settings
from tests.helpers import MULTIHOP, SEEDS
from vectorstore.ingest import ingest
from vectorstore.store import ArticleStore

SEED_000_TITLE = "North Korea: Kim rejects US offer of dialogue"
SEED_002_TITLE = (
    "Kim Jong-un wants to prepare as much “for dialogue as for confrontation” "
    "with the United States of Biden"
)


def test_seeds_twice_store_two_clean_articles(store: ArticleStore) -> None:
    first = ingest([str(SEEDS)], store)
    assert (first.added, first.skipped, first.failed) == (2, 0, [])
    second = ingest([str(SEEDS)], store)
    assert (second.added, second.skipped, second.chunks) == (0, 2, 0)
    articles = {a.title: store.get_article(a.id) for a in store.list_articles()}
    assert set(articles) == {SEED_000_TITLE, SEED_002_TITLE}
    rt = articles[SEED_002_TITLE]
    assert rt.source == "RT en français"
    assert rt.language == "en"
    for article in articles.values():
        assert "Skip to content" not in article.text
        assert "See also" not in article.text
        assert "Source link" not in article.text
        assert article.chunk_count >= 2
    assert "North Korea has carried out six missile tests since 2006." in rt.text, (
        "article sentences must be kept verbatim"
    )
    # Every chunk is an exact span of its article's stored text.
    for chunk in store.all_chunks():
        assert articles_by_id(store)[chunk.article_id].text[chunk.start : chunk.end] == chunk.text


def articles_by_id(store: ArticleStore) -> dict:
    return store.get_articles([a.id for a in store.list_articles()])


def test_bad_files_reported_one_by_one_good_ones_land(tmp_path: Path, store: ArticleStore) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "good.txt").write_text(
        "Harbour strike ends\n\nDock workers in Portville returned to work on Monday after a "
        "two-week strike. The union said the new contract raises wages by 7 percent.",
        encoding="utf-8",
    )
    (folder / "latin1.txt").write_bytes(
        "Café owners protest\n\nLes propriétaires de café ont manifesté à Paris contre la "
        "hausse des loyers. Le maire a promis une réponse rapide.".encode("latin-1")
    )
    (folder / "empty.txt").write_bytes(b"")
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (folder / "notes.docx").write_bytes(b"PK\x03\x04 zipped")
    (folder / "bad.jsonl").write_text(
        '{"title": "x", "body": "A fine body sentence here."}\n{oops\n'
    )
    report = ingest([str(folder)], store)
    failed = {Path(f.path).name: f.error for f in report.failed}
    assert report.added == 3  # good.txt, latin1.txt, the good jsonl line
    assert set(failed) == {"empty.txt", "image.txt", "broken.pdf", "notes.docx", "bad.jsonl"}
    assert "empty" in failed["empty.txt"].lower()
    assert "binary" in failed["image.txt"].lower()
    assert "unsupported" in failed["notes.docx"].lower()
    assert "line 2" in failed["bad.jsonl"].lower()
    titles = {a.title for a in store.list_articles()}
    assert "Café owners protest" in titles


def test_huge_file_refused_with_limit(tmp_path: Path, store_settings: Settings) -> None:
    settings = store_settings.model_copy(update={"max_file_bytes": 10_000})
    store = ArticleStore(settings.store_config())
    big = tmp_path / "big.txt"
    big.write_text("Word after word. " * 2000)
    report = ingest([str(big)], store)
    assert report.added == 0
    assert "limit" in report.failed[0].error.lower()


def test_updated_url_replaces_and_syndicated_copy_is_flagged(
    tmp_path: Path, store: ArticleStore
) -> None:
    body = (
        "Ministers agreed on a new fisheries deal in Brussels on Thursday after ten hours of talks. "
        "The agreement cuts cod quotas by 12 percent and bans trawling in two protected zones. "
        "Environmental groups welcomed the deal but said enforcement would be the real test. "
        "Fishing unions warned that coastal towns would lose jobs over the coming decade."
    )
    rows = [
        {"title": "Fisheries deal", "source": "Wire A", "url": "https://a.test/fish", "body": body},
        {
            "title": "Fisheries deal (copy)",
            "source": "Paper B",
            "url": "https://b.test/fish",
            "body": body + " Reporting by Wire A.",
        },
    ]
    feed = tmp_path / "a.jsonl"
    feed.write_text("\n".join(json.dumps(r) for r in rows))
    first = ingest([str(feed)], store)
    assert first.added == 2
    assert len(first.near_duplicates) == 1
    updated = tmp_path / "b.jsonl"
    updated.write_text(
        json.dumps({**rows[0], "body": body + " Correction: talks lasted eleven hours."})
    )
    second = ingest([str(updated)], store)
    assert (second.added, second.replaced) == (0, 1)
    assert len(store.list_articles()) == 2
    stored = [a for a in store.list_articles() if a.url == "https://a.test/fish"][0]
    assert "eleven hours" in store.get_article(stored.id).text


@pytest.mark.skipif(not MULTIHOP.exists(), reason="shared benchmark data not beside the repo")
def test_multihop_jsonl_metadata(store: ArticleStore, tmp_path: Path) -> None:
    lines = (MULTIHOP / "articles.jsonl").read_text(encoding="utf-8").splitlines()[:5]
    sample = tmp_path / "sample.jsonl"
    sample.write_text("\n".join(lines), encoding="utf-8")
    report = ingest([str(sample)], store)
    assert report.added == 5
    first = json.loads(lines[0])
    stored = [a for a in store.list_articles() if a.url == first["url"]][0]
    assert (stored.title, stored.source, stored.author) == (
        first["title"],
        first["source"],
        first["author"],
    )
    assert stored.published_at.startswith(first["published_at"][:10])


def test_cli_ingest_articles_show_remove(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["ingest", str(SEEDS), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["added"] == 2 and summary["failed"] == [] and summary["chunks"] > 2
    assert set(summary) >= {"added", "skipped", "failed", "chunks"}
    assert cli(["ingest", str(SEEDS), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["skipped"] == 2
    assert cli(["articles", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == 2
    assert set(listed[0]) == {"id", "title", "source", "published_at", "url", "chunks"}
    rt = next(a for a in listed if a["source"] == "RT en français")
    assert cli(["show", rt["id"], "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["title"] == SEED_002_TITLE and "text" in shown
    assert cli(["remove", rt["id"]]) == 0
    capsys.readouterr()
    assert cli(["articles", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1
    with pytest.raises(SystemExit) as exc:
        cli(["show", rt["id"]])
    assert exc.value.code == 1


def test_embedding_batches_follow_lengths_and_keep_every_vector() -> None:
    """Batches are contiguous runs of the length-sorted passages chosen to compute few padded
    tokens; a passage's vector does not depend on the batch it landed in."""
    import numpy as np

    from vectorstore.embeddings import _batches, default_embeddings

    lengths = sorted([12] * 40 + [30] * 20 + [90, 140, 256])
    batches = _batches(lengths, 64)
    assert [i for b in batches for i in b] == list(range(len(lengths)))
    assert all(0 < len(b) <= 64 for b in batches)

    def padded(groups: list[range]) -> int:
        return sum(len(g) * max(lengths[i] for i in g) for g in groups)

    fixed = [range(i, min(i + 32, len(lengths))) for i in range(0, len(lengths), 32)]
    assert padded(batches) < padded(fixed) / 2  # one 256-token passage no longer pads 31 others

    texts = [
        "Short one.",
        "A somewhat longer sentence about the harbour bridge that opened on Monday.",
        " ".join(["The council met again and discussed the budget."] * 20),
        "Another short text.",
    ]
    model = default_embeddings()
    together = np.asarray(model.embed_documents(texts))
    alone = np.asarray([model.embed_documents([t])[0] for t in texts])
    assert np.allclose(together, alone, atol=1e-4)
