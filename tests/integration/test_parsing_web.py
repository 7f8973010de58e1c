"""Fetching URLs from a loopback HTTP server: article pages, RSS and Atom feeds, failures."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.loopback import LoopbackServer, QuietHandler
from vectorstore.config import StoreConfig
from vectorstore.parsing import ParseError, read_url, read_url_detailed

Route = tuple[int, str, bytes]


def article_page(title: str, body: str, date: str | None = None) -> bytes:
    date_meta = f'<meta property="article:published_time" content="{date}">' if date else ""
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    return (
        f"<!doctype html><html lang='en'><head><title>{title} | Local News</title>{date_meta}"
        "<script>var LEAK='SCRIPT_LEAK';</script></head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>{title}</h1>{paragraphs}</article><footer>Contact us</footer></body></html>"
    ).encode()


BODY_A = (
    "The city council voted on Tuesday to expand the tram network by six kilometres, "
    "connecting the eastern suburbs to the central station.\n\n"
    "“This is the biggest investment in public transport in a generation,” the mayor said."
)
BODY_B = (
    "Heavy rain flooded several streets in the old town overnight, forcing the closure of "
    "two bridges and the evacuation of a care home.\n\n"
    "Emergency services said the water level was expected to fall by the afternoon."
)
LONG_SUMMARY = (
    "<p>Farmers in the valley reported the earliest harvest in thirty years, a change they "
    "attribute to an unusually warm spring and a dry early summer.</p><p>Agronomists warned that "
    "the same conditions could reduce yields next season if the winter stays mild and pests "
    "survive in larger numbers than usual.</p>"
)


class _Handler(QuietHandler):
    routes: dict[str, Route | tuple[float, Route] | str] = {}

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        route = self.routes.get(self.path)
        if isinstance(route, str):
            self.redirect(route, 301)
            return
        if route is None:
            route = (404, "text/html", b"<html><body>Not found</body></html>")
        if isinstance(route[0], float):
            time.sleep(route[0])
            route = route[1]  # type: ignore[assignment]
        status, ctype, body = route  # type: ignore[misc]
        self.reply(status, body, ctype)


@pytest.fixture
def server() -> Iterator[tuple[str, dict]]:
    routes: dict = {}
    with LoopbackServer(type("Handler", (_Handler,), {"routes": routes})) as served:
        yield served.url, routes


@pytest.fixture
def config(tmp_path: Path) -> StoreConfig:
    return StoreConfig(home=tmp_path, fetch_timeout_s=5.0, allow_private_urls=True)


def test_article_page(server: tuple[str, dict], config: StoreConfig) -> None:
    base, routes = server
    routes["/news/tram"] = (
        200,
        "text/html; charset=utf-8",
        article_page("Tram network to grow", BODY_A, "2024-03-05T09:00:00+01:00"),
    )
    routes["/old-tram"] = "/news/tram"
    [doc] = read_url(f"{base}/old-tram", config)
    assert doc.title == "Tram network to grow"
    assert doc.source == "Local News"
    assert doc.published_at == "2024-03-05T09:00:00+01:00"
    assert doc.url == f"{base}/news/tram"  # after the redirect
    assert doc.origin == f"{base}/old-tram"
    assert (
        "“This is the biggest investment in public transport in a generation,” the mayor said."
        in doc.text
    )
    assert "SCRIPT_LEAK" not in doc.text and "Contact us" not in doc.text


def test_plain_text_url(server: tuple[str, dict], config: StoreConfig) -> None:
    base, routes = server
    routes["/a.txt"] = (
        200,
        "text/plain; charset=iso-8859-1",
        "Café news – Le Petit Journal\n\nLe café est très bon.".encode("cp1252"),
    )
    [doc] = read_url(f"{base}/a.txt", config)
    assert (doc.title, doc.source) == ("Café news", "Le Petit Journal")
    assert doc.url == f"{base}/a.txt"


def rss(base: str, items: list[tuple[str, str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{t}</title><link>{base}{link}</link><description><![CDATA[{d}]]></description>"
        "<pubDate>Tue, 05 Mar 2024 08:00:00 GMT</pubDate><author>desk@local.example (News Desk)</author></item>"
        for t, link, d in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Local News</title>'
        f"<link>{base}/</link><description>Local</description>{entries}</channel></rss>"
    ).encode()


def test_rss_feed(server: tuple[str, dict], config: StoreConfig) -> None:
    base, routes = server
    routes["/a"] = (200, "text/html", article_page("Tram network to grow", BODY_A))
    routes["/b"] = (200, "text/html", article_page("Floods close bridges", BODY_B))
    routes["/feed.rss"] = (
        200,
        "application/rss+xml",
        rss(base, [("Tram", "/a", "teaser"), ("Floods", "/b", "teaser")]),
    )
    docs, errors = read_url_detailed(f"{base}/feed.rss", config)
    assert errors == []
    assert [d.title for d in docs] == ["Tram network to grow", "Floods close bridges"]
    assert [d.origin for d in docs] == [f"{base}/a", f"{base}/b"]
    assert all(d.published_at == "2024-03-05T08:00:00+00:00" for d in docs)  # from the feed
    assert "old town overnight" in docs[1].text


def test_atom_feed_sniffed(server: tuple[str, dict], config: StoreConfig) -> None:
    base, routes = server
    routes["/a"] = (200, "text/html", article_page("Tram network to grow", BODY_A))
    routes["/b"] = (200, "text/html", article_page("Floods close bridges", BODY_B))
    atom = (
        b'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        b"<title>City Wire</title><id>urn:x</id><updated>2024-03-06T10:00:00Z</updated>"
        b'<entry><title>Tram</title><link href="/a"/><id>urn:a</id><updated>2024-03-06T10:00:00Z</updated>'
        b"<author><name>Ana Lopes</name></author></entry>"
        b'<entry><title>Floods</title><link href="/b"/><id>urn:b</id><updated>2024-03-06T11:00:00Z</updated></entry>'
        b"</feed>"
    )
    routes["/atom"] = (200, "application/xml", atom)  # generic type: must be sniffed
    docs = read_url(f"{base}/atom", config)
    assert [d.url for d in docs] == [f"{base}/a", f"{base}/b"]
    assert docs[0].author == "Ana Lopes"
    assert docs[1].published_at == "2024-03-06T11:00:00+00:00"
    assert docs[0].source == "Local News"  # the page's own publisher wins over the feed title


def test_feed_entry_failures(server: tuple[str, dict], config: StoreConfig) -> None:
    base, routes = server
    routes["/a"] = (200, "text/html", article_page("Tram network to grow", BODY_A))
    routes["/feed"] = (
        200,
        "application/rss+xml; charset=utf-8",
        rss(
            base,
            [
                ("Gone", "/missing", "short teaser"),
                ("Harvest", "/also-missing", LONG_SUMMARY),
                ("Tram", "/a", "t"),
            ],
        ),
    )
    docs, errors = read_url_detailed(f"{base}/feed", config)
    assert errors == [f"{base}/missing: HTTP 404 from {base}/missing"]
    assert [d.title for d in docs] == ["Harvest", "Tram network to grow"]
    harvest = docs[0]
    assert harvest.text.startswith(
        "Farmers in the valley reported the earliest harvest in thirty years"
    )
    assert "\n\nAgronomists warned" in harvest.text
    assert harvest.source == "Local News" and harvest.url == f"{base}/also-missing"


def test_feed_all_entries_fail(server: tuple[str, dict], config: StoreConfig) -> None:
    base, routes = server
    routes["/feed"] = (200, "application/rss+xml", rss(base, [("Gone", "/x", "teaser")]))
    with pytest.raises(ParseError, match="no usable articles in feed"):
        read_url(f"{base}/feed", config)


def test_http_404(server: tuple[str, dict], config: StoreConfig) -> None:
    base, _ = server
    with pytest.raises(ParseError, match=f"^HTTP 404 from {base}/nothing-here$"):
        read_url(f"{base}/nothing-here", config)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/x",
        "javascript:alert(1)",
        "example.com/story",
        "http:///nohost",
    ],
)
def test_non_http_refused(url: str, config: StoreConfig) -> None:
    with pytest.raises(ParseError, match="unsupported URL scheme|not a URL|no host"):
        read_url(url, config)


def test_body_size_cap(server: tuple[str, dict], tmp_path: Path) -> None:
    base, routes = server
    routes["/big"] = (200, "text/html", b"<p>" + b"x" * 50_000 + b"</p>")
    with pytest.raises(ParseError, match="over the 1000 bytes limit"):
        read_url(
            f"{base}/big", StoreConfig(home=tmp_path, max_file_bytes=1000, allow_private_urls=True)
        )


def test_timeout(server: tuple[str, dict], tmp_path: Path) -> None:
    base, routes = server
    routes["/slow"] = (2.0, (200, "text/html", article_page("Slow", BODY_A)))
    with pytest.raises(ParseError, match="timed out"):
        read_url(
            f"{base}/slow", StoreConfig(home=tmp_path, fetch_timeout_s=0.3, allow_private_urls=True)
        )


def test_binary_response(server: tuple[str, dict], config: StoreConfig) -> None:
    base, routes = server
    routes["/img"] = (200, "image/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ParseError, match=r"binary response \(looks like PNG image\)"):
        read_url(f"{base}/img", config)


def test_non_article_content_type(server: tuple[str, dict], config: StoreConfig) -> None:
    base, routes = server
    routes["/data.json"] = (200, "application/json", b'{"a": 1}')
    with pytest.raises(ParseError, match="is application/json, not an article page"):
        read_url(f"{base}/data.json", config)


def test_connection_refused(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ParseError, match="could not connect"):
        read_url(
            f"http://127.0.0.1:{port}/",
            StoreConfig(home=tmp_path, fetch_timeout_s=2, allow_private_urls=True),
        )
