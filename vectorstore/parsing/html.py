"""HTML article pages: trafilatura for the main text, our own reading of the meta tags.

Script, style and template content is data we never render: trafilatura drops it, the fallback
path deletes those elements before taking text, and JSON-LD is only ever ``json.loads``-ed for
metadata fields.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import urljoin, urlparse

import lxml.etree
import lxml.html
import trafilatura
from bs4 import BeautifulSoup, Tag

from vectorstore.config import StoreConfig
from vectorstore.models import ParsedDocument

from .clean import clean_text
from .errors import ParseError, check_article_length
from .language import detect_language
from .metadata import (
    clean_field,
    language_tag,
    normalize_date,
    split_publisher,
)
from .text import shorten_title

log = logging.getLogger(__name__)

_INVISIBLE = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "svg",
    "canvas",
    "object",
    "embed",
)
_FURNITURE = ("nav", "footer", "aside", "form", "button", "input", "select", "textarea", "figure")
_FURNITURE_ROLES = re.compile(
    r"^(navigation|banner|contentinfo|complementary|search|dialog)$", re.I
)
_FURNITURE_CLASS = re.compile(
    r"(^|[\s_-])(cookie|consent|share|sharing|social|newsletter|advert|ads?|promo|related|comments?"
    r"|subscribe|paywall|breadcrumbs?|sidebar|menu|masthead)([\s_-]|$)",
    re.I,
)
_BLOCKS = (
    "p", "div", "section", "article", "main", "header", "h1", "h2", "h3", "h4", "h5", "h6",
    "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "table", "tr", "figcaption",
    "address", "hr", "details", "summary",
)  # fmt: skip
_BREAK, _PARA = "\ue000", "\ue001"  # private-use sentinels, stripped from input first
_ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "blogposting", "webpage",
                  "analysisnewsarticle", "opinionnewsarticle", "report", "liveblogposting"}  # fmt: skip
_SHORT_EXTRACT = 200
# libxml2 stops building the tree at this depth; real articles stay far below it, while a
# document nested this deep makes BeautifulSoup's tree walks quadratic (a cheap DoS).
MAX_HTML_DEPTH = 255
_XML_INCOMPATIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "lxml")


def _blocks_to_text(root: Tag) -> str:
    """Text of ``root`` with block elements as paragraphs and ``<br>`` as line breaks."""
    for br in root.find_all("br"):
        br.replace_with(_BREAK)
    for block in root.find_all(_BLOCKS):
        block.insert_before(_PARA)
        block.insert_after(_PARA)
    paragraphs = []
    for raw in root.get_text().split(_PARA):
        para = re.sub(f" ?{_BREAK}+ ?", "\n", " ".join(raw.split())).strip()
        if para:
            paragraphs.append(para)
    return "\n\n".join(paragraphs)


def _strip_furniture(soup: BeautifulSoup | Tag, invisible_only: bool = False) -> None:
    for tag in soup.find_all(_INVISIBLE):
        tag.decompose()
    if invisible_only:
        return
    doomed = list(soup.find_all(_FURNITURE))
    for tag in soup.find_all(True):
        if not isinstance(tag, Tag) or tag.attrs is None:
            continue
        role = tag.get("role")
        classes = " ".join(tag.get("class") or []) + " " + str(tag.get("id") or "")
        if (
            (isinstance(role, str) and _FURNITURE_ROLES.match(role))
            or tag.get("aria-hidden") == "true"
            or tag.has_attr("hidden")
            or (
                tag.name not in ("html", "body", "article", "main")
                and _FURNITURE_CLASS.search(classes)
            )
        ):
            doomed.append(tag)
    for tag in doomed:
        if tag.parent is not None:  # may already be gone with an ancestor
            tag.decompose()


def fallback_text(html: str, containers: tuple[str, ...] = ("article", "main", "body")) -> str:
    """BeautifulSoup text of the first non-empty container, without page furniture."""
    soup = _soup(html.replace(_BREAK, "").replace(_PARA, ""))
    _strip_furniture(soup)
    for name in containers:
        node = soup.find(name)
        if isinstance(node, Tag):
            text = _blocks_to_text(node)
            if text.strip():
                return text
    return "" if "body" in containers or soup.find("html") else _blocks_to_text(soup)


def html_fragment_to_text(fragment: str) -> str:
    """An HTML snippet (a feed entry's content) -> clean text; plain text passes through."""
    if "<" not in fragment:
        return clean_text(fragment)
    soup = _soup(fragment.replace(_BREAK, "").replace(_PARA, ""))
    _strip_furniture(soup, invisible_only=True)
    return clean_text(_blocks_to_text(soup))


def _trafilatura_text(html: str, url: str | None) -> str:
    try:
        text = trafilatura.extract(
            html,
            url=url,
            output_format="txt",
            favor_precision=True,
            include_comments=False,
            include_tables=False,
            include_images=False,
            include_links=False,
            with_metadata=False,
        )
    except Exception as exc:  # noqa: BLE001 - a third-party parser bug means "use the fallback"
        log.debug("trafilatura failed: %s", exc)
        return ""
    # trafilatura puts one block per line; the store separates paragraphs with a blank line.
    return re.sub(r"\n+", "\n\n", text or "").strip()


# ---------------------------------------------------------------------------- metadata


def _meta_map(soup: BeautifulSoup) -> dict[str, str]:
    found: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = tag.get("property") or tag.get("name") or tag.get("itemprop") or tag.get("http-equiv")
        content = tag.get("content")
        if isinstance(key, str) and isinstance(content, str) and content.strip():
            found.setdefault(key.strip().lower(), content.strip())
    return found


def _json_ld_articles(soup: BeautifulSoup) -> list[dict[str, Any]]:
    """Article-like objects from JSON-LD blocks (parsed as data, never run)."""
    out: list[dict[str, Any]] = []

    def walk(node: Any, depth: int = 0) -> None:
        if depth > 6:
            return
        if isinstance(node, list):
            for item in node:
                walk(item, depth + 1)
        elif isinstance(node, dict):
            kind = node.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(isinstance(k, str) and k.lower() in _ARTICLE_TYPES for k in kinds):
                out.append(node)
            if "@graph" in node:
                walk(node["@graph"], depth + 1)

    for script in soup.find_all("script", attrs={"type": re.compile(r"ld\+json", re.I)}):
        try:
            walk(json.loads(script.string or ""))
        except Exception:  # noqa: BLE001 - broken JSON-LD is common and harmless
            continue
    # Prefer real articles over a generic WebPage.
    out.sort(key=lambda n: str(n.get("@type")).lower() == "webpage")
    return out


def _names(value: Any) -> str | None:
    """JSON-LD author/publisher: a string, {"name": ...} or a list of those."""
    if isinstance(value, str):
        return clean_field(value)
    if isinstance(value, dict):
        return clean_field(value.get("name"))
    if isinstance(value, list):
        names = [n for n in (_names(v) for v in value[:10]) if n]
        return ", ".join(dict.fromkeys(names)) or None
    return None


def _http_url(value: Any, base: str | None) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    url = urljoin(base, value.strip()) if base else value.strip()
    return url if urlparse(url).scheme in ("http", "https") and urlparse(url).netloc else None


def _strip_site_suffix(title: str, site: str | None) -> tuple[str, str | None]:
    if site:
        match = re.search(r"\s+(?:[–—|·]|-{1,2}|::)\s+" + re.escape(site) + r"\s*$", title)
        if match and title[: match.start()].strip():
            return title[: match.start()].strip(), site
    return split_publisher(title)


def html_metadata(soup: BeautifulSoup, base_url: str | None) -> dict[str, str | None]:
    """title, source, author, published_at, url and language from meta tags, JSON-LD, <title>."""
    meta = _meta_map(soup)
    ld = _json_ld_articles(soup)

    def first_ld(key: str) -> Any:
        for node in ld:
            if node.get(key):
                return node[key]
        return None

    title_tag = soup.find("title")
    h1 = soup.find("h1")
    raw_title = (
        meta.get("og:title")
        or meta.get("twitter:title")
        or clean_field(first_ld("headline"))
        or (clean_field(title_tag.get_text()) if title_tag else None)
        or (clean_field(h1.get_text()) if h1 else None)
    )
    site = clean_field(
        meta.get("og:site_name")
        or meta.get("publisher")
        or meta.get("application-name")
        or _names(first_ld("publisher"))
    )
    title, suffix = (
        _strip_site_suffix(" ".join(raw_title.split()), site) if raw_title else (None, None)
    )
    source = site or suffix

    author = None
    for key in (
        "author",
        "article:author",
        "parsely-author",
        "sailthru.author",
        "dc.creator",
        "byl",
    ):
        value = clean_field(meta.get(key))
        if value and not value.startswith(("http://", "https://")):
            author = re.sub(r"^by\s+", "", value, flags=re.I)
            break
    author = author or _names(first_ld("author"))

    published = None
    date_candidates = [meta.get(k) for k in (
        "article:published_time", "og:published_time", "datepublished", "date", "pubdate",
        "publishdate", "publish-date", "dc.date", "dc.date.issued", "dcterms.created",
        "dcterms.date", "parsely-pub-date", "sailthru.date",
    )]  # fmt: skip
    date_candidates.append(first_ld("datePublished"))
    for time_tag in soup.find_all("time", limit=5):
        date_candidates.append(time_tag.get("datetime"))
    for candidate in date_candidates:
        published = normalize_date(candidate)
        if published:
            break

    canonical = None
    for link in soup.find_all("link", href=True):
        rel = link.get("rel") or []
        if "canonical" in [r.lower() for r in (rel if isinstance(rel, list) else [rel])]:
            canonical = _http_url(link["href"], base_url)
            break
    main_entity = first_ld("mainEntityOfPage")
    url = (
        canonical
        or _http_url(meta.get("og:url"), base_url)
        or _http_url(first_ld("url"), base_url)
        or _http_url(
            main_entity.get("@id") if isinstance(main_entity, dict) else main_entity, base_url
        )
        or _http_url(base_url, None)
    )

    html_tag = soup.find("html")
    lang = language_tag(html_tag.get("lang") if isinstance(html_tag, Tag) else None)
    lang = lang or language_tag(meta.get("og:locale")) or language_tag(meta.get("content-language"))

    return {
        "title": title,
        "source": source,
        "author": author,
        "published_at": published,
        "url": url,
        "language": lang,
    }


def _tree_depth(root: lxml.html.HtmlElement) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        element, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in element)
    return deepest


def visible_html(html: str) -> str:
    """The page without script/style/template/... elements and comments, for text extraction.

    Refuses documents nested deeper than ``MAX_HTML_DEPTH`` (lxml parses them in linear time and
    stops at libxml2's depth limit, so this check is cheap even for hostile input).
    """
    html = _XML_INCOMPATIBLE.sub("", html)  # lxml refuses control characters; HTML ignores them
    try:
        root = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return html  # nothing lxml can read; the parsers below report it
    if _tree_depth(root) > MAX_HTML_DEPTH:
        raise ParseError(f"HTML nested more than {MAX_HTML_DEPTH} elements deep; refused")
    for element in root.iter():  # character references like &#x1b; decode to control chars
        if element.text and _XML_INCOMPATIBLE.search(element.text):
            element.text = _XML_INCOMPATIBLE.sub("", element.text)
        if element.tail and _XML_INCOMPATIBLE.search(element.tail):
            element.tail = _XML_INCOMPATIBLE.sub("", element.tail)
    doomed = [el for el in root.iter(lxml.etree.Comment, *_INVISIBLE)]
    for element in doomed:
        element.drop_tree()
    return lxml.html.tostring(root, encoding="unicode")


def parse_html(
    html: str, origin: str, config: StoreConfig, base_url: str | None = None
) -> ParsedDocument:
    """An HTML page -> ParsedDocument; ``base_url`` resolves relative canonical links."""
    visible = visible_html(html)
    text = clean_text(_trafilatura_text(visible, base_url))
    if len(text) < _SHORT_EXTRACT:
        fallback = clean_text(
            fallback_text(visible, ("article", "main") if text else ("article", "main", "body"))
        )
        if len(fallback) > len(text):
            text = fallback
    if not text:
        raise ParseError("no article text found in the HTML page")
    check_article_length(text, config.max_article_chars)
    meta = html_metadata(_soup(html), base_url)
    # Trust the text over <html lang> (sites mislabel translations), unless it is too short.
    detected = detect_language(text)
    trust_text = len(text) >= 200
    language = (detected or meta["language"]) if trust_text else (meta["language"] or detected)
    title = meta["title"]
    return ParsedDocument(
        text=text,
        title=shorten_title(title) if title else None,
        source=meta["source"],
        author=meta["author"],
        published_at=meta["published_at"],
        url=meta["url"],
        language=language,
        origin=origin,
    )


def is_html(text: str) -> bool:
    """Cheap sniff: does decoded text look like an HTML document?"""
    head = text[:2048].lstrip().lower()
    return head.startswith(
        ("<!doctype html", "<html", "<head", "<body", "<meta", "<title")
    ) or bool(re.search(r"<(html|body|article|p|div)[\s>]", head))
