"""Safe fetching: URLs, redirects and feed entries never reach loopback, private or link-local
addresses unless ``BRIEFBOT_ALLOW_PRIVATE_URLS=1``.

Every request in these tests goes to a loopback HTTP server the test starts. A site that must
look public is played by the made-up name ``news.example``: the test tells the guard that this
one name is a vetted public host served at 127.0.0.1 (``trusted``), so the first hop really goes
over HTTP to loopback while every other host, including the redirect targets, goes through the
real check. Private targets (10.x, 169.254.169.254) must be refused before any connection, and
the ``connections`` fixture proves no socket ever tried to reach past loopback.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path

import httpcore
import pytest

from bot.settings import Settings
from tests.fakes import HashEmbeddings
from tests.loopback import LoopbackServer, QuietHandler
from vectorstore.config import StoreConfig
from vectorstore.ingest import ingest
from vectorstore.parsing import ParseError, read_url, read_url_detailed, web
from vectorstore.store import ArticleStore

HINT = "(set BRIEFBOT_ALLOW_PRIVATE_URLS=1 to allow private addresses)"
PUBLIC = "news.example"  # stands in for a public news site; served by the loopback server

ARTICLE = (
    b"<!doctype html><html lang='en'><head><title>Harbour reopens | Coast News</title></head>"
    b"<body><article><h1>Harbour reopens</h1><p>The harbour reopened on Monday after a two-week "
    b"closure, and the first ferries left on schedule in calm weather.</p><p>Officials said repairs "
    b"to the sea wall had been finished ahead of the winter storms.</p></article></body></html>"
)


class _Site:
    """A loopback HTTP server: ``routes`` maps a path to a page (bytes) or a redirect (str)."""

    def __init__(self) -> None:
        self.routes: dict[str, bytes | str | tuple[str, bytes]] = {}
        self.requests: list[str] = []
        site = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                site.requests.append(self.path)
                route = site.routes.get(self.path)
                if isinstance(route, str):
                    self.redirect(route)
                    return
                ctype, body = route if isinstance(route, tuple) else ("text/html", route)
                if body is None:
                    self.reply(404, b"")
                    return
                self.reply(200, body, ctype)

        self.server = LoopbackServer(Handler)
        self.port = self.server.port
        self.loopback = self.server.url
        self.public = f"http://{PUBLIC}:{self.port}"


@pytest.fixture
def site() -> Iterator[_Site]:
    served = _Site()
    with served.server:
        yield served


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every address a socket tries to connect to; afterwards all of them must be loopback."""
    seen: list[str] = []
    inner = socket.socket.connect

    def recording(self: socket.socket, address, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(address, tuple):
            seen.append(str(address[0]))
        return inner(self, address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", recording)
    yield seen
    assert all(ipaddress.ip_address(a).is_loopback for a in seen), seen


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Made-up names resolve to fixed addresses; no test asks a real DNS server anything."""
    table = {
        "intranet.example": ["10.0.0.5"],
        "mixed.example": ["93.184.216.34", "10.0.0.5"],  # ANY private answer refuses
        "mapped.example": ["::ffff:192.168.1.7"],
        "metadata.example": ["169.254.169.254"],
        "localhost": ["127.0.0.1", "::1"],
    }

    def resolve(host: str, port: int) -> list[str]:
        if host in table:
            return table[host]
        try:  # an address literal in any form getaddrinfo accepts, without a lookup
            infos = socket.getaddrinfo(host, port, flags=socket.AI_NUMERICHOST)
        except socket.gaierror:
            raise httpcore.ConnectError(f"cannot resolve {host}: not in the test's DNS") from None
        return [str(info[4][0]) for info in infos]

    monkeypatch.setattr(web, "_resolve", resolve)


@pytest.fixture
def trusted(monkeypatch: pytest.MonkeyPatch, fake_dns: None) -> list[str]:
    """``news.example`` is vetted as public and served at 127.0.0.1; every other host goes
    through the real check. Returns the hosts the guard was asked about, in order."""
    real = web.vet_host
    asked: list[str] = []

    def vet(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"] if host == PUBLIC else real(host, port)

    monkeypatch.setattr(web, "vet_host", vet)
    return asked


@pytest.fixture
def guarded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> StoreConfig:
    """The default configuration (the flag unset), built the way the app builds it."""
    monkeypatch.delenv("BRIEFBOT_ALLOW_PRIVATE_URLS", raising=False)
    config = Settings(home=tmp_path / "home").store_config()
    assert config.allow_private_urls is False
    return dataclasses.replace(config, fetch_timeout_s=5.0)


def refusal(exc: pytest.ExceptionInfo[ParseError]) -> str:
    message = str(exc.value)
    assert "\n" not in message, "the refusal is one line"
    assert message.startswith("refused ") and message.endswith(HINT), message
    return message


# ---- the setting -------------------------------------------------------------------------------


def test_setting_is_off_by_default_and_reaches_the_store_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("BRIEFBOT_ALLOW_PRIVATE_URLS", raising=False)
    assert Settings().allow_private_urls is False
    assert StoreConfig(home=tmp_path).allow_private_urls is False
    monkeypatch.setenv("BRIEFBOT_ALLOW_PRIVATE_URLS", "1")
    assert Settings().allow_private_urls is True
    assert Settings().store_config().allow_private_urls is True


# ---- direct URLs -------------------------------------------------------------------------------


def test_loopback_url_refused_with_one_line_error(
    site: _Site, guarded: StoreConfig, connections: list[str]
) -> None:
    site.routes["/x"] = ARTICLE
    with pytest.raises(ParseError) as exc:
        read_url(f"{site.loopback}/x", guarded)
    assert refusal(exc) == (f"refused {site.loopback}/x: 127.0.0.1 is a loopback address {HINT}")
    assert site.requests == [] and connections == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://[::1]:8080/a", "::1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]/a", "::ffff:127.0.0.1 is a loopback address"),
        ("http://[::ffff:a00:1]/a", "::ffff:10.0.0.1 is a private address"),
        ("http://0.0.0.0/a", "0.0.0.0 is an unspecified address"),
        ("http://[::]/a", ":: is an unspecified address"),
        ("http://127.1.2.3/a", "127.1.2.3 is a loopback address"),
        ("http://2130706433/a", "resolves to 127.0.0.1, a loopback address"),
        ("http://10.0.0.1/a", "10.0.0.1 is a private address"),
        ("http://172.16.5.4/a", "172.16.5.4 is a private address"),
        ("https://192.168.1.1/a", "192.168.1.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://[fe80::1]/a", "fe80::1 is a link-local address"),
        ("http://[fd00::1]/a", "fd00::1 is a private address"),
        ("http://224.0.0.1/a", "224.0.0.1 is a multicast address"),
        ("http://100.64.0.1/a", "100.64.0.1 is not a public address"),
        ("http://intranet.example/a", "intranet.example resolves to 10.0.0.5, a private address"),
        ("http://mixed.example/a", "mixed.example resolves to 10.0.0.5, a private address"),
        ("http://mapped.example/a", "resolves to ::ffff:192.168.1.7, a private address"),
        ("http://metadata.example/a", "resolves to 169.254.169.254, a link-local address"),
    ],
)
def test_private_addresses_refused_before_connecting(
    url: str, reason: str, guarded: StoreConfig, fake_dns: None, connections: list[str]
) -> None:
    with pytest.raises(ParseError) as exc:
        read_url(url, guarded)
    assert reason in refusal(exc)
    assert connections == [], "refused before any connection"


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("93.184.216.34", None),
        ("2606:4700::1", None),
        ("64:ff9b::5db8:d822", None),  # NAT64 of a public IPv4 address
        ("64:ff9b::a00:1", "a private address"),  # NAT64 of 10.0.0.1
        ("2002:7f00:1::1", "a loopback address"),  # 6to4 of 127.0.0.1
        ("::ffff:169.254.1.1", "a link-local address"),
        ("255.255.255.255", "a private address"),
        ("240.0.0.1", "a private address"),
    ],
)
def test_address_classification(address: str, problem: str | None) -> None:
    assert web.address_problem(address) == problem


def test_flag_on_allows_loopback(site: _Site, tmp_path: Path) -> None:
    site.routes["/old"] = "/x"
    site.routes["/x"] = ARTICLE
    config = Settings(home=tmp_path / "home").store_config()  # conftest sets the flag
    assert config.allow_private_urls is True
    [doc] = read_url(f"{site.loopback}/old", config)
    assert doc.title == "Harbour reopens" and doc.url == f"{site.loopback}/x"


# ---- redirects ---------------------------------------------------------------------------------


def test_public_site_is_fetched_over_loopback_pinned_to_the_vetted_address(
    site: _Site, guarded: StoreConfig, trusted: list[str], connections: list[str]
) -> None:
    """The harness itself: news.example (which no DNS knows) is reached at the address the
    guard vetted, and same-host redirects are followed."""
    site.routes["/old"] = "/x"
    site.routes["/x"] = ARTICLE
    [doc] = read_url(f"{site.public}/old", guarded)
    assert doc.title == "Harbour reopens" and doc.url == f"{site.public}/x"
    assert site.requests == ["/old", "/x"]
    # one vetting per connection, and each connection went to the vetted address
    assert set(trusted) == {PUBLIC} and connections == ["127.0.0.1"] * len(trusted)


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("http://127.0.0.1:{port}/secret", "127.0.0.1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]:{port}/secret", "::ffff:127.0.0.1 is a loopback address"),
        ("http://localhost:{port}/secret", "localhost resolves to 127.0.0.1, a loopback"),
        ("http://10.0.0.1/admin", "10.0.0.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://intranet.example/wiki", "intranet.example resolves to 10.0.0.5, a private"),
    ],
)
def test_redirect_to_private_address_refused(
    target: str,
    reason: str,
    site: _Site,
    guarded: StoreConfig,
    trusted: list[str],
    connections: list[str],
) -> None:
    target = target.format(port=site.port)
    site.routes["/story"] = target
    site.routes["/secret"] = ARTICLE
    with pytest.raises(ParseError) as exc:
        read_url(f"{site.public}/story", guarded)
    message = refusal(exc)
    assert message.startswith(f"refused {target} (redirected from {site.public}/story): ")
    assert reason in message
    assert site.requests == ["/story"], "the first hop was fetched, the target never"
    assert connections == ["127.0.0.1"], "only the vetted first hop connected"
    assert trusted[0] == PUBLIC and len(trusted) == 2


def test_redirect_to_other_scheme_refused(
    site: _Site, guarded: StoreConfig, trusted: list[str]
) -> None:
    site.routes["/story"] = "file:///etc/passwd"
    with pytest.raises(ParseError, match="redirected to a non-http"):
        read_url(f"{site.public}/story", guarded)


def test_redirects_are_bounded(site: _Site, guarded: StoreConfig, trusted: list[str]) -> None:
    site.routes["/a"] = "/b"
    site.routes["/b"] = "/a"
    with pytest.raises(ParseError, match="too many redirects"):
        read_url(f"{site.public}/a", guarded)
    assert len(site.requests) == web.MAX_REDIRECTS + 1


# ---- feeds and ingest --------------------------------------------------------------------------


def test_feed_entry_on_private_address_reported_rest_read(
    site: _Site, guarded: StoreConfig, trusted: list[str], connections: list[str]
) -> None:
    site.routes["/feed.xml"] = (
        "application/rss+xml",
        (
            "<?xml version='1.0'?><rss version='2.0'><channel><title>Coast News</title>"
            f"<item><title>Inside</title><link>{site.loopback}/x</link></item>"
            f"<item><title>Harbour</title><link>{site.public}/x</link></item>"
            "</channel></rss>"
        ).encode(),
    )
    site.routes["/x"] = ARTICLE
    docs, errors = read_url_detailed(f"{site.public}/feed.xml", guarded)
    assert [d.title for d in docs] == ["Harbour reopens"]
    assert errors == [
        f"{site.loopback}/x: refused {site.loopback}/x: 127.0.0.1 is a loopback address {HINT}"
    ]
    assert site.requests == ["/feed.xml", "/x"]


def test_ingest_reports_refused_url_and_lands_the_rest(
    site: _Site, guarded: StoreConfig, tmp_path: Path, connections: list[str]
) -> None:
    site.routes["/x"] = ARTICLE
    good = tmp_path / "tide.txt"
    good.write_text(
        "Tide tables updated\n\nThe port authority published new tide tables on Friday, "
        "adding two extra measuring stations along the northern coast.\n"
    )
    store = ArticleStore(guarded, embeddings=HashEmbeddings())
    url = f"{site.loopback}/x"
    report = ingest([url, str(good)], store)
    assert report.added == 1, report.to_dict()
    [failure] = report.failed
    assert failure.path == url
    assert failure.error == f"refused {url}: 127.0.0.1 is a loopback address {HINT}"
    assert [a.origin for a in store.list_articles()] == [str(good)]
    assert site.requests == []
