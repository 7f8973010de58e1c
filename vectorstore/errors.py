"""Store-level errors (parsing has its own ``ParseError``)."""

from __future__ import annotations


class StoreUnavailable(RuntimeError):
    """The Chroma server cannot be reached (or the embedded store cannot be opened)."""


class StoreBusy(StoreUnavailable):
    """Another process held the store's lock for longer than the lock timeout."""
