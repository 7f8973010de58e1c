"""Who published an article: the name shown in a briefing, the key that tells two publishers
apart, and :class:`IndependentSources` — the one definition of an independent source
(disagreements and corroboration both count sources through it)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlparse

from vectorstore.config import StoreConfig
from vectorstore.fingerprint import DisjointSets, join_copies
from vectorstore.models import Article


def url_host(url: str | None) -> str:
    """The URL's host, lower case, without ``www.`` ("" when there is none or the URL is
    malformed); a URL without a scheme ("rt.com/news") is read as a host and path."""
    if not url:
        return ""
    try:
        host = urlparse(url if "//" in url else f"//{url}").hostname or ""
    except ValueError:
        return ""
    return host.lower().removeprefix("www.")


def publisher_name(article: Article) -> str:
    """The publisher as shown: the stored source, else the URL's host."""
    return article.source or url_host(article.url) or "Unknown publisher"


def publisher_key(article: Article) -> str:
    """Comparison key: the same publisher under different spellings meets."""
    if article.source:
        return "source:" + re.sub(r"\W+", "", article.source.casefold())
    host = url_host(article.url)
    if host:
        return "host:" + host
    return "article:" + article.id


# ---- independent sources -----------------------------------------------------------------------

NEAR_DUPLICATE_BITS = StoreConfig.__dataclass_fields__["near_duplicate_bits"].default
"""SimHash distance at or under which two texts are copies of one story (the ingest's rule)."""


class IndependentSources:
    """THE definition of an independent source, used by disagreements and corroboration alike.

    Two articles are the same source when they share a publisher (:func:`publisher_key`) or are
    copies of one story: one was stored as the other's near duplicate, or their SimHashes
    (``vectorstore.fingerprint``) differ by at most :data:`NEAR_DUPLICATE_BITS` bits — a wire
    story syndicated under several mastheads counts once. The relation is closed transitively
    (A copies B, B shares a publisher with C: one source). Everything else is independent.
    """

    def __init__(self, articles: Iterable[Article], max_bits: int = NEAR_DUPLICATE_BITS) -> None:
        self.articles: dict[str, Article] = {a.id: a for a in articles}
        ids = sorted(self.articles)
        sets = DisjointSets(ids)
        by_publisher: dict[str, str] = {}
        for article_id in ids:
            key = publisher_key(self.articles[article_id])
            if key in by_publisher:
                sets.join(article_id, by_publisher[key])
            by_publisher.setdefault(key, article_id)
        join_copies(sets, [self.articles[a] for a in ids], max_bits)
        self._source = {a: str(sets.find(a)) for a in ids}

    def of(self, article_id: str) -> str:
        """The source key of an article (the smallest article id of its source)."""
        return self._source[article_id]

    def same(self, a: str, b: str) -> bool:
        return self.of(a) == self.of(b)

    def source_keys(self) -> list[str]:
        return sorted(set(self._source.values()))

    def members(self, key: str) -> list[Article]:
        return [self.articles[a] for a in sorted(self._source) if self._source[a] == key]

    def name(self, key: str) -> str:
        """The source as shown: its publishers' names, joined when copies carry several."""
        names = dict.fromkeys(publisher_name(a) for a in self.members(key))
        return " / ".join(names)
