"""A loopback HTTP news site for feed tests: feeds that grow, answer 304, hang or are malformed,
and article pages (started per test; ``site.stop()`` ends it)."""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime

from tests.loopback import LoopbackServer, QuietHandler


def article_html(title: str, body: str) -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    return (
        f"<!doctype html><html lang='en'><head><title>{title}</title></head><body><article>"
        f"<h1>{title}</h1>{paragraphs}</article></body></html>"
    ).encode()


def rss(title: str, items: list[tuple[str, str, str | None]]) -> bytes:
    """RSS 2.0 with items ``(title, link, pubDate RFC 822 or None)``."""
    parts = [f"<?xml version='1.0'?><rss version='2.0'><channel><title>{title}</title>"]
    for item_title, link, date in items:
        when = f"<pubDate>{date}</pubDate>" if date else ""
        parts.append(f"<item><title>{item_title}</title><link>{link}</link>{when}</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def rfc822(moment: datetime | None = None) -> str:
    return format_datetime(moment or datetime.now(UTC), usegmt=True)


class FeedSite:
    """``routes`` maps a path to ``(content type, body)``, a redirect target (str) or
    ``"HANG"`` (accepts, never answers). Feeds served with ``conditional=True`` carry an ETag
    and answer ``If-None-Match`` with 304. ``requests`` records ``(path, If-None-Match)``."""

    def __init__(self) -> None:
        self.routes: dict[str, object] = {}
        self.conditional: set[str] = set()
        self.requests: list[tuple[str, str | None]] = []
        self.released = threading.Event()
        self.arrivals: dict[str, threading.Event] = {}
        site = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                site.requests.append((self.path, self.headers.get("If-None-Match")))
                site.arrived(self.path).set()
                route = site.routes.get(self.path)
                if route == "HANG":
                    site.released.wait(60)
                    return
                if isinstance(route, str):
                    self.redirect(route)
                    return
                if route is None:
                    self.reply(404, b"")
                    return
                ctype, body = route  # type: ignore[misc]
                if self.path not in site.conditional:
                    self.reply(200, body, ctype)
                    return
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.reply(304, b"", ctype, ETag=etag)
                else:
                    self.reply(200, body, ctype, ETag=etag)

        self.server = LoopbackServer(Handler)
        self.port = self.server.port
        self.url = self.server.url

    def page(self, path: str, title: str, body: str) -> str:
        self.routes[path] = ("text/html; charset=utf-8", article_html(title, body))
        return self.url + path

    def feed(self, path: str, title: str, items: list[tuple[str, str, str | None]]) -> str:
        self.routes[path] = ("application/rss+xml", rss(title, items))
        return self.url + path

    def arrived(self, path: str) -> threading.Event:
        """Set once ``path`` has been requested (tests wait on it instead of sleeping)."""
        return self.arrivals.setdefault(path, threading.Event())

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    def start(self) -> FeedSite:
        self.server.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self.server.stop()


@contextlib.contextmanager
def feed_site() -> Iterator[FeedSite]:
    site = FeedSite().start()
    try:
        yield site
    finally:
        site.stop()


def story(n: int, topic: str = "harbour") -> tuple[str, str]:
    """A distinct article (title, body) about ``topic``, long enough to be an article."""
    title = f"Story {n}: the {topic} report"
    body = (
        f"Officials in district {n} said on Monday that the {topic} plan number {n} would go "
        f"ahead after a long review by the council, which met {n + 2} times this year.\n\n"
        f'"We expect the work on site {n} to finish before the winter," said Mayor Anna '
        f"Berg{n}, adding that {n * 3} families had been consulted about the changes.\n\n"
        f"Critics said the cost of {n * 7} million had not been explained in enough detail."
    )
    return title, body


DISTINCT = [
    (
        "Ferry strike ends after pay deal",
        "The coastal ferry service will resume on Thursday after a two-week strike ended with a "
        'new pay agreement, the operator announced on Tuesday.\n\n"Passengers can book again '
        "from today,\" said Maria Lund, the operator's chief executive.\n\nThe union said its "
        "members had voted by a large majority to accept the offer.",
    ),
    (
        "Old river bridge closed for repairs",
        "Engineers closed the old river bridge on Monday after inspectors found cracks in two of "
        'its steel supports.\n\n"Safety comes first and we will not take any risk," said Mayor '
        "Tomas Berg.\n\nBuses will be diverted over the northern crossing, adding about ten "
        "minutes to most journeys, the council said.",
    ),
]
"""Two articles about unrelated news (a digest keeps them apart)."""
