"""How alike two texts are by meaning: cosine of embedding vectors, and the one embedding cache.

Vectors come from the store's embeddings (``vectorstore.embeddings``, all-MiniLM-L6-v2). Plain
Python on purpose: the vectors compared here are a few hundred at a time, and the arithmetic
must stay the same wherever a similarity feeds a threshold.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence

from langchain_core.embeddings import Embeddings


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity (0 when either vector is zero)."""
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0


def unit(vector: Sequence[float]) -> list[float]:
    """``vector`` scaled to length 1 (a zero vector stays zero)."""
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def dot(a: Sequence[float], b: Sequence[float]) -> float:
    """Dot product of two vectors of the same length: the cosine of two :func:`unit` vectors."""
    return sum(x * y for x, y in zip(a, b, strict=True))


class CachingEmbeddings(Embeddings):
    """Embeddings that remember document vectors by text (thread-safe).

    The same articles are asked about again and again: embedding their sentences is most of the
    cost of deciding whether to answer, and an evaluation run embeds every passage once for
    Briefbot and once more for the baseline. ``max_items`` bounds the cache (least recently used
    out first; None: unbounded). Queries are cached too unless ``cache_queries`` is False.
    ``seconds`` and ``computed`` count the work actually done by the wrapped model.
    """

    def __init__(
        self,
        inner: Embeddings,
        cache: OrderedDict[str, list[float]] | None = None,
        cache_queries: bool = True,
        max_items: int | None = None,
    ) -> None:
        self.inner = inner
        self._cache: OrderedDict[str, list[float]] = OrderedDict() if cache is None else cache
        self._lock = threading.Lock()
        self.cache_queries = cache_queries
        self.max_items = max_items
        self.seconds = 0.0
        self.computed = 0

    def documents_only(self) -> CachingEmbeddings:
        """The same document cache, but every query embedded afresh (fair query timing)."""
        return CachingEmbeddings(
            self.inner, cache=self._cache, cache_queries=False, max_items=self.max_items
        )

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            t0 = time.perf_counter()
            vectors = self.inner.embed_documents(missing)
            self.seconds += time.perf_counter() - t0
            self.computed += len(missing)
        else:
            vectors = []
        with self._lock:
            self._cache.update(zip(missing, vectors, strict=True))
            out = []
            for text in texts:
                if self.max_items is not None:
                    self._cache.move_to_end(text)
                out.append(self._cache[text])
            if self.max_items is not None:
                while len(self._cache) > self.max_items:
                    self._cache.popitem(last=False)
        return out

    def embed_query(self, text: str) -> list[float]:
        if not self.cache_queries:
            return self.inner.embed_query(text)
        key = "\x00query\x00" + text
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        vector = self.inner.embed_query(text)
        with self._lock:
            self._cache[key] = vector
        return vector
