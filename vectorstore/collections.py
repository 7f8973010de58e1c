"""Named collections: isolated sets of articles, each its own Chroma collections and local files.

A collection ``NAME`` is the Chroma collections ``NAME_chunks``, ``NAME_articles`` and
``NAME_removed`` (``ArticleStore``), its lexical index file (``client.lexical_path``) and a local
directory ``collection_dir`` for everything else kept per collection (the feed registry, ...).
Deleting a collection removes all of these and nothing of any other collection. In server mode
the local files are per server URL as well, like the lexical index.

Names follow Chroma's rules for the longest derived name (``NAME_articles``): 3 to 54
characters, letters, digits, ``.``, ``_`` and ``-``, starting and ending with a letter or digit,
no ``..``, not an IPv4 address. That also makes every name a safe file name.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import re
import shutil
from pathlib import Path

from vectorstore.client import drop_system, is_unreachable, lexical_path, make_client, system_id
from vectorstore.client import unreachable_message as _unreachable
from vectorstore.config import StoreConfig
from vectorstore.errors import StoreUnavailable
from vectorstore.locking import lock_for

SUFFIXES = ("_chunks", "_articles", "_removed")
_MARKER = "_articles"  # the record that makes a collection exist (the article commit markers)
MAX_NAME = 63 - len(_MARKER)
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
_IPV4 = re.compile(r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$")


class CollectionError(ValueError):
    """A bad collection name, or a collection that is (not) there when it must (not) be."""


@dataclasses.dataclass(frozen=True)
class CollectionInfo:
    name: str
    articles: int


def check_name(name: str) -> str:
    """``name`` when Chroma accepts every collection derived from it; else CollectionError."""
    problem = None
    if not 3 <= len(name) <= MAX_NAME:
        problem = f"must be 3 to {MAX_NAME} characters long"
    elif not _NAME.match(name):
        problem = (
            "may hold only letters, digits, '.', '_' and '-', and must start and end "
            "with a letter or digit"
        )
    elif ".." in name:
        problem = "must not contain '..'"
    elif _IPV4.match(name):
        problem = "must not look like an IPv4 address"
    if problem:
        raise CollectionError(f"invalid collection name {name!r}: {problem}")
    return name


def for_collection(config: StoreConfig, name: str) -> StoreConfig:
    """The same store configuration, pointed at collection ``name``."""
    return dataclasses.replace(config, collection=check_name(name))


def collection_dir(config: StoreConfig) -> Path:
    """Local per-collection files (``BRIEFBOT_HOME/collections/NAME[@server]``)."""
    key = config.collection
    if config.chroma_url:
        key += "@" + hashlib.sha256(config.chroma_url.encode("utf-8")).hexdigest()[:12]
    return config.home / "collections" / key


def _client(config: StoreConfig):  # type: ignore[no-untyped-def]
    """A Chroma client; embedded, reopened first when another process wrote since this one
    last looked (as ``ArticleStore`` does), so counts and names are current. Lock held."""
    if not config.chroma_url:
        lock = lock_for(config.home)
        generation = lock.generation()
        if lock.seen_generation != generation:
            if lock.seen_generation is not None:
                drop_system(system_id(config))
                lock.epoch += 1
            lock.seen_generation = generation
    try:
        return make_client(config)
    except StoreUnavailable:
        raise
    except Exception as exc:
        if config.chroma_url and is_unreachable(exc):
            raise StoreUnavailable(_unreachable(config.chroma_url, exc)) from exc
        raise


def _chroma_names(client) -> set[str]:  # type: ignore[no-untyped-def]
    return {getattr(c, "name", c) for c in client.list_collections()}


def _guarded(config: StoreConfig):  # type: ignore[no-untyped-def]
    """The store's inter-process lock in embedded mode (the server serialises otherwise)."""
    if config.chroma_url:
        return contextlib.nullcontext()
    return lock_for(config.home).hold()


def list_collections(config: StoreConfig) -> list[CollectionInfo]:
    """Every collection of the store, by name, with its article count."""
    with _guarded(config):
        client = _client(config)
        try:
            names = _chroma_names(client)
            out = []
            for chroma_name in sorted(names):
                if not chroma_name.endswith(_MARKER):
                    continue
                name = chroma_name[: -len(_MARKER)]
                count = client.get_collection(chroma_name, embedding_function=None).count()
                out.append(CollectionInfo(name=name, articles=int(count)))
            return out
        except Exception as exc:
            if config.chroma_url and is_unreachable(exc):
                raise StoreUnavailable(_unreachable(config.chroma_url, exc)) from exc
            raise


def collection_exists(config: StoreConfig, name: str) -> bool:
    with _guarded(config):
        return f"{check_name(name)}{_MARKER}" in _chroma_names(_client(config))


def delete_collection(config: StoreConfig, name: str) -> bool:
    """Remove collection ``name`` entirely: its Chroma collections, lexical index file and
    local directory. False when there was nothing to delete. Other collections are untouched.

    Embedded: under the store's lock, with the generation bumped and this process's Chroma
    system dropped, so every process (and every open ``ArticleStore``) reopens Chroma before
    its next call instead of using a handle to a deleted collection.
    """
    target = for_collection(config, name)
    found = False
    with _guarded(config):
        client = _client(config)
        try:
            existing = _chroma_names(client)
            for suffix in SUFFIXES:
                if f"{name}{suffix}" in existing:
                    client.delete_collection(f"{name}{suffix}")
                    found = True
        except Exception as exc:
            if config.chroma_url and is_unreachable(exc):
                raise StoreUnavailable(_unreachable(config.chroma_url, exc)) from exc
            raise
        if not config.chroma_url:
            lock = lock_for(config.home)
            lock.bump_generation()
            drop_system(system_id(config))
            lock.epoch += 1
        lexical = lexical_path(target)
        for path in (lexical, Path(f"{lexical}-wal"), Path(f"{lexical}-shm")):
            if path.exists():
                found = True
                path.unlink()
        folder = collection_dir(target)
        if folder.exists():
            found = True
            shutil.rmtree(folder)
    return found
