"""Collections as the CLI and the app see them: name, article and feed counts; create; delete.

The store-level work (Chroma collections, lexical index, local files) is
``vectorstore.collections``; this adds what ``bot`` keeps per collection (the feed registry,
which lives in the collection's local directory and so goes with it).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.feeds import FeedRegistry
from bot.settings import Settings
from vectorstore.collections import (
    CollectionError,
    check_name,
    collection_dir,
    collection_exists,
    delete_collection,
    for_collection,
    list_collections,
)

__all__ = [
    "CollectionError",
    "CollectionSummary",
    "check_name",
    "create",
    "delete",
    "summaries",
]


@dataclass(frozen=True)
class CollectionSummary:
    name: str
    articles: int
    feeds: int

    def to_dict(self) -> dict:
        return {"name": self.name, "articles": self.articles, "feeds": self.feeds}


def summaries(settings: Settings) -> list[CollectionSummary]:
    """Every collection of the store (embedded or server) with its article and feed counts.
    A collection that only has followed feeds so far is listed too (0 articles)."""
    config = settings.store_config()
    found = {info.name: info.articles for info in list_collections(config)}
    here = collection_dir(config)
    server = here.name.partition("@")[2]  # local files are per server URL in server mode
    if here.parent.is_dir():
        for child in here.parent.iterdir():
            name, _, of = child.name.partition("@")
            if of == server and (child / "feeds.sqlite3").exists():
                found.setdefault(name, 0)
    out = []
    for name in sorted(found):
        feeds = len(FeedRegistry(for_collection(config, name)).feeds())
        out.append(CollectionSummary(name=name, articles=found[name], feeds=feeds))
    return out


def create(settings: Settings, name: str) -> None:
    """Create an empty collection ``name``; CollectionError if it exists."""
    from bot.service import Briefbot

    config = settings.store_config()
    if collection_exists(config, check_name(name)):
        raise CollectionError(f"collection {name!r} already exists")
    Briefbot(settings.model_copy(update={"collection": name})).store.article_count()


def delete(settings: Settings, name: str) -> None:
    """Delete collection ``name`` and everything kept for it; CollectionError if unknown."""
    config = settings.store_config()
    if not delete_collection(config, check_name(name)):
        raise CollectionError(f"no collection named {name!r}")
