"""Content identity: exact (normalised hash, stable ids) and near-duplicate (SimHash)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

_WORD = re.compile(r"\w+", re.UNICODE)


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
    weights = [0] * 64
    for shingle in shingles:
        h = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")
        for bit in range(64):
            weights[bit] += 1 if h >> bit & 1 else -1
    return sum(1 << bit for bit in range(64) if weights[bit] > 0)


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()
