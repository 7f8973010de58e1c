"""Collections are isolated: filling or deleting one never touches another, against the embedded
store and a real ``chroma run`` server."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from bot.cli import main
from bot.collections import CollectionError, create, delete, summaries
from bot.feeds import FeedRegistry
from bot.settings import Settings
from tests.fakes import HashEmbeddings
from vectorstore.client import lexical_path
from vectorstore.collections import check_name, collection_dir, for_collection
from vectorstore.ingest import ingest
from vectorstore.store import ArticleStore


def _fill(config, tmp_path: Path, words: str, n: int) -> ArticleStore:  # type: ignore[no-untyped-def]
    store = ArticleStore(config, embeddings=HashEmbeddings())
    folder = tmp_path / f"src-{config.collection}"
    folder.mkdir()
    for i in range(n):
        (folder / f"{i}.txt").write_text(
            f"{words} report {i}\n\nThe {words} committee met on day {i} and said the "
            f"{words} plan {i} was on schedule, according to its chair.\n"
        )
    assert ingest([str(folder)], store).added == n
    return store


@pytest.fixture(autouse=True)
def _hash_embeddings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("vectorstore.embeddings.default_embeddings", HashEmbeddings)


def test_collections_are_isolated_and_deleted_alone(
    store_settings: Settings, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    a_name, b_name = f"alpha{tag}", f"beta{tag}"
    base = store_settings.store_config()
    a = _fill(for_collection(base, a_name), tmp_path, "harbour", 3)
    b = _fill(for_collection(base, b_name), tmp_path, "railway", 2)
    FeedRegistry(a.config).add("https://a.example/feed.xml")
    FeedRegistry(b.config).add("https://b.example/feed.xml")
    assert {"harbour"} == {x.title.split()[0] for x in a.list_articles()}
    assert [h.chunk.text for h in b.lexical_search("harbour", 5)] == []

    settings = store_settings.model_copy(update={"collection": b_name})
    listed = {c.name: c.to_dict() for c in summaries(settings)}
    assert listed[a_name] == {"name": a_name, "articles": 3, "feeds": 1}
    assert listed[b_name] == {"name": b_name, "articles": 2, "feeds": 1}
    assert lexical_path(a.config).exists() and collection_dir(a.config).exists()

    delete(settings, a_name)
    names = {c.name for c in summaries(settings)}
    assert a_name not in names and b_name in names
    assert not lexical_path(a.config).exists() and not collection_dir(a.config).exists()
    # the other collection is whole: articles, passages, search, feeds, lexical index
    fresh = ArticleStore(b.config, embeddings=HashEmbeddings())
    assert fresh.article_count() == 2 and b.article_count() == 2
    assert len(fresh.lexical_search("railway committee", 5)) == 2
    assert len(fresh.dense_search("railway plan", 5)) >= 2
    assert [f.url for f in FeedRegistry(b.config).feeds()] == ["https://b.example/feed.xml"]
    assert fresh.verify().ok
    with pytest.raises(CollectionError, match="no collection"):
        delete(settings, a_name)
    # a deleted collection can be created again, empty
    create(settings, a_name)
    again = ArticleStore(for_collection(base, a_name), embeddings=HashEmbeddings())
    assert again.article_count() == 0 and again.lexical_search("harbour", 5) == []
    assert FeedRegistry(again.config).feeds() == []
    with pytest.raises(CollectionError, match="already exists"):
        create(settings, a_name)


def test_deleting_a_collection_open_elsewhere_in_the_process(tmp_path: Path) -> None:
    """An ArticleStore of another collection, opened before the delete, keeps working."""
    base = Settings(home=tmp_path / "home").store_config()
    keep = _fill(for_collection(base, "keep"), tmp_path, "harbour", 2)
    gone = _fill(for_collection(base, "gone"), tmp_path, "railway", 2)
    delete(Settings(home=tmp_path / "home"), "gone")
    assert keep.article_count() == 2 and len(keep.lexical_search("harbour", 5)) == 2
    assert gone.config.collection == "gone"
    (tmp_path / "more").mkdir()
    _fill(keep.config, tmp_path / "more", "ferry", 1)
    assert keep.article_count() == 3 and len(keep.lexical_search("ferry", 5)) == 1


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("briefbot", True),
        ("my-news.2026", True),
        ("ab", False),
        ("-news", False),
        ("news-", False),
        ("a..b", False),
        ("10.0.0.1", False),
        ("news/../x", False),
        ("x" * 54, True),
        ("x" * 55, False),
        ("naïve", False),
    ],
)
def test_collection_names_follow_chromas_rules(name: str, ok: bool) -> None:
    if ok:
        assert check_name(name) == name
    else:
        with pytest.raises(CollectionError, match="invalid collection name"):
            check_name(name)


def test_cli_collections(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert main(["collections", "create", "desk-a"]) == 0
    assert main(["--collection", "desk-b", "feeds", "add", "https://b.example/rss"]) == 0
    capsys.readouterr()
    assert main(["collections", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {"name": "desk-a", "articles": 0, "feeds": 0} in listed
    assert {"name": "desk-b", "articles": 0, "feeds": 1} in listed
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(SystemExit):
        main(["collections", "delete", "desk-a"])
    assert "pass --yes" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda _prompt: "n")
    assert main(["collections", "delete", "desk-a"]) == 1
    monkeypatch.setattr("builtins.input", lambda _prompt: "yes")
    assert main(["collections", "delete", "desk-a"]) == 0
    assert main(["collections", "delete", "desk-b", "--yes"]) == 0
    capsys.readouterr()
    assert main(["collections", "list", "--json"]) == 0
    names = {c["name"] for c in json.loads(capsys.readouterr().out)}
    assert not names & {"desk-a", "desk-b"}
    with pytest.raises(SystemExit):
        main(["--collection", "x", "articles"])
    assert "invalid collection name 'x'" in capsys.readouterr().err
    monkeypatch.setenv("BRIEFBOT_COLLECTION", "no/pe")
    with pytest.raises(SystemExit):
        main(["articles"])
    assert "invalid collection name" in capsys.readouterr().err
