"""Who published an article: the name shown in a briefing, and the key that tells two publishers
apart (disagreements are only between different publishers)."""

from __future__ import annotations

import re
from urllib.parse import urlparse

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
