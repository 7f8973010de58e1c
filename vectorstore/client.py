"""Opening Chroma: the embedded persistent client or an HTTP client for a ``chroma run`` server,
chromadb's per-process system cache, and telling a server that is down from a bad request."""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import chromadb
from chromadb.config import Settings as ChromaSettings

from vectorstore.config import StoreConfig
from vectorstore.errors import StoreUnavailable


def is_unreachable(exc: BaseException) -> bool:
    """Is this the Chroma server being down or restarting (as opposed to a bad request)?"""
    import httpx

    if isinstance(exc, (httpx.TransportError, ConnectionError)):
        return True
    return isinstance(exc, ValueError) and "could not connect" in str(exc).lower()


def unreachable_message(url: str, exc: BaseException | None = None) -> str:
    reason = ""
    if exc is not None:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        reason = f" ({text[:160]})"
    return f"cannot reach the Chroma server at {url}{reason}"


def make_client(config: StoreConfig) -> chromadb.ClientAPI:
    """Embedded persistent client under ``config.home``, or an HTTP client for ``chroma_url``."""
    settings = ChromaSettings(anonymized_telemetry=False)
    if config.chroma_url:
        parsed = urlparse(config.chroma_url)
        try:
            return chromadb.HttpClient(
                host=parsed.hostname or "localhost",
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                settings=settings,
            )
        except Exception as exc:  # chromadb raises ValueError("Could not connect ...") here
            raise StoreUnavailable(unreachable_message(config.chroma_url, exc)) from exc
    try:
        config.chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=system_id(config), settings=settings)
    except Exception as exc:
        raise StoreUnavailable(
            f"cannot open the Chroma store at {config.chroma_dir}: {exc}"
        ) from exc


def lexical_path(config: StoreConfig) -> Path:
    """The lexical index file: per collection, and per server URL in server mode."""
    name = config.collection
    if config.chroma_url:
        name += "@" + hashlib.sha256(config.chroma_url.encode("utf-8")).hexdigest()[:12]
    return config.home / "lexical" / f"{name}.sqlite3"


def system_id(config: StoreConfig) -> str:
    """The key of chromadb's per-process system cache for an embedded store."""
    return str(config.chroma_dir.resolve())


def drop_system(identifier: str) -> None:
    """Forget and stop this process's cached Chroma system for one path (its HNSW is stale)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    system = SharedSystemClient._identifier_to_system.pop(identifier, None)
    SharedSystemClient._identifier_to_refcount.pop(identifier, None)
    if system is not None:
        with contextlib.suppress(Exception):
            system.stop()


def cached_system(identifier: str) -> Any:
    from chromadb.api.shared_system_client import SharedSystemClient

    return SharedSystemClient._identifier_to_system.get(identifier)
