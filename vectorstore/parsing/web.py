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
from .metadata import clean_field, detect_language, normalize_date
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


def _client(config: StoreConfig) -> httpx.Client:
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


def fetch(client: httpx.Client, url: str, config: StoreConfig) -> Fetched:
    """GET ``url`` with the size cap and deadline, following at most ``MAX_REDIRECTS``
    redirects one hop at a time; every failure becomes a ParseError."""
    limit = config.max_file_bytes
    deadline = time.monotonic() + _DEADLINE_FACTOR * config.fetch_timeout_s
    current = url
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            with client.stream("GET", current) as response:
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


def _read_feed(
    client: httpx.Client, feed: Fetched, origin: str, config: StoreConfig
) -> tuple[list[ParsedDocument], list[str]]:
    try:
        parsed = feedparser.parse(
            feed.data,
            response_headers={"content-location": feed.url, "content-type": feed.content_type},
        )
    except Exception as exc:  # noqa: BLE001 - feedparser is lenient, but never crash on a feed
        raise ParseError(f"malformed feed {origin}: {exc}") from None
    entries = list(parsed.get("entries") or [])
    if not entries:
        reason = f" ({parsed.get('bozo_exception')})" if parsed.get("bozo") else ""
        raise ParseError(f"feed {origin} has no entries{reason}")
    feed_title = clean_field((parsed.get("feed") or {}).get("title"))
    docs: list[ParsedDocument] = []
    errors: list[str] = []
    if len(entries) > MAX_FEED_ENTRIES:
        errors.append(
            f"{origin}: only the first {MAX_FEED_ENTRIES} of {len(entries)} entries were read"
        )
    seen: set[str] = set()
    for number, entry in enumerate(entries[:MAX_FEED_ENTRIES], start=1):
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
        try:
            if not link:
                raise ParseError("entry has no link")
            page = fetch(client, check_url(link), config)
            if is_feed(page):
                raise ParseError("entry link is another feed, not an article")
            doc = parse_page(page, link, config)
            filled = {k: v for k, v in meta.items() if v and not getattr(doc, k)}
            docs.append(dataclasses.replace(doc, **filled))
        except ParseError as exc:
            fallback = _entry_content_doc(entry, link, meta, origin, config)
            if fallback:
                log.warning("feed entry %s: %s; using the feed's own text instead", link, exc)
                docs.append(fallback)
            else:
                errors.append(f"{link or f'entry {number}'}: {exc}")
    if not docs:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ParseError(f"no usable articles in feed {origin}: {errors[0]}{more}")
    return docs, errors


def read_url_detailed(url: str, config: StoreConfig) -> tuple[list[ParsedDocument], list[str]]:
    """Fetch an article page or a feed -> (documents, per-entry error strings)."""
    url = check_url(url)
    with _client(config) as client:
        fetched = fetch(client, url, config)
        if is_feed(fetched):
            return _read_feed(client, fetched, url, config)
        return [parse_page(fetched, url, config)], []
