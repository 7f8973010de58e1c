"""Parsing of local files: seeds, encodings, binary/empty/huge refusals, md, HTML, PDF, JSONL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.helpers import REPO, SEEDS
from vectorstore.config import StoreConfig
from vectorstore.parsing import (
    SUPPORTED_SUFFIXES,
    ParseError,
    clean_text,
    decode_bytes,
    read_path,
    read_path_detailed,
)
from vectorstore.parsing.errors import check_file_size
from vectorstore.parsing.metadata import normalize_date, split_publisher

DATA = REPO / "tests" / "data" / "parsing"
SEED_000 = SEEDS / "000_ba6495630248eccb.txt"
SEED_002 = SEEDS / "002_59e0cd0227b5c15e.txt"


@pytest.fixture
def config(tmp_path: Path) -> StoreConfig:
    return StoreConfig(home=tmp_path / "home")


def write(tmp_path: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def one(path: Path, config: StoreConfig):  # type: ignore[no-untyped-def]
    docs = read_path(path, config)
    assert len(docs) == 1
    return docs[0]


# ----------------------------------------------------------------------------- seeds


def test_supported_suffixes() -> None:
    assert frozenset({".txt", ".md", ".html", ".htm", ".pdf", ".jsonl"}) == SUPPORTED_SUFFIXES


def test_seed_000_title_no_source_and_see_also_removed(config: StoreConfig) -> None:
    raw = SEED_000.read_text(encoding="utf-8")
    doc = one(SEED_000, config)
    assert doc.title == "North Korea: Kim rejects US offer of dialogue"
    assert doc.source is None  # "told AFP" is not a publisher
    assert doc.language == "en"
    assert doc.origin == str(SEED_000)
    assert "See also" not in doc.text
    assert "floating dams" not in doc.text and "Moulin de Ponceau" not in doc.text
    sentence = (
        "The statements come after Kim Jong Un called the United States’ repeated offer of "
        "dialogue a “facade to hide their deceit and hostile acts, and a continuation of the "
        "hostile policies of previous administrations” during a speech-flowing before the "
        "Supreme People’s Assembly, the North Korean “parliament”, the official KCNA news "
        "agency reported on Thursday."
    )
    assert sentence in doc.text
    # Exactly the file minus the two "See also" paragraphs: nothing else is rewritten.
    expected = "\n\n".join(p for p in raw.strip().split("\n\n") if not p.startswith("See also"))
    assert doc.text == expected


def test_seed_002_skip_link_source_link_and_publisher(config: StoreConfig) -> None:
    raw = SEED_002.read_text(encoding="utf-8")
    doc = one(SEED_002, config)
    assert doc.title == (
        "Kim Jong-un wants to prepare as much “for dialogue as for confrontation” "
        "with the United States of Biden"
    )
    assert doc.source == "RT en français"
    assert "Skip to content" not in doc.text
    assert "Source link" not in doc.text
    # The headline line stays verbatim (publisher suffix included) as the first paragraph.
    assert doc.text.startswith(
        "Kim Jong-un wants to prepare as much “for dialogue as for confrontation” with the "
        "United States of Biden – RT en français\n\nThe leader of North Korea"
    )
    assert doc.text.endswith("intercontinental ballistic missiles (ICBMs).")
    sentence = (
        "Kim Jong-un stressed “the need to prepare as much for dialogue as for confrontation, "
        "in particular to be fully prepared for the confrontation”, reports the public news "
        "agency KCNA, specifying that these remarks were made in a speech on the strategy "
        "towards Washington at a plenary meeting of the Central Committee of the party."
    )
    assert sentence in doc.text
    expected = raw.removeprefix("Skip to content\n").removesuffix("\n\nSource link")
    assert doc.text == expected


# ----------------------------------------------------------------------------- cleaning


def test_clean_text_is_conservative() -> None:
    text = (
        "Skip to contentHeadline here\n\n"
        "Share this article\n"
        "First paragraph. See also the report, which says more.\n\n"
        "See also the annex published by the ministry last week.\n\n"
        "Read more: Another story entirely\n\n"
        "Advertisement\n\n"
        "We use cookies to improve your experience. Accept all cookies to continue.\n\n"
        "Follow us on Twitter and Facebook\n\n"
        "Subscribe to our newsletter\n\n\n\n\n"
        "“Quoted — text,” he said.Source link"
    )
    assert clean_text(text) == (
        "Headline here\n\n"
        "First paragraph. See also the report, which says more.\n\n"
        "See also the annex published by the ministry last week.\n\n"
        "“Quoted — text,” he said."
    )


def test_clean_text_normalizes() -> None:
    assert clean_text("a\r\nb\rc\u200bd\x00e\u2028f") == "a\nb\ncde\nf"
    assert clean_text("cafe\u0301") == "café"  # NFC
    assert clean_text("  \n\t\n") == ""


# ----------------------------------------------------------------------------- decoding


def test_latin1_and_cp1252(tmp_path: Path, config: StoreConfig) -> None:
    body = "Le café est très bon.\n\nÀ bientôt, garçon ! Le maître d’hôtel a dit « oui »."
    doc = one(
        write(tmp_path, "fr.txt", "Titre du café\n\n" + body, "cp1252"),
        config,
    )
    assert doc.title == "Titre du café"
    assert "Le café est très bon." in doc.text
    assert "d’hôtel" in doc.text
    short = one(write(tmp_path, "short.txt", "café", "latin-1"), config)
    assert short.text == "café"
    german = one(write(tmp_path, "de.txt", "Müller sagt: Grüße aus Köln", "latin-1"), config)
    assert german.text == "Müller sagt: Grüße aus Köln"


def test_other_single_byte_codepages_survive() -> None:
    polish = "Zażółć gęślą jaźń, powiedział minister w Warszawie."
    assert decode_bytes(polish.encode("cp1250")) == polish
    russian = "Привет, мир! Это тестовая статья о новостях дня."
    assert decode_bytes(russian.encode("cp1251")) == russian


def test_utf8_bom(tmp_path: Path, config: StoreConfig) -> None:
    doc = one(
        write(tmp_path, "bom.txt", b"\xef\xbb\xbfBig headline \xe2\x80\x93 Le Monde\n\nBody text."),
        config,
    )
    assert doc.text == "Big headline – Le Monde\n\nBody text."
    assert doc.title == "Big headline" and doc.source == "Le Monde"
    utf16 = decode_bytes("\ufeffHello – world".encode("utf-16"))
    assert utf16 == "Hello – world"


@pytest.mark.parametrize("content", [b"", b"   \n\t\r\n  \n", "\u200b\n".encode()])
def test_empty_and_whitespace_only(tmp_path: Path, config: StoreConfig, content: bytes) -> None:
    with pytest.raises(ParseError, match="^empty file$"):
        read_path(write(tmp_path, "empty.txt", content), config)


def test_binary_png(tmp_path: Path, config: StoreConfig) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    with pytest.raises(ParseError, match=r"^binary file \(looks like PNG image\), not an article$"):
        read_path(write(tmp_path, "photo.txt", png), config)
    with pytest.raises(ParseError, match="PNG image"):
        read_path(write(tmp_path, "photo.html", png), config)


def test_binary_random_with_nuls(tmp_path: Path, config: StoreConfig) -> None:
    import random

    rng = random.Random(7)
    data = bytes(rng.randrange(256) for _ in range(4096)) + b"\x00" * 8
    for suffix in (".txt", ".md", ".jsonl", ".htm"):
        with pytest.raises(ParseError, match="^binary file"):
            read_path(write(tmp_path, f"blob{suffix}", data), config)


def test_unsupported_suffix(tmp_path: Path, config: StoreConfig) -> None:
    with pytest.raises(ParseError, match=r"^unsupported file type \.docx$"):
        read_path(write(tmp_path, "report.docx", b"PK\x03\x04"), config)


def test_missing_file(tmp_path: Path, config: StoreConfig) -> None:
    with pytest.raises(ParseError, match="file not found"):
        read_path(tmp_path / "nope.txt", config)


# ----------------------------------------------------------------------------- limits


def test_huge_file_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small = StoreConfig(home=tmp_path, max_file_bytes=1000)
    path = write(tmp_path, "big.txt", "word " * 1000)

    def no_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was opened despite being over the limit")

    monkeypatch.setattr(Path, "open", no_open)
    with pytest.raises(ParseError, match=r"^file is 4\.9 KB, over the 1000 bytes limit"):
        read_path(path, small)


def test_size_message_format() -> None:
    with pytest.raises(ParseError) as err:
        check_file_size(31_666_995, 25 * 1024 * 1024)
    assert str(err.value) == "file is 30.2 MB, over the 25 MB limit (BRIEFBOT_MAX_FILE_BYTES)"


def test_article_too_long(tmp_path: Path) -> None:
    config = StoreConfig(home=tmp_path, max_article_chars=100)
    with pytest.raises(ParseError, match="over the 100 character limit"):
        read_path(write(tmp_path, "long.txt", "Title\n\n" + "Sentence. " * 50), config)


# ----------------------------------------------------------------------------- text/markdown


def test_markdown_front_matter(tmp_path: Path, config: StoreConfig) -> None:
    md = (
        "---\n"
        'title: "Ports reopen after storm"\n'
        "author: Jane Doe\n"
        "publisher: Reuters\n"
        "date: 2023-11-24\n"
        "url: https://example.com/ports\n"
        "tags: [shipping, weather]\n"
        "---\n\n"
        "# Ports reopen after storm\n\n"
        "Ports along the coast reopened on Friday, officials said.\n"
    )
    doc = one(write(tmp_path, "ports.md", md), config)
    assert doc.title == "Ports reopen after storm"
    assert doc.author == "Jane Doe"
    assert doc.source == "Reuters"
    assert doc.published_at == "2023-11-24"
    assert doc.url == "https://example.com/ports"
    assert doc.text == (
        "# Ports reopen after storm\n\nPorts along the coast reopened on Friday, officials said."
    )


def test_markdown_heading_title(tmp_path: Path, config: StoreConfig) -> None:
    doc = one(write(tmp_path, "h.md", "## **Markets rally** ##\n\nStocks rose."), config)
    assert doc.title == "Markets rally"


def test_text_header_lines(tmp_path: Path, config: StoreConfig) -> None:
    txt = (
        "Ports reopen after storm | Reuters\n"
        "By Jane Doe\n"
        "Published: 24 November 2023\n"
        "URL: https://example.com/ports\n\n"
        "Ports along the coast reopened on Friday, officials said.\n"
    )
    doc = one(write(tmp_path, "ports.txt", txt), config)
    assert (doc.title, doc.source, doc.author) == (
        "Ports reopen after storm",
        "Reuters",
        "Jane Doe",
    )
    assert doc.published_at == "2023-11-24"
    assert doc.url == "https://example.com/ports"
    assert doc.text == (
        "Ports reopen after storm | Reuters\n\nPorts along the coast reopened on Friday, officials said."
    )


def test_byline_shaped_headline_is_a_title(tmp_path: Path, config: StoreConfig) -> None:
    doc = one(write(tmp_path, "b.txt", "By Land And Sea\nBy Jane Doe\n\nThe ferry sailed."), config)
    assert (doc.title, doc.author) == ("By Land And Sea", "Jane Doe")
    assert doc.text == "By Land And Sea\n\nThe ferry sailed."


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Big news – RT en français", ("Big news", "RT en français")),
        ("Headline – RT en français", ("Headline – RT en français", None)),
        ("Kim rejects offer - again", ("Kim rejects offer - again", None)),
        (
            "North Korea: Kim rejects US offer of dialogue",
            ("North Korea: Kim rejects US offer of dialogue", None),
        ),
        ("A story | The Daily Planet", ("A story", "The Daily Planet")),
        ("Short — but this tail has far too many words to be a publisher", None),
    ],
)
def test_split_publisher(title: str, expected: tuple[str, str | None] | None) -> None:
    assert split_publisher(title) == (expected or (title, None))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-09-26T17:01:22+00:00", "2023-09-26T17:01:22+00:00"),
        ("2023-09-26T17:01:22Z", "2023-09-26T17:01:22+00:00"),
        ("2023-11-24", "2023-11-24"),
        ("Tue, 26 Sep 2023 17:01:22 GMT", "2023-09-26T17:01:22+00:00"),
        ("September 26, 2023", "2023-09-26"),
        ("26 Sep 2023", "2023-09-26"),
        ("D:20230926170122+02'00'", "2023-09-26T17:01:22+02:00"),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_date(value: str | None, expected: str | None) -> None:
    assert normalize_date(value) == expected


# ----------------------------------------------------------------------------- HTML

PAGE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <title>Ports reopen after storm – The Harbour Times</title>
  <meta property="og:title" content="Ports reopen after storm – The Harbour Times">
  <meta property="og:site_name" content="The Harbour Times">
  <meta name="author" content="Jane Doe">
  <meta property="article:published_time" content="2023-11-24T08:30:00Z">
  <link rel="canonical" href="https://harbour.example/news/ports-reopen">
  <style>.hidden { display: none } /* STYLE_MARKER */</style>
  <script>window.SCRIPT_MARKER = "do not show me"; alert("pwned");</script>
</head>
<body>
  <nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
  <header><p>Subscribe to our newsletter</p></header>
  <article>
    <h1>Ports reopen after storm</h1>
    <p>Ports along the northern coast reopened on Friday after a storm forced a two-day closure,
       the harbour authority said in a statement.</p>
    <p>“We expect normal traffic by Sunday,” said harbour master Ana Lopes, adding that crews had
       worked through the night to clear debris from the main channel.</p>
    <script>document.write("INLINE_SCRIPT_MARKER")</script>
    <p>Shipping companies said delays would ripple through supply chains for at least a week,
       with container backlogs expected at several inland depots.</p>
    <p>Share this article</p>
  </article>
  <footer><p>© 2023 The Harbour Times. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
</body>
</html>
"""


def test_html_page(tmp_path: Path, config: StoreConfig) -> None:
    doc = one(write(tmp_path, "ports.html", PAGE), config)
    for marker in ("SCRIPT_MARKER", "STYLE_MARKER", "pwned", "display: none", "window."):
        assert marker not in doc.text
    assert "Subscribe" not in doc.text and "Share this article" not in doc.text
    assert "All rights reserved" not in doc.text and "Sport" not in doc.text
    assert "“We expect normal traffic by Sunday,” said harbour master Ana Lopes" in doc.text
    assert doc.title == "Ports reopen after storm"
    assert doc.source == "The Harbour Times"
    assert doc.author == "Jane Doe"
    assert doc.published_at == "2023-11-24T08:30:00+00:00"
    assert doc.url == "https://harbour.example/news/ports-reopen"
    assert doc.language == "en"
    assert "\n\n" in doc.text  # paragraphs separated by a blank line


def test_html_json_ld_and_fallback(tmp_path: Path, config: StoreConfig) -> None:
    ld = {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "NewsArticle",
                "headline": "Council approves budget",
                "datePublished": "2024-02-01T10:00:00+01:00",
                "author": [{"@type": "Person", "name": "Sam Lee"}, {"name": "Kim Park"}],
                "publisher": {"@type": "Organization", "name": "City Gazette"},
                "articleBody": "LD_BODY_MARKER",
            }
        ],
    }
    page = (
        "<html><head><script type='application/ld+json'>"
        + json.dumps(ld)
        + "</script></head><body><main><p>The council approved the budget.</p></main></body></html>"
    )
    doc = one(write(tmp_path, "c.htm", page), config)
    assert doc.text == "The council approved the budget."
    assert doc.title == "Council approves budget"
    assert doc.source == "City Gazette"
    assert doc.author == "Sam Lee, Kim Park"
    assert doc.published_at == "2024-02-01T10:00:00+01:00"


def test_html_without_text(tmp_path: Path, config: StoreConfig) -> None:
    with pytest.raises(ParseError, match="no article text"):
        read_path(
            write(tmp_path, "x.html", "<html><body><script>x=1</script></body></html>"), config
        )


def test_html_meta_charset_cp1252(tmp_path: Path, config: StoreConfig) -> None:
    page = '<html><head><meta charset="windows-1252"></head><body><p>Café “society” – ok</p></body></html>'
    doc = one(write(tmp_path, "w.html", page.encode("cp1252")), config)
    assert doc.text == "Café “society” – ok"


# ----------------------------------------------------------------------------- PDF


def make_pdf(
    path: Path, pages: list[list[str]], title: str = "", author: str = "", **kw: object
) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4, **kw)
    if title:
        pdf.setTitle(title)
    if author:
        pdf.setAuthor(author)
    for lines in pages:
        y = 800
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 16
        pdf.showPage()
    pdf.save()
    return path


def test_pdf(tmp_path: Path, config: StoreConfig) -> None:
    path = make_pdf(
        tmp_path / "report.pdf",
        [
            ["Grain exports rise", "Exports of grain rose by 4% in March, the ministry said."],
            ["Second page text here."],
        ],
        title="Grain exports rise - Farm Weekly",
        author="Ola Nordmann",
    )
    doc = one(path, config)
    assert "Exports of grain rose by 4% in March, the ministry said." in doc.text
    assert "\n\nSecond page text here." in doc.text
    assert doc.title == "Grain exports rise"
    assert doc.source == "Farm Weekly"
    assert doc.author == "Ola Nordmann"
    assert doc.published_at and re.match(r"\d{4}-\d{2}-\d{2}", doc.published_at)


def test_pdf_without_text(tmp_path: Path, config: StoreConfig) -> None:
    with pytest.raises(ParseError, match="PDF has no extractable text"):
        read_path(make_pdf(tmp_path / "blank.pdf", [[]]), config)


def test_pdf_encrypted(tmp_path: Path, config: StoreConfig) -> None:
    from reportlab.lib.pdfencrypt import StandardEncryption

    path = make_pdf(
        tmp_path / "locked.pdf",
        [["Secret text"]],
        encrypt=StandardEncryption("user-pass", "owner-pass"),
    )
    with pytest.raises(ParseError, match="encrypted"):
        read_path(path, config)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage", "PDF"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 4, "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", r"not a PDF file \(looks like PNG image\)"),
        (b"", "not a PDF file"),
    ],
)
def test_pdf_malformed(tmp_path: Path, config: StoreConfig, content: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        read_path(write(tmp_path, "bad.pdf", content), config)


# ----------------------------------------------------------------------------- JSONL


def test_jsonl_good_and_bad_lines(tmp_path: Path, config: StoreConfig) -> None:
    good = (DATA / "articles_head3.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in good]
    lines = [
        good[0],
        "",
        good[1],
        '{"title": "broken", "body": "unterminated',
        '{"title": "no body"}',
        "[1, 2, 3]",
        '{"body": "   "}',
        good[2],
    ]
    path = write(tmp_path, "articles.jsonl", "\n".join(lines) + "\n")
    docs, errors = read_path_detailed(path, config)
    assert [d.title for d in docs] == [r["title"] for r in rows]
    assert [d.text for d in docs] == [r["body"] for r in rows]
    for doc, row in zip(docs, rows, strict=True):
        assert (doc.source, doc.author, doc.url) == (row["source"], row["author"], row["url"])
        assert doc.published_at == row["published_at"]
        assert doc.origin == str(path)
        assert doc.language == "en"
    assert errors[0].startswith("line 4: malformed JSON")
    assert errors[1:] == [
        'line 5: missing "body"',
        "line 6: expected a JSON object, got list",
        'line 7: empty "body"',
    ]
    assert len(read_path(path, config)) == 3


def test_jsonl_all_bad(tmp_path: Path, config: StoreConfig) -> None:
    path = write(tmp_path, "bad.jsonl", "not json\n{}\n")
    with pytest.raises(
        ParseError, match=r"^no usable articles: line 1: malformed JSON .*\(and 1 more\)$"
    ):
        read_path(path, config)
