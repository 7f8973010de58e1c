"""Content identity: exact (normalised hash, stable ids) and near-duplicate (SimHash)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Hashable, Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import numpy as np

if TYPE_CHECKING:
    from vectorstore.models import Article

_WORD = re.compile(r"\w+", re.UNICODE)
_BITS = np.arange(64, dtype=np.uint64)


def normalize_for_hash(text: str) -> str:
    """Case, Unicode form and whitespace do not make a different article."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(text.split())


def content_hash(text: str) -> str:
    return hashlib.sha256(normalize_for_hash(text).encode("utf-8")).hexdigest()


def normalize_url(url: str) -> str:
    """Scheme/host case and fragments do not make a different page."""
    parts = urlsplit(url.strip())
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, "")
    )


def article_id(url: str | None, text_hash: str) -> str:
    """Stable id: from the URL when there is one (so an updated page replaces its old version),
    otherwise from the content."""
    basis = "url:" + normalize_url(url) if url else "sha:" + text_hash
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]


def simhash(text: str) -> int:
    """64-bit SimHash over word 3-shingles: syndicated copies differ in a few bits."""
    words = _WORD.findall(normalize_for_hash(text))
    shingles = [" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))]
    digests = b"".join(hashlib.blake2b(s.encode(), digest_size=8).digest() for s in shingles)
    hashes = np.frombuffer(digests, dtype=">u8").astype(np.uint64)  # big-endian, as int.from_bytes
    ones = ((hashes[:, None] >> _BITS) & np.uint64(1)).sum(axis=0)  # shingles with each bit set
    # a bit is set when more shingles have it than not (weights: +1 set, -1 clear)
    return sum(1 << bit for bit in range(64) if 2 * int(ones[bit]) > len(shingles))


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


COPY_BITS = 3
"""SimHash distance under which two sentences are one syndicated sentence."""


@lru_cache(maxsize=4096)
def _sentence_print(text: str) -> tuple[str, int | None]:
    """The sentence as compared for syndication: normalised words, and their SimHash when the
    sentence is long enough (8 words) for one to mean anything."""
    norm = normalize_for_hash(text)
    return norm, simhash(norm) if len(norm.split()) >= 8 else None


def same_sentence(a: str, b: str) -> bool:
    """One sentence twice: equal once normalised, or syndicated copies (SimHash within
    :data:`COPY_BITS`). An answer shows such a sentence once."""
    (ta, ha), (tb, hb) = _sentence_print(a), _sentence_print(b)
    if ta == tb:
        return True
    return ha is not None and hb is not None and hamming(ha, hb) <= COPY_BITS


class DisjointSets:
    """Union-find over hashable keys: the grouping behind "one source" and "one story"."""

    def __init__(self, keys: Iterable[Hashable]) -> None:
        self._parent: dict[Hashable, Hashable] = {k: k for k in keys}
        self._order = {k: i for i, k in enumerate(self._parent)}

    def find(self, key: Hashable) -> Hashable:
        parent = self._parent
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def join(self, a: Hashable, b: Hashable) -> None:
        """Put ``a`` and ``b`` in one group; its representative is the earlier key given."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            first, second = sorted((ra, rb), key=self._order.__getitem__)
            self._parent[second] = first

    def groups(self) -> list[list[Hashable]]:
        """The groups, each in the order the keys were given, by first member."""
        out: dict[Hashable, list[Hashable]] = {}
        for key in self._parent:
            out.setdefault(self.find(key), []).append(key)
        return list(out.values())


def join_copies(sets: DisjointSets, articles: Sequence[Article], max_bits: int) -> None:
    """Join syndicated copies: an article stored as another's near duplicate, or two whose
    SimHashes differ by at most ``max_bits`` (the one definition of "a copy", used by
    briefings' independent sources and by digests' stories). Keys of ``sets`` are article ids."""
    ids = {a.id for a in articles}
    hashes: list[tuple[str, int]] = []
    for article in articles:
        if article.near_duplicate_of in ids:
            sets.join(article.id, article.near_duplicate_of)
        try:
            value = int(article.simhash, 16) if article.simhash else None
        except ValueError:
            value = None
        if value is None:
            continue
        for other_id, other in hashes:
            if hamming(value, other) <= max_bits:
                sets.join(article.id, other_id)
        hashes.append((article.id, value))
