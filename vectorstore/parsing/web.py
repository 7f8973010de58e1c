"""Fetching URLs: one article page, or an RSS/Atom feed whose entries link to article pages.

Only http(s) is fetched. Bodies are streamed and cut off at ``max_file_bytes`` (after
decompression, so a gzip bomb stops early), and the whole fetch has a deadline of three times
``fetch_timeout_s`` on top of httpx's per-read timeout, so a slow-drip server cannot hang ingest.

Safe fetching: unless ``StoreConfig.allow_private_urls`` (``BRIEFBOT_ALLOW_PRIVATE_URLS=1``),
a fetch never connects to a loopback, private, link-local, multicast, reserved or unspecified
address. The check lives where the connection is made (``_GuardedBackend.connect_tcp``): the
host is resolved once, every address it resolves to must be public, and the socket connects to
one of exactly those addresses, so a DNS answer that changes between check and connect
(rebinding) cannot slip through. Redirects are followed here, one hop at a time (at most
``MAX_REDIRECTS``), so every hop's URL is checked (http/https only) and its connection vetted.
Environment proxies (``HTTP_PROXY``...) are not used while the guard is on: a proxy resolves
names itself, out of sight of the check.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import re
import socket
import time
import typing
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import feedparser
import httpcore
import httpx

from vectorstore.config import StoreConfig
from vectorstore.models import ParsedDocument

from .decode import decode_bytes, sniff_binary, sniff_meta_charset
from .errors import ParseError, check_file_size, format_size
from .html import html_fragment_to_text, is_html, parse_html
from .language import detect_language
from .metadata import clean_field, normalize_date
from .pdf import parse_pdf
from .text import parse_text, shorten_title

log = logging.getLogger(__name__)

USER_AGENT = "Briefbot/0.1 (article ingest; +https://github.com/briefbot)"
_ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5"
)
_FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+xml",
)
_NOT_ARTICLE_TYPES = ("image/", "audio/", "video/", "font/", "model/", "application/json",
                      "application/zip", "application/gzip", "application/javascript",
                      "text/javascript", "text/css", "application/wasm")  # fmt: skip
MAX_FEED_ENTRIES = 200
MIN_FALLBACK_CHARS = 280  # an entry summary shorter than this is a teaser, not an article
_DEADLINE_FACTOR = 3
MAX_REDIRECTS = 10
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_ALLOW_HINT = "set BRIEFBOT_ALLOW_PRIVATE_URLS=1 to allow private addresses"
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclasses.dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    content_type: str  # lower-cased media type without parameters
    charset: str | None
    data: bytes
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    """Validators for a conditional GET (``If-None-Match``/``If-Modified-Since``); a 304
    answer has ``status`` 304 and no data."""


def check_url(url: str) -> str:
    """Return the stripped URL or raise ParseError for anything but http(s) with a host."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise ParseError(f"invalid URL {url!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if not scheme:
        raise ParseError(f"not a URL: {url!r} (expected http:// or https://)")
    if scheme not in ("http", "https"):
        raise ParseError(
            f"unsupported URL scheme '{scheme}:' (only http and https URLs are fetched)"
        )
    if not parts.hostname:
        raise ParseError(f"URL has no host: {url!r}")
    return url


class UnsafeAddress(ParseError):
    """A host resolved to an address the fetcher refuses; ``reason`` says which and why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def address_problem(address: str) -> str | None:
    """Why ``address`` must not be fetched from (``"a loopback address"``...), or None.

    IPv4 addresses carried inside IPv6 (IPv4-mapped ``::ffff:a.b.c.d``, 6to4, NAT64) are judged
    by the IPv4 address they carry.
    """
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address)
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    checks = (
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_private, "a private address"),
        (ip.is_reserved, "a reserved address"),
        (not ip.is_global, "not a public address"),
    )
    return next((label for bad, label in checks if bad), None)


def _resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (an IP literal resolves to itself), in DNS order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
    addresses: list[str] = []
    for *_, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def _same_address(host: str, address: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")) == ipaddress.ip_address(address)
    except ValueError:
        return False


def vet_host(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, or UnsafeAddress if ANY of them is not public."""
    addresses = _resolve(host, port)
    for address in addresses:
        problem = address_problem(address)
        if problem and _same_address(host, address):
            raise UnsafeAddress(f"{address} is {problem}")
        if problem:
            raise UnsafeAddress(f"{host} resolves to {address}, {problem}")
    if not addresses:
        raise httpcore.ConnectError(f"cannot resolve {host}: no addresses")
    return addresses


class _GuardedBackend(httpcore.SyncBackend):
    """Connects only to vetted public addresses: resolve once, check all, connect to those."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        last: Exception | None = None
        for address in vet_host(host, port):  # the connection is pinned to a vetted address
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last


def _guarded_transport() -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport()
    # httpx has no public way to give its pool a network backend: replace the pool it built by
    # the same pool over the guarded backend (checked, so an httpx upgrade cannot drop the guard)
    if not isinstance(getattr(transport, "_pool", None), httpcore.ConnectionPool):
        raise RuntimeError("httpx internals changed: cannot install the private-address guard")
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(), network_backend=_GuardedBackend()
    )
    return transport


def client_for(config: StoreConfig) -> httpx.Client:
    """Redirects are followed by ``fetch`` (each hop checked); with the guard on, the client has
    an explicit transport, so httpx also ignores proxy environment variables."""
    return httpx.Client(
        timeout=httpx.Timeout(config.fetch_timeout_s),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT, "Accept": _ACCEPT},
        transport=None if config.allow_private_urls else _guarded_transport(),
    )


def _redirect_target(current: str, location: str) -> str:
    target = urljoin(current, location.strip())
    try:
        return check_url(target)
    except ParseError:
        raise ParseError(f"{current} redirected to a non-http(s) URL") from None


def fetch(
    client: httpx.Client,
    url: str,
    config: StoreConfig,
    headers: typing.Mapping[str, str] | None = None,
) -> Fetched:
    """GET ``url`` with the size cap and deadline, following at most ``MAX_REDIRECTS``
    redirects one hop at a time; every failure becomes a ParseError. ``headers`` are sent with
    every hop (a conditional GET's validators)."""
    limit = config.max_file_bytes
    deadline = time.monotonic() + _DEADLINE_FACTOR * config.fetch_timeout_s
    current = url
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            with client.stream("GET", current, headers=headers) as response:
                location = response.headers.get("location")
                if response.status_code in _REDIRECT_CODES and location:
                    current = _redirect_target(current, location)
                    continue
                return _read_body(response, current, limit, deadline)
        raise ParseError(f"too many redirects fetching {url}")
    except UnsafeAddress as exc:
        via = f" (redirected from {url})" if current != url else ""
        raise ParseError(f"refused {current}{via}: {exc.reason} ({_ALLOW_HINT})") from None
    except httpx.TimeoutException:
        raise ParseError(f"timed out after {config.fetch_timeout_s:g} s fetching {url}") from None
    except httpx.ConnectError as exc:
        raise ParseError(f"could not connect to {urlsplit(current).hostname}: {exc}") from None
    except httpx.UnsupportedProtocol:
        raise ParseError(f"{url} redirected to a non-http(s) URL") from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise ParseError(f"could not fetch {url}: {exc or type(exc).__name__}") from None


def _read_body(response: httpx.Response, url: str, limit: int, deadline: float) -> Fetched:
    if response.status_code >= 400:
        raise ParseError(f"HTTP {response.status_code} from {url}")
    length = response.headers.get("content-length", "")
    if length.isdigit():
        check_file_size(int(length), limit, what="response")
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > limit:
            raise ParseError(
                f"response from {url} is over the {format_size(limit)} limit "
                "(BRIEFBOT_MAX_FILE_BYTES)"
            )
        if time.monotonic() > deadline:
            raise ParseError(f"timed out reading {url}")
    media, _, params = response.headers.get("content-type", "").partition(";")
    charset = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", params, re.I)
    return Fetched(
        url=str(response.url),
        content_type=media.strip().lower(),
        charset=charset.group(1) if charset else None,
        data=bytes(body),
        status=response.status_code,
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
    )


def is_feed(fetched: Fetched) -> bool:
    """RSS/Atom by content type, or by sniffing the first element for XML-ish types."""
    if fetched.content_type in _FEED_TYPES:
        return True
    head = fetched.data[:4096].decode("utf-8", "replace").lower()
    match = re.search(r"<(rss|feed|rdf:rdf|html|!doctype\s+html|body)\b", head)
    return bool(match) and match.group(1) in ("rss", "feed", "rdf:rdf")


def parse_page(fetched: Fetched, origin: str, config: StoreConfig) -> ParsedDocument:
    """A fetched non-feed response -> ParsedDocument (HTML, PDF or plain text)."""
    if fetched.content_type == "application/pdf" or fetched.data[:5] == b"%PDF-":
        doc = parse_pdf(fetched.data, origin, config)
        return dataclasses.replace(doc, url=doc.url or fetched.url)
    kind = sniff_binary(fetched.data)
    if kind:
        raise ParseError(f"binary response (looks like {kind}), not an article")
    if fetched.content_type.startswith(_NOT_ARTICLE_TYPES):
        raise ParseError(f"{fetched.url} is {fetched.content_type}, not an article page")
    declared = fetched.charset or sniff_meta_charset(fetched.data)
    text = decode_bytes(fetched.data, declared=declared, what="response")
    if fetched.content_type in ("text/plain", "text/markdown") and not is_html(text):
        doc = parse_text(text, origin, config, markdown=fetched.content_type == "text/markdown")
        return dataclasses.replace(doc, url=doc.url or fetched.url)
    return parse_html(text, origin, config, base_url=fetched.url)


def _entry_date(entry: feedparser.FeedParserDict) -> str | None:
    for key in ("published", "updated", "created"):
        found = normalize_date(entry.get(key))
        if found:
            return found
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                return normalize_date(datetime(*parsed[:6], tzinfo=UTC))
            except (TypeError, ValueError):
                continue
    return None


def _entry_metadata(
    entry: feedparser.FeedParserDict, link: str | None, feed_title: str | None
) -> dict:
    title = clean_field(entry.get("title"))
    return {
        "title": shorten_title(title) if title else None,
        "author": clean_field(entry.get("author")),
        "published_at": _entry_date(entry),
        "url": link,
        "source": feed_title,
    }


def _entry_content_doc(
    entry: feedparser.FeedParserDict, link: str | None, meta: dict, origin: str, config: StoreConfig
) -> ParsedDocument | None:
    """The entry's own content/summary as an article, if it is more than a teaser."""
    best = ""
    for content in entry.get("content") or []:
        value = content.get("value") if isinstance(content, dict) else None
        if isinstance(value, str) and len(value) > len(best):
            best = value
    summary = entry.get("summary")
    if isinstance(summary, str) and len(summary) > len(best):
        best = summary
    text = html_fragment_to_text(best) if best else ""
    if len(text) < MIN_FALLBACK_CHARS or len(text) > config.max_article_chars:
        return None
    return ParsedDocument(text=text, language=detect_language(text), origin=link or origin, **meta)


@dataclasses.dataclass(frozen=True)
class FeedEntry:
    """One entry of a parsed feed, before its article page is fetched."""

    number: int  # 1-based position in the feed
    link: str | None  # absolute
    key: str  # what identifies the entry across fetches: its link, else its id, else its title
    meta: dict
    raw: feedparser.FeedParserDict


def feed_entries(feed: Fetched, origin: str) -> tuple[list[FeedEntry], list[str]]:
    """The entries of a fetched feed (at most ``MAX_FEED_ENTRIES``, links de-duplicated) and
    notes on what was left out; ParseError when the feed is malformed or empty."""
    try:
        parsed = feedparser.parse(
            feed.data,
            response_headers={"content-location": feed.url, "content-type": feed.content_type},
        )
    except Exception as exc:  # noqa: BLE001 - feedparser is lenient, but never crash on a feed
        raise ParseError(f"malformed feed {origin}: {exc}") from None
    raw_entries = list(parsed.get("entries") or [])
    if not raw_entries:
        reason = f" ({parsed.get('bozo_exception')})" if parsed.get("bozo") else ""
        raise ParseError(f"feed {origin} has no entries{reason}")
    feed_title = clean_field((parsed.get("feed") or {}).get("title"))
    notes: list[str] = []
    if len(raw_entries) > MAX_FEED_ENTRIES:
        notes.append(
            f"{origin}: only the first {MAX_FEED_ENTRIES} of {len(raw_entries)} entries were read"
        )
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for number, entry in enumerate(raw_entries[:MAX_FEED_ENTRIES], start=1):
        raw_link = entry.get("link")
        link = (
            urljoin(feed.url, raw_link.strip())
            if isinstance(raw_link, str) and raw_link.strip()
            else None
        )
        if link in seen:
            continue
        if link:
            seen.add(link)
        meta = _entry_metadata(entry, link, feed_title)
        key = link or clean_field(entry.get("id")) or f"title:{meta['title'] or number}"
        entries.append(FeedEntry(number, link, key, meta, entry))
    return entries, notes


def read_entry(
    client: httpx.Client, entry: FeedEntry, origin: str, config: StoreConfig
) -> ParsedDocument:
    """The article of one feed entry: its linked page, else the feed's own text when that is
    more than a teaser; ParseError (the page's failure) when neither is usable."""
    try:
        if not entry.link:
            raise ParseError("entry has no link")
        page = fetch(client, check_url(entry.link), config)
        if is_feed(page):
            raise ParseError("entry link is another feed, not an article")
        doc = parse_page(page, entry.link, config)
        filled = {k: v for k, v in entry.meta.items() if v and not getattr(doc, k)}
        return dataclasses.replace(doc, **filled)
    except ParseError as exc:
        fallback = _entry_content_doc(entry.raw, entry.link, entry.meta, origin, config)
        if fallback is None:
            raise
        log.warning("feed entry %s: %s; using the feed's own text instead", entry.link, exc)
        return fallback


def _read_feed(
    client: httpx.Client, feed: Fetched, origin: str, config: StoreConfig
) -> tuple[list[ParsedDocument], list[str]]:
    entries, errors = feed_entries(feed, origin)
    docs: list[ParsedDocument] = []
    for entry in entries:
        try:
            docs.append(read_entry(client, entry, origin, config))
        except ParseError as exc:
            errors.append(f"{entry.link or f'entry {entry.number}'}: {exc}")
    if not docs:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ParseError(f"no usable articles in feed {origin}: {errors[0]}{more}")
    return docs, errors


def read_url_detailed(url: str, config: StoreConfig) -> tuple[list[ParsedDocument], list[str]]:
    """Fetch an article page or a feed -> (documents, per-entry error strings)."""
    url = check_url(url)
    with client_for(config) as client:
        fetched = fetch(client, url, config)
        if is_feed(fetched):
            return _read_feed(client, fetched, url, config)
        return [parse_page(fetched, url, config)], []
