"""Export safety: hostile article text renders inert in Markdown and cannot break the PDF."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from pypdf import PdfReader

from bot.briefing import generate_briefing
from bot.briefing.model import Briefing
from bot.export import SECTION_HEADINGS, export_briefing, md_text, md_url, to_markdown
from bot.export.pdf import BODY_PT, FIT_LEVELS, fit_one_page, pdf_text
from bot.service import Briefbot
from bot.settings import Settings
from vectorstore.chunking import chunk_article
from vectorstore.ingest import build_article
from vectorstore.models import ParsedDocument
from vectorstore.store import ArticleStore

HOSTILE = [
    "![x](http://evil.example/img.png)",
    "[click here](javascript:alert(1))",
    "<script>alert('owned')</script>",
    "<img src=x onerror=alert(1)>",
    "<http://evil.example/auto>",
    "http://evil.example/bare and www.evil.example",
    "**bold** _it_ `code` ~~strike~~ | pipe | # heading",
    "[ref]: http://evil.example/ref",
    "&lt;escaped&gt; &amp; &#60;script&#62;",
    "line\nbreak\r\nand\u202eoverride\u200b zero",
]


def _render(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").enable("strikethrough").render(markdown)


def _assert_inert(html: str) -> None:
    lowered = html.lower()
    for bad in (
        "<a ",
        "<img",
        "<script",
        "<em>",
        "<strong>",
        "<code>",
        "<s>",
        "<del>",
        "<h1",
        "<h2",
    ):
        assert bad not in lowered, (bad, html)


@pytest.mark.parametrize("text", HOSTILE)
def test_md_text_is_inert(text: str) -> None:
    html = _render(f"Quote: {md_text(text)}")
    _assert_inert(html)
    # what the reader sees is the original characters (minus invisible controls)
    assert (
        "alert" in html or "evil" in html or "bold" in html or "escaped" in html or "break" in html
    )


def test_md_text_survives_linkify() -> None:
    linkify = pytest.importorskip("linkify_it")
    assert linkify
    md = MarkdownIt("commonmark", {"linkify": True}).enable("linkify")
    html = md.render(md_text("see http://evil.example/x and www.evil.example now"))
    assert "<a " not in html


def test_md_url_links_only_plain_web_urls() -> None:
    assert md_url("https://example.org/a b?x=<1>") == "<https://example.org/a%20b?x=%3C1%3E>"
    html = _render(md_url("javascript:alert(1)"))
    assert "<a " not in html
    html = _render(md_url("https://example.org/x)![i](http://evil/i.png"))
    assert html.count("<a ") == 1 and "<img" not in html


def test_pdf_text_escapes_markup() -> None:
    assert (
        pdf_text("<b>x</b> & <link href='y'>") == "&lt;b&gt;x&lt;/b&gt; &amp; &lt;link href='y'&gt;"
    )
    assert pdf_text("a\u202eb\nc") == "ab c"


# ---- a real store holding hostile articles ------------------------------------------------------

LONG_WORD = "Supercalifragilistic" * 6  # 120 characters without a break
BODIES = {
    "Daily Planet": [
        "The Ministry of Tests campaign began on 3 March 2024 with a report.",
        "Minister Ada Lovelace said the Ministry of Tests campaign showed <script>alert('owned')</script> in every browser.",
        "The Ministry of Tests campaign image was ![x](http://evil.example/img.png) according to Minister Ada Lovelace.",
        "According to the Ministry of Tests, [click here](javascript:alert(1)) appeared on http://evil.example/phish during the campaign.",
        f"Officials said the campaign word {LONG_WORD} broke their layout.",
        "The Ministry of Tests campaign counted 12 incidents in March, officials said.",
        "The Ministry of Tests will publish its final campaign report next week.",
    ],
    "Evening Courier": [
        "The Ministry of Tests campaign counted 40 incidents in March, the Courier said.",
        "Critics said the campaign, written as שלום עולם and مرحبا بالعالم with 🚀🔥 emoji, was a failure.",
        "Minister Ada Lovelace insisted that the | pipe | and **bold** markers in the campaign were harmless.",
        "The ministry may extend the Ministry of Tests campaign into April, the Courier reported.",
    ],
}


@pytest.fixture(scope="module")
def hostile_bot(tmp_path_factory: pytest.TempPathFactory) -> Briefbot:
    settings = Settings(
        home=tmp_path_factory.mktemp("hostile"), collection="h" + uuid.uuid4().hex[:8]
    )
    store = ArticleStore(settings.store_config())
    for n, (source, sentences) in enumerate(BODIES.items()):
        doc = ParsedDocument(
            text="\n\n".join(sentences),
            title=f"Ministry of Tests <b>campaign</b> [{n}](http://evil.example)",
            source=source,
            published_at=f"2024-03-{10 + n:02d}",
            url=None,
        )
        article = build_article(doc)
        store.put(article, chunk_article(article.id, article.text))
    return Briefbot(settings=settings, llm=None)


@pytest.fixture(scope="module")
def hostile_briefing(hostile_bot: Briefbot) -> Briefing:
    return generate_briefing(hostile_bot, "Ministry of Tests campaign", use_model=False)


@pytest.mark.slow
def test_hostile_quotes_are_verified_and_inert_in_markdown(
    hostile_bot: Briefbot, hostile_briefing: Briefing
) -> None:
    b = hostile_briefing
    quotes = " ".join(c.quote for c in b.citations)
    assert "<script>" in quotes or "![x]" in quotes or "[click here]" in quotes
    for c in b.citations:
        article = hostile_bot.store.get_article(c.article_id)
        assert article is not None and article.text[c.start : c.end] == c.quote and c.verified
    markdown = to_markdown(b)
    html = _render(markdown)
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<a " not in lowered
    assert "&lt;script&gt;" in lowered  # shown, as text
    for heading in SECTION_HEADINGS:
        assert f"<h2>{heading}</h2>" in html
    # the two outlets' different counts are a disagreement between independent sources
    assert any(d.kind == "figure" for d in b.disagreements), b.disagreements


@pytest.mark.slow
def test_hostile_text_does_not_break_the_pdf(hostile_briefing: Briefing, tmp_path: Path) -> None:
    result = export_briefing(hostile_briefing, tmp_path / "hostile.pdf")
    assert result.pages == 1
    text = PdfReader(str(result.path)).pages[0].extract_text()
    assert "Bottom line" in text and "Sources" in text
    assert "<script>" in text or "javascript" in text or "![x]" in text  # printed, not interpreted


def _long_briefing() -> Briefing:
    """A briefing with every section full of long (but whole-sentence) quotes, plus some short
    ones: at full length it needs several pages."""
    from bot.briefing.model import Development, Disagreement, Position, SourceEntry, WatchItem
    from bot.claims import make_citation
    from vectorstore.models import Article

    long = (
        "The committee said that the extended review of the programme, which covered {n} "
        "regional offices and several thousand pages of correspondence, found delays, cost "
        "overruns and unclear lines of responsibility that it described as “entirely avoidable”."
    )
    sentences = [
        long.format(n=n) if n % 3 else f"Officials counted {n} short cases." for n in range(40)
    ]
    text = " ".join(sentences)
    article = Article(id="a1", title="Long report", text=text, content_hash="h", source="Gazette")
    citations = []
    cursor = 0
    for n, sentence in enumerate(sentences, start=1):
        start = text.index(sentence, cursor)
        cursor = start + len(sentence)
        citations.append(make_citation(n, article, start, cursor))
    m = iter(range(1, 41))
    return Briefing(
        title="Briefing: long",
        topic="long",
        earliest=None,
        latest=None,
        source_count=1,
        bottom_line=" ".join(f"“{citations[i].quote}” [{i + 1}]" for i in range(3)),
        developments=[
            Development(
                "2024",
                (2024, 99, 99, i),
                next(m) + 3,
                "2024",
                i,
                sources=("Gazette", "Courier"),
                confidence="moderate",
                confidence_note="moderate confidence: 2 independent sources",
            )
            for i in range(8)
        ],
        positions=[Position(f"Actor {i}", (next(m) + 3, next(m) + 3)) for i in range(6)],
        disagreements=[
            Disagreement("s", next(m) + 3, next(m) + 3, "figure", "1 vs 2") for _ in range(4)
        ],
        watch=[WatchItem("will", next(m) + 3) for _ in range(3)],
        sources=[
            SourceEntry("a1", "Gazette", "Long report", None, None, False, tuple(range(1, 41)))
        ],
        citations=citations,
        articles={"a1": article},
    )


def test_a_long_briefing_is_shortened_to_one_page_not_shrunk() -> None:
    from reportlab.platypus import Paragraph

    long = _long_briefing()
    fitted, data, pages, level = fit_one_page(long)
    assert pages == 1
    assert level != FIT_LEVELS[0]
    assert len(fitted.citations) < len(long.citations)
    # whole sentences only: every kept quote is one of the original quotes, re-verified
    originals = {c.quote for c in long.citations}
    assert all(c.verified and c.quote in originals for c in fitted.citations)
    assert [c.marker for c in fitted.citations] == list(range(1, len(fitted.citations) + 1))
    # short quotes survive the shortening before long ones do
    assert any(c.quote.startswith("Officials counted") for c in fitted.citations)
    # the font size is never reduced below the body size
    from bot.export.pdf import build_story

    story = build_story(fitted, level, 500)
    sizes = {f.style.fontSize for f in story if isinstance(f, Paragraph)}
    assert min(sizes) >= BODY_PT >= 9


def test_unsupported_suffix(hostile_briefing: Briefing, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="use .pdf, .md or .docx"):
        export_briefing(hostile_briefing, tmp_path / "x.html")
