"""Fetching URLs: one article page, or an RSS/Atom feed whose entries link to article pages.

Only http(s) is fetched. Bodies are streamed and cut off at ``max_file_bytes`` (after
decompression, so a gzip bomb stops early), and the whole fetch has a deadline of three times
``fetch_timeout_s`` on top of httpx's per-read timeout, so a slow-drip server cannot hang ingest.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import feedparser
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


def _client(config: StoreConfig) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(config.fetch_timeout_s),
        follow_redirects=True,
        headers={"User-Agent": USER_AGENT, "Accept": _ACCEPT},
    )


def fetch(client: httpx.Client, url: str, config: StoreConfig) -> Fetched:
    """GET ``url`` with the size cap and deadline; every failure becomes a ParseError."""
    limit = config.max_file_bytes
    deadline = time.monotonic() + _DEADLINE_FACTOR * config.fetch_timeout_s
    try:
        with client.stream("GET", url) as response:
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
    except httpx.TimeoutException:
        raise ParseError(f"timed out after {config.fetch_timeout_s:g} s fetching {url}") from None
    except httpx.TooManyRedirects:
        raise ParseError(f"too many redirects fetching {url}") from None
    except httpx.ConnectError as exc:
        raise ParseError(f"could not connect to {urlsplit(url).hostname}: {exc}") from None
    except httpx.UnsupportedProtocol:
        raise ParseError(f"{url} redirected to a non-http(s) URL") from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise ParseError(f"could not fetch {url}: {exc or type(exc).__name__}") from None


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
