"""What the store layer needs to know, passed in explicitly (``bot.settings`` builds it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StoreConfig:
    """Where the Chroma store lives and how passages are cut.

    ``chroma_url`` switches from the embedded persistent store under ``home`` to a Chroma
    server started with ``chroma run``.
    """

    home: Path
    chroma_url: str | None = None
    collection: str = "briefbot"
    chunk_chars: int = 900
    chunk_overlap_sentences: int = 1
    max_file_bytes: int = 25 * 1024 * 1024
    max_article_chars: int = 2_000_000
    fetch_timeout_s: float = 20.0
    allow_private_urls: bool = False
    """Fetch URLs whose host is (or resolves to) a loopback, private or link-local address.
    Off: such URLs, and redirects to them, are refused (``vectorstore.parsing.web``)."""
    near_duplicate_bits: int = 10  # unrelated multihop articles differ by >= 16 bits
    lexical_sync_s: float = 1.0
    """Server mode: how often (at most) a client catches up its lexical index with the server."""
    lexical_window_s: float = 60.0
    """Server mode: a catch-up re-reads writes this much older than the newest it has seen
    (covers clock skew between writers and a write's commit time; re-reading is idempotent)."""

    @property
    def chroma_dir(self) -> Path:
        return self.home / "chroma"

    @property
    def lock_path(self) -> Path:
        return self.home / "store.lock"
