"""Hostile input is inert: structure-aware fuzzing of every parser (HTML trees, feed XML, mutated
PDFs, JSONL objects), bombs and oversize input refused with a clear limit, script content never
stored, terminal escapes and rich markup never interpreted by the CLI, upload names that cannot
leave the data directory.

``tests/test_parsing_fuzz.py`` already throws random bytes at ``read_path``; this file builds
inputs that get past the first checks and into the parsers' real work.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.test_reliability import BRIEFBOT, cli_env
from tests.loopback import LoopbackServer, QuietHandler
from vectorstore.config import StoreConfig
from vectorstore.parsing import ParseError, read_path, read_url_detailed
from vectorstore.parsing.html import parse_html
from vectorstore.parsing.jsonl import parse_jsonl
from vectorstore.parsing.pdf import parse_pdf
from vectorstore.uploads import MAX_NAME_CHARS, safe_filename, save_upload

MARKER = "zqxmarker"  # never a real word: if it is stored, script/style content leaked
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples on every run: deterministic CI
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PER_EXAMPLE_S = 20.0  # "never a hang": generous for a loaded 2-core CI machine
CONFIG = StoreConfig(  # loopback test servers: private addresses allowed
    home=Path("/nonexistent-briefbot-home"), max_file_bytes=1_000_000, allow_private_urls=True
)


def bounded(fn, *args):  # type: ignore[no-untyped-def]
    """Call a parser: only ParseError may escape, and it must return within PER_EXAMPLE_S."""
    started = time.monotonic()
    try:
        return fn(*args)
    except ParseError as exc:
        assert str(exc)
        return None
    finally:
        assert time.monotonic() - started < PER_EXAMPLE_S, f"{fn.__name__} took too long"


# ---- local HTTP server ------------------------------------------------------------------------


class _Site:
    """Loopback HTTP server whose responses a test sets per path."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        site = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802
                status, headers, body = site.routes.get(self.path, (404, {}, b"not found"))
                headers = dict(headers)
                ctype = headers.pop("Content-Type", "text/html")
                self.reply(status, body, ctype, **headers)

        self.server = LoopbackServer(Handler).start()
        self.base = self.server.url

    def close(self) -> None:
        self.server.stop()


@pytest.fixture(scope="module")
def site() -> Iterator[_Site]:
    s = _Site()
    yield s
    s.close()


# ---- HTML structure fuzzing -------------------------------------------------------------------

_TEXT = st.one_of(
    st.sampled_from(
        [
            "The minister announced a new budget on Monday.",
            "Officials said the bridge would reopen in March.",
            "“We will not back down,” the union leader said.",
            "Share this article",
            "Cookie settings",
            "&amp; &lt;b&gt; &#0; &#x1b; &nbsp;",
            "]]> <!-- --> <![CDATA[ x ]]>",
            "\u202eevil\u202c",
        ]
    ),
    st.text(max_size=30),
)
_TAGS = st.sampled_from(
    [
        "div",
        "p",
        "span",
        "article",
        "main",
        "section",
        "header",
        "footer",
        "nav",
        "aside",
        "h1",
        "h2",
        "h3",
        "ul",
        "li",
        "table",
        "tr",
        "td",
        "a",
        "b",
        "i",
        "em",
        "strong",
        "blockquote",
        "figure",
        "figcaption",
        "form",
        "button",
        "time",
        "pre",
        "br",
        "hr",
        "img",
    ]
)
_ATTRS = st.dictionaries(
    st.sampled_from(["class", "id", "role", "hidden", "aria-hidden", "onclick", "href", "style"]),
    st.sampled_from(
        ["share", "cookie-banner", "content", "navigation", "true", "javascript:alert(1)", ""]
    ),
    max_size=3,
)
_INERT = st.sampled_from(["script", "style"]).map(
    lambda tag: f"<{tag}>var {MARKER} = 1; /* {MARKER} */</{tag}>"
)
_COMMENT = st.just(f"<!-- {MARKER} -->")


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    def render(args: tuple[str, dict[str, str], list[str], bool]) -> str:
        tag, attrs, kids, close = args
        attr_text = "".join(f' {k}="{v}"' for k, v in attrs.items())
        return f"<{tag}{attr_text}>" + "".join(kids) + (f"</{tag}>" if close else "")

    return st.tuples(_TAGS, _ATTRS, st.lists(children, max_size=4), st.booleans()).map(render)


HTML_BODY = st.recursive(st.one_of(_TEXT, _INERT, _COMMENT), _element, max_leaves=25)
HTML_DOC = st.tuples(
    st.sampled_from(["", "<!DOCTYPE html>", "<?xml version='1.0'?>"]),
    st.sampled_from(["", "<head><title>T &amp; x</title><meta property='og:title' content='x'>"]),
    st.lists(HTML_BODY, min_size=1, max_size=6),
    st.sampled_from(["", f'<script type=\'application/ld+json\'>{{"x": "{MARKER}"}}</script>']),
).map(lambda p: f"{p[0]}<html>{p[1]}<body>{''.join(p[2])}{p[3]}</body></html>")


@FUZZ
@given(HTML_DOC)
def test_html_structures_only_parse_error_and_no_script_text(html: str) -> None:
    doc = bounded(parse_html, html, "fuzz.html", CONFIG)
    if doc is not None:
        assert doc.text and doc.text == doc.text.strip()
        assert MARKER not in doc.text, "script/style/comment content was stored"
        assert "\x1b" not in doc.text and "\x00" not in doc.text


# ---- feed XML fuzzing --------------------------------------------------------------------------

_FEED_TEXT = st.one_of(
    _TEXT,
    st.just(f"<p>Officials met on Tuesday.</p><script>{MARKER}</script>"),
    st.just("<![CDATA[<b>bold</b> & unescaped < text]]>"),
    st.just("&undefined; &amp; &#1114112; &#xD800;"),
)
_LINKS = st.sampled_from(
    [
        "/article",
        "/missing",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "http://127.0.0.1:9/unreachable",
        "",
        "/feed",
    ]
)
_ENTRY = st.tuples(_FEED_TEXT, _LINKS, st.lists(_FEED_TEXT, max_size=8), _FEED_TEXT)


def _render_feed(kind: str, entries: list, cut: int | None) -> str:
    if kind == "rss":
        items = "".join(
            f"<item><title>{t}</title><link>{link}</link>"
            f"<description><![CDATA[{''.join(body)}]]></description><pubDate>{d}</pubDate></item>"
            for t, link, body, d in entries
        )
        xml = "<?xml version='1.0'?><rss version='2.0'><channel><title>Wire</title>"
        xml += f"{items}</channel></rss>"
    else:
        items = "".join(
            f"<entry><title>{t}</title><link href='{link}'/><updated>{d}</updated>"
            f"<content type='html'>{''.join(body)}</content></entry>"
            for t, link, body, d in entries
        )
        xml = f"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>W</title>{items}</feed>"
    return xml[:cut] if cut else xml


FEED = st.builds(
    _render_feed,
    st.sampled_from(["rss", "atom"]),
    st.lists(_ENTRY, min_size=0, max_size=4),
    st.one_of(st.none(), st.integers(min_value=10, max_value=2000)),
)
ARTICLE_PAGE = (
    b"<html><head><title>Harbour deal</title></head><body><article>"
    + b"<p>Dock workers in Portville returned to work on Monday after a two-week strike.</p>" * 5
    + b"<script>var leak = 'zqxmarker';</script></article></body></html>"
)


@settings(FUZZ, max_examples=40)
@given(FEED)
def test_feed_xml_only_parse_error_no_script_no_local_files(site: _Site, feed: str) -> None:
    site.routes["/feed"] = (200, {"Content-Type": "application/rss+xml"}, feed.encode())
    site.routes["/article"] = (200, {"Content-Type": "text/html"}, ARTICLE_PAGE)
    result = bounded(read_url_detailed, f"{site.base}/feed", CONFIG)
    if result is not None:
        docs, errors = result
        for doc in docs:
            assert doc.text and MARKER not in doc.text
            assert "root:x:0:0" not in doc.text, "a feed link read a local file"
            assert (doc.url or "").startswith(("http://", "https://")) or doc.url is None


# ---- PDF byte mutation ---------------------------------------------------------------------------


def _small_pdf() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    pdf.setTitle("Harbour strike ends")
    pdf.setAuthor("Jane Doe")
    y = 800
    for line in (
        "Harbour strike ends",
        "Dock workers in Portville returned to work on Monday after a two-week strike.",
        "The union said the new contract raises wages by 7 percent.",
    ):
        pdf.drawString(72, y, line)
        y -= 20
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


BASE_PDF = _small_pdf()
_MUTATION = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, len(BASE_PDF) - 1), st.integers(1, 255)),
    st.tuples(st.just("cut"), st.integers(0, len(BASE_PDF) - 1), st.integers(1, 400)),
    st.tuples(st.just("insert"), st.integers(0, len(BASE_PDF) - 1), st.binary(max_size=40)),
    st.tuples(st.just("truncate"), st.integers(8, len(BASE_PDF) - 1), st.none()),
    st.tuples(
        st.just("patch"),
        st.integers(0, len(BASE_PDF) - 1),
        st.sampled_from(
            [b"/Length 999999999", b"9999999999 0 R", b"/Encrypt 1 0 R", b"<<<<<<<<", b"stream"]
        ),
    ),
)


def _mutate(data: bytes, mutations: list) -> bytes:
    out = bytearray(data)
    for kind, pos, arg in mutations:
        pos = min(pos, max(len(out) - 1, 0))
        if kind == "flip" and out:
            out[pos] ^= arg
        elif kind == "cut":
            del out[pos : pos + arg]
        elif kind in ("insert", "patch"):
            out[pos:pos] = arg
        elif kind == "truncate":
            del out[pos:]
    return bytes(out)


@FUZZ
@given(st.lists(_MUTATION, min_size=1, max_size=4))
def test_mutated_pdfs_only_parse_error(mutations: list) -> None:
    doc = bounded(parse_pdf, _mutate(BASE_PDF, mutations), "fuzz.pdf", CONFIG)
    if doc is not None:
        assert doc.text and doc.text == doc.text.strip()


def test_the_unmutated_pdf_parses() -> None:
    doc = parse_pdf(BASE_PDF, "ok.pdf", CONFIG)
    assert "two-week strike" in doc.text and doc.author == "Jane Doe"


# ---- JSONL objects ----------------------------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_FIELD = st.sampled_from(["title", "body", "source", "author", "published_at", "url", "language"])
_ARTICLE_OBJ = st.dictionaries(
    _FIELD,
    st.one_of(
        _JSON,
        st.just("Officials said the bridge would reopen in March. It cost $4m."),
        st.just("\u001b[2J[bold red]x[/]"),
        st.just("javascript:alert(1)"),
    ),
    max_size=7,
)
_LINE = st.one_of(
    _ARTICLE_OBJ.map(json.dumps),
    _ARTICLE_OBJ.map(lambda o: json.dumps(o, ensure_ascii=False)),
    _JSON.map(json.dumps),
    st.text(max_size=60),
)


@FUZZ
@given(st.lists(_LINE, max_size=8))
def test_jsonl_objects_never_raise(lines: list[str]) -> None:
    started = time.monotonic()
    docs, errors = parse_jsonl("\n".join(lines), "fuzz.jsonl", CONFIG)
    assert time.monotonic() - started < PER_EXAMPLE_S
    for doc in docs:
        assert doc.text and isinstance(doc.text, str) and "\x1b" not in doc.text
        assert doc.url is None or doc.url.startswith(("http://", "https://"))
    assert all(e.startswith("line ") for e in errors)


def test_jsonl_nested_deeply_is_a_parse_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text('{"body": ' + "[" * 200_000 + "]" * 200_000 + "}\n")
    started = time.monotonic()
    with pytest.raises(ParseError, match="nested too deeply"):
        read_path(path, CONFIG)
    assert time.monotonic() - started < PER_EXAMPLE_S


# ---- bombs and limits -------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".txt", ".html", ".md", ".jsonl"])
def test_archive_bombs_renamed_as_text_are_refused_unopened(tmp_path: Path, suffix: str) -> None:
    gz = tmp_path / f"gzip-bomb{suffix}"
    gz.write_bytes(gzip.compress(b"A" * 20_000_000))  # 20 MB of "A" in ~20 KB
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.txt", b"A" * 20_000_000)
    zp = tmp_path / f"zip-bomb{suffix}"
    zp.write_bytes(buf.getvalue())
    for path in (gz, zp):
        started = time.monotonic()
        with pytest.raises(ParseError, match="binary file .*(gzip|ZIP)"):
            read_path(path, CONFIG)
        assert time.monotonic() - started < 2


def test_oversize_file_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "huge.html"
    with big.open("wb") as handle:  # sparse: 3 GB that take no disk
        handle.truncate(3 * 1024**3)
    with pytest.raises(
        ParseError, match=r"3 GB, over the 976.6 KB limit \(BRIEFBOT_MAX_FILE_BYTES\)"
    ):
        read_path(big, CONFIG)


def test_gzip_response_inflating_past_the_limit_is_cut_off(site: _Site) -> None:
    """``Content-Encoding: gzip`` that inflates to 64 MB: refused at the 1 MB limit, with bounded
    memory (the body is never inflated whole) and quickly."""
    bomb = gzip.compress(b"<html><body><p>" + b"A" * 64_000_000 + b"</p></body></html>", 9)
    site.routes["/bomb"] = (200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, bomb)
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(ParseError, match="over the 976.6 KB limit"):
            read_url_detailed(f"{site.base}/bomb", CONFIG)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 15
    assert peak < 200 * 1024**2, f"inflated {peak / 1e6:.0f} MB"


def _lol_entities(levels: int = 9) -> str:
    """The billion-laughs DTD: ``&lol9;`` expands to 10**9 "lol"s."""
    return '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)
    )


def test_billion_laughs_feed_is_not_expanded(site: _Site) -> None:
    entities = _lol_entities()
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]><rss version="2.0"><channel>'
        "<title>&lol9;</title><item><title>&lol9;</title><link>/missing</link><description>&lol9; "
        + "Officials said the bridge would reopen in March. " * 10
        + "</description></item></channel></rss>"
    ).encode()
    site.routes["/lol"] = (200, {"Content-Type": "application/rss+xml"}, body)
    tracemalloc.start()
    try:
        result = bounded(read_url_detailed, f"{site.base}/lol", CONFIG)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 300 * 1024**2
    for doc in result[0] if result else []:
        assert len(doc.text) < 10_000 and len(doc.title or "") < 10_000


def test_billion_laughs_html_file_is_not_expanded(tmp_path: Path) -> None:
    entities = _lol_entities()
    path = tmp_path / "lol.html"
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE html [{entities}]><html><body><p>&lol9;</p>'
        + "<p>Officials said the bridge would reopen in March.</p>" * 5
        + "</body></html>"
    )
    docs = bounded(read_path, path, CONFIG)
    assert docs and len(docs[0].text) < 10_000


def test_huge_single_line_is_refused_or_stored_within_limits(tmp_path: Path) -> None:
    over = tmp_path / "over.txt"
    over.write_text("word " * 500_000)  # 2.5 M characters, one line
    with pytest.raises(ParseError, match="over the 2,000,000 character limit"):
        read_path(over, StoreConfig(home=tmp_path, max_file_bytes=10_000_000))
    from vectorstore.chunking import chunk_article

    under = tmp_path / "under.txt"
    under.write_text("Headline\n\n" + "word " * 300_000)  # 1.5 M characters, no sentence end
    started = time.monotonic()
    doc = read_path(under, StoreConfig(home=tmp_path, max_file_bytes=10_000_000))[0]
    chunks = chunk_article("x", doc.text)
    assert time.monotonic() - started < PER_EXAMPLE_S
    assert all(doc.text[c.start : c.end] == c.text for c in chunks)


DEEP_HTML = (
    "<html><body>"
    + "<div>" * 100_000
    + "Officials said the bridge would reopen in March. " * 10
    + "</div>" * 100_000
    + "</body></html>"
)


def test_deeply_nested_html_is_refused_or_parsed_quickly(tmp_path: Path) -> None:
    """Run in a child process so that a hang is a failure here, not a stuck test run."""
    path = tmp_path / "deep.html"
    path.write_text(DEEP_HTML)
    code = (
        "import sys; from pathlib import Path; from vectorstore.config import StoreConfig;"
        "from vectorstore.parsing import read_path, ParseError\n"
        "try: read_path(Path(sys.argv[1]), StoreConfig(home=Path(sys.argv[1]).parent))\n"
        "except ParseError: pass"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(path)],
            capture_output=True,
            text=True,
            timeout=10,
            env=cli_env(tmp_path),
        )
    except subprocess.TimeoutExpired:
        pytest.fail("parsing 100k nested <div>s took over 10 s")
    assert done.returncode == 0, done.stderr[-2000:]


# ---- script content and terminal control --------------------------------------------------------

ARTICLE_PARAGRAPHS = (
    "<h1>Harbour deal</h1>"
    "<p>Dock workers in Portville returned to work on Monday after a two-week strike.</p>"
    "<p>The union said the new contract raises wages by 7 percent, [bold red]x[/] included.</p>"
    "<p>Port officials said ships queued outside the harbour would be unloaded by Friday.</p>"
    "{hidden}"
    "<p>Further talks are planned for next month with the port authority.</p>"
)
HIDDEN = {
    "script": f"<script>document.write('{MARKER}')</script>",
    "style": f"<style>body::after{{content:'{MARKER}'}}</style>",
    "json-ld": f'<script type="application/ld+json">{{"@type": "NewsArticle", "articleBody": '
    f'"{MARKER}"}}</script>',
    "event handler": f"<p onclick=\"alert('{MARKER}')\">Shipping resumed at dawn.</p>",
    "javascript link": f"<p><a href=\"javascript:alert('{MARKER}')\">Read more</a> here.</p>",
    "noscript": f"<noscript>{MARKER}</noscript>",
    "iframe": f"<iframe src='https://evil.test/'>{MARKER}</iframe>",
    "svg script": f"<svg><script>{MARKER}</script></svg>",
    "comment": f"<!-- {MARKER} -->",
    "template": f"<template><p>{MARKER}</p></template>",
}


@pytest.mark.parametrize(
    "kind",
    list(HIDDEN),
)
def test_script_and_hidden_content_never_stored(tmp_path: Path, kind: str) -> None:
    page = "<!DOCTYPE html><html><head><title>Harbour deal</title></head><body><article>"
    page += ARTICLE_PARAGRAPHS.format(hidden=HIDDEN[kind]) + "</article></body></html>"
    path = tmp_path / "article.html"
    path.write_text(page)
    doc = read_path(path, CONFIG)[0]
    assert "two-week strike" in doc.text
    assert MARKER not in doc.text, f"{kind} content was stored"
    assert "[bold red]x[/]" in doc.text  # kept verbatim, as text: quotes are checked against it


def test_store_refuses_control_characters_and_strips_them_from_metadata(tmp_path: Path) -> None:
    from tests.fakes import HashEmbeddings
    from tests.integration.test_reliability import story
    from vectorstore.models import Article
    from vectorstore.store import ArticleStore

    store = ArticleStore(StoreConfig(home=tmp_path / "home"), embeddings=HashEmbeddings())
    article, chunks = story(0, 0)
    bad_text = Article(**{**article.to_dict(), "text": "Clear \x1b[2J screen."})
    with pytest.raises(ValueError, match="control character U\\+001B"):
        store.put(bad_text, chunks)
    titled = Article(**{**article.to_dict(), "title": "Evil \x1b]8;;http://evil.test\x07t\x9b2J"})
    store.put(titled, chunks)
    stored = store.get_article(article.id)
    assert stored is not None and "\x1b" not in stored.title and "\x9b" not in stored.title


def test_cli_prints_articles_as_inert_text(tmp_path: Path) -> None:
    """Rich markup and terminal escapes in an article reach the terminal as plain characters:
    ``show`` prints text, ``articles`` renders titles as Text, escapes never survive."""
    home = tmp_path / "home"
    feed = tmp_path / "hostile.jsonl"
    evil = "\x1b[2J\x1b]8;;http://evil.test\x07click\x1b]8;;\x07\x07\r"
    feed.write_text(
        json.dumps(
            {
                "title": f"[bold red]x[/] Harbour {evil}deal",
                "source": "[link=http://evil.test]Wire[/link]",
                "body": "Dock workers returned to work on Monday after a two-week strike. "
                f"[bold red]x[/] The union {evil}said wages rise by 7 percent.",
            }
        )
        + "\n"
    )
    from vectorstore.ingest import ingest
    from vectorstore.store import ArticleStore

    report = ingest([str(feed)], ArticleStore(StoreConfig(home=home)))  # as `briefbot ingest`
    assert report.added == 1, report.to_dict()
    article_id = report.article_ids[0]
    env = cli_env(home, FORCE_COLOR="1", TERM="xterm-256color", COLUMNS="200")
    procs = [
        subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for args in ([BRIEFBOT, "show", article_id], [BRIEFBOT, "articles"])
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    shown, listed = (
        subprocess.CompletedProcess(p.args, p.returncode, *out)
        for p, out in zip(procs, outputs, strict=True)
    )
    assert shown.returncode == 0 and listed.returncode == 0, shown.stderr + listed.stderr
    for out in (shown.stdout, listed.stdout):
        assert "[bold red]x[/]" in out, "rich markup was interpreted"
        assert "\x1b[2J" not in out and "\x1b]8;;http://evil" not in out and "\x07" not in out
        assert "\r" not in out
    assert "\x1b" not in shown.stdout


def test_terminal_safe_strips_every_kind_of_escape() -> None:
    from bot.redact import terminal_safe

    text = (
        "a\x1b[31mred\x1b[0m b\x1b]8;;http://evil.test\x07link\x1b]8;;\x07 c\x1b]0;title\x1b\\ "
        "d\x9b2J e\x07f\x08g\rh\x00i\u202eevil\u202c\tj\nk"
    )
    assert terminal_safe(text) == "ared blink c d efghievil\tj\nk"


# ---- upload names ------------------------------------------------------------------------------

HOSTILE_NAMES = [
    "../../etc/passwd",
    "/abs/path/report.html",
    "..\\..\\windows\\system32\\evil.txt",
    "C:\\Users\\x\\notes.md",
    "good\x00.txt",
    "bad\nname\r.txt",
    "\u202egnp.txt",
    "．．／．．／etc／passwd",
    "..",
    ".",
    "",
    "   ",
    ".hidden.txt",
    "-rf.txt",
    "CON.txt",
    "a" * 5000 + ".html",
    "%2e%2e%2fetc%2fpasswd",
    "uploads/../../x.txt",
    "~/.ssh/authorized_keys",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_save_upload_stays_inside_uploads(tmp_path: Path, name: str) -> None:
    home = tmp_path / "home"
    path = save_upload(home, name, b"data")
    uploads = (home / "uploads").resolve()
    assert path.parent == uploads and path.resolve().is_relative_to(uploads)
    assert path.read_bytes() == b"data"
    assert not path.name.startswith((".", "-")) and path.name.strip() == path.name
    assert len(path.name) <= MAX_NAME_CHARS
    assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in path.name)
    assert "/" not in path.name and "\\" not in path.name
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [path.name]


def test_save_upload_keeps_type_and_never_overwrites(tmp_path: Path) -> None:
    first = save_upload(tmp_path, "Report 2023.pdf", b"one")
    second = save_upload(tmp_path, "../Report 2023.pdf", b"two")
    third = save_upload(tmp_path, "Report 2023.pdf", b"three")
    assert first.name == "Report 2023.pdf"
    assert (second.name, third.name) == ("Report 2023-2.pdf", "Report 2023-3.pdf")
    assert [p.read_bytes() for p in (first, second, third)] == [b"one", b"two", b"three"]
    assert safe_filename("\u200b.txt") == "upload.txt"
    assert not list((tmp_path / "uploads").glob(".tmp-*"))


def test_save_upload_does_not_follow_a_planted_symlink(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "uploads").mkdir(parents=True)
    outside = tmp_path / "outside.txt"
    outside.write_text("precious")
    os.symlink(outside, home / "uploads" / "note.txt")
    path = save_upload(home, "note.txt", b"attack")
    assert outside.read_text() == "precious"
    assert path.name == "note-2.txt" and path.read_bytes() == b"attack"


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(max_size=300))
def test_safe_filename_any_text(name: str) -> None:
    safe = safe_filename(name)
    assert safe and len(safe) <= MAX_NAME_CHARS
    assert "/" not in safe and "\\" not in safe and "\x00" not in safe
    assert not safe.startswith((".", "-", " ")) and safe not in (".", "..")


def test_cli_ingest_report_does_not_echo_escapes_from_file_names(tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "evil\x1b[2J\x1b]8;;evil.test\x07.txt").write_bytes(b"")
    done = subprocess.run(
        [BRIEFBOT, "ingest", str(folder)],
        env=cli_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "failed:" in done.stdout
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
