"""The one-page PDF briefing (ReportLab platypus), shrunk until it fits exactly one page.

Body text is 9 pt and never smaller. When the content overflows, the briefing is shortened
instead: fewer items per section, only shorter quotes (whole sentences are never cut — a long
sentence is left out, a shorter one stays), fewer positions and sources; then it is rendered
again. The page count is read back from the produced PDF with pypdf.

Article text goes through ``xml.sax.saxutils.escape`` (ReportLab's ``Paragraph`` parses markup)
after control and bidi-override characters are removed. The font is DejaVu Sans (curly quotes,
accents, dashes, Cyrillic, Greek...) when installed, Helvetica otherwise.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from bot.briefing.model import (
    NO_DEVELOPMENTS,
    NO_DISAGREEMENTS,
    NO_POSITIONS,
    NO_SOURCES,
    NO_WATCH,
    Briefing,
    inline_quote,
)
from bot.export.common import (
    CONFIDENCE_SCALE,
    STATE_LABEL,
    ExportResult,
    corroboration_text,
    date_span_text,
    disagreement_label,
    display_text,
    source_label,
    source_of,
)

log = logging.getLogger(__name__)

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
BODY_PT = 9.0
"""The smallest font size used anywhere on the page."""


@dataclass(frozen=True)
class FitLevel:
    """One step of shortening (``None`` keeps a section whole)."""

    developments: int | None
    positions: int | None
    quotes_per_position: int | None
    disagreements: int | None
    watch: int | None
    max_quote_chars: int | None
    bottom_line_sentences: int | None
    source_titles: bool = True


FIT_LEVELS: tuple[FitLevel, ...] = (
    FitLevel(6, 5, 2, 3, 4, None, 3),
    FitLevel(6, 5, 1, 3, 4, 260, 3),
    FitLevel(5, 4, 1, 2, 3, 240, 3),
    FitLevel(5, 4, 1, 2, 3, 200, 3),
    FitLevel(4, 4, 1, 2, 3, 180, 3, False),
    FitLevel(4, 3, 1, 2, 2, 160, 2, False),
    FitLevel(3, 3, 1, 1, 2, 150, 2, False),
    FitLevel(3, 2, 1, 1, 2, 130, 2, False),
    FitLevel(2, 2, 1, 1, 1, 120, 2, False),
    FitLevel(2, 2, 1, 1, 1, 100, 1, False),
    FitLevel(1, 1, 1, 1, 1, 90, 1, False),
    FitLevel(1, 1, 1, 0, 1, 80, 1, False),
    FitLevel(0, 0, 0, 0, 0, 80, 1, False),
)


# ---- fonts -------------------------------------------------------------------------------------

_FONTS: tuple[str, str, str] | None = None


def fonts() -> tuple[str, str, str]:
    """(regular, bold, italic) font names: DejaVu Sans when its TTFs exist, else Helvetica."""
    global _FONTS
    if _FONTS is not None:
        return _FONTS
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    files = {
        "BriefSans": "DejaVuSans.ttf",
        "BriefSans-Bold": "DejaVuSans-Bold.ttf",
        "BriefSans-Oblique": "DejaVuSans-Oblique.ttf",
        "BriefSans-BoldOblique": "DejaVuSans-BoldOblique.ttf",
    }
    try:
        for name, filename in files.items():
            pdfmetrics.registerFont(TTFont(name, str(DEJAVU_DIR / filename)))
        addMapping("BriefSans", 0, 0, "BriefSans")
        addMapping("BriefSans", 1, 0, "BriefSans-Bold")
        addMapping("BriefSans", 0, 1, "BriefSans-Oblique")
        addMapping("BriefSans", 1, 1, "BriefSans-BoldOblique")
        _FONTS = ("BriefSans", "BriefSans-Bold", "BriefSans-Oblique")
    except Exception as exc:  # missing or unreadable TTF: the core font still renders Latin-1
        log.warning("DejaVu Sans not usable (%s); falling back to Helvetica", exc)
        _FONTS = ("Helvetica", "Helvetica-Bold", "Helvetica-Oblique")
    return _FONTS


_LATIN1_FALLBACK = str.maketrans(
    {"“": '"', "”": '"', "‘": "'", "’": "'", "—": "-", "–": "-", "…": "...", "\u00a0": " "}
)


def pdf_text(text: str) -> str:
    """Article text made safe for a ReportLab ``Paragraph``: visible characters only, markup
    escaped. With the Helvetica fallback, characters outside Latin-1 become '?'."""
    text = display_text(text)
    if fonts()[0] == "Helvetica":
        text = text.translate(_LATIN1_FALLBACK).encode("latin-1", "replace").decode("latin-1")
    return escape(text)


# ---- layout ------------------------------------------------------------------------------------


def _styles():  # type: ignore[no-untyped-def]
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    regular, bold, italic = fonts()
    base = ParagraphStyle(
        "body", fontName=regular, fontSize=BODY_PT, leading=BODY_PT * 1.22, spaceAfter=1.5
    )
    return {
        "title": ParagraphStyle(
            "title", parent=base, fontName=bold, fontSize=14, leading=17, spaceAfter=2
        ),
        "meta": ParagraphStyle(
            "meta", parent=base, textColor=colors.HexColor("#444444"), spaceAfter=3
        ),
        "h": ParagraphStyle(
            "h",
            parent=base,
            fontName=bold,
            fontSize=10.5,
            leading=13,
            spaceBefore=5,
            spaceAfter=2,
            textColor=colors.HexColor("#1a3d6d"),
        ),
        "body": base,
        "item": ParagraphStyle("item", parent=base, leftIndent=9, bulletIndent=0),
        "cell": ParagraphStyle("cell", parent=base, spaceAfter=0),
        "ref": ParagraphStyle("ref", parent=base, leftIndent=9, firstLineIndent=-9, spaceAfter=0.5),
        "empty": ParagraphStyle(
            "empty", parent=base, fontName=italic, textColor=colors.HexColor("#555555")
        ),
    }


def _q(briefing: Briefing, marker: int) -> str:
    return f"{pdf_text(inline_quote(briefing.citation(marker).quote))} [{marker}]"


def _bottom_line(text: str) -> str:
    return pdf_text(text)


def _short_url(url: str) -> str:
    parts = urlsplit(url)
    shown = (parts.netloc + parts.path).removeprefix("www.")
    return shown if len(shown) <= 60 else shown[:57] + "…"


def build_story(briefing: Briefing, level: FitLevel, width: float):  # type: ignore[no-untyped-def]
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    b = briefing
    st = _styles()
    story: list = [Paragraph(pdf_text(b.title), st["title"])]
    state = sum(1 for s in b.sources if s.state_affiliated)
    sources = f"{b.source_count} source{'s' if b.source_count != 1 else ''}"
    if state:
        sources += f" ({state} {STATE_LABEL})"
    meta = f"{sources} · {pdf_text(date_span_text(b))}"
    if b.generated_at:
        meta += f" · generated {pdf_text(b.generated_at)}"
    meta += " · every quote verbatim, checked against its article"
    story.append(Paragraph(meta, st["meta"]))

    def heading(text: str) -> None:
        story.append(Paragraph(text, st["h"]))

    def empty(text: str) -> None:
        story.append(Paragraph(escape(text), st["empty"]))

    heading("Bottom line")
    if b.bottom_line:
        story.append(Paragraph(_bottom_line(b.bottom_line), st["body"]))
    else:
        empty(NO_SOURCES)

    heading("Key developments")
    if b.developments:
        for d in b.developments:
            said = f"{pdf_text(d.text)} [{d.marker}]" if d.text else _q(b, d.marker)
            also = " " + " ".join(f"[{m}]" for m in d.support) if d.support else ""
            story.append(
                Paragraph(
                    f"<b>{pdf_text(d.when)}</b> — {said} "
                    f"<i>({pdf_text(corroboration_text(d))})</i>{also}",
                    st["item"],
                    bulletText="•",
                )
            )
        story.append(Paragraph(pdf_text(CONFIDENCE_SCALE), st["empty"]))
    else:
        empty(NO_DEVELOPMENTS)

    heading("Positions")
    if b.positions:
        for p in b.positions:
            role = f" <i>({pdf_text(p.role)})</i>" if p.role else ""
            quotes = " ".join(_q(b, m) for m in p.markers)
            story.append(
                Paragraph(f"<b>{pdf_text(p.actor)}</b>{role}: {quotes}", st["item"], bulletText="•")
            )
    else:
        empty(NO_POSITIONS)

    heading("Disagreements")
    if b.disagreements:
        for d in b.disagreements:
            story.append(
                Paragraph(
                    f"<b>{pdf_text(d.attribute)}</b> <i>{pdf_text(disagreement_label(d))}</i>",
                    st["body"],
                )
            )
            cells = []
            for marker in (d.left, d.right):
                src = source_of(b, marker)
                who = f"<b>{pdf_text(source_label(src))}</b><br/>" if src else ""
                cells.append(Paragraph(who + _q(b, marker), st["cell"]))
            table = Table([cells], colWidths=[width / 2 - 2, width / 2 - 2])
            table.setStyle(
                TableStyle(
                    [
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("BOX", (0, 0), (0, 0), 0.4, colors.HexColor("#999999")),
                        ("BOX", (1, 0), (1, 0), 0.4, colors.HexColor("#999999")),
                        ("LEFTPADDING", (0, 0), (-1, -1), 3),
                        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                        ("TOPPADDING", (0, 0), (-1, -1), 2),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                    ]
                )
            )
            story.append(table)
    else:
        empty(NO_DISAGREEMENTS)

    heading("What to watch")
    if b.watch:
        for w in b.watch:
            story.append(
                Paragraph(
                    f"<i>{pdf_text(w.cue)}</i> — {_q(b, w.marker)}", st["item"], bulletText="•"
                )
            )
    else:
        empty(NO_WATCH)

    heading("Sources")
    if b.sources:
        for s in b.sources:
            markers = ", ".join(f"[{m}]" for m in s.markers)
            parts = [f"{markers} <b>{pdf_text(s.publisher)}</b>"]
            if s.state_affiliated:
                parts[0] += f" <i>({STATE_LABEL})</i>"
            if level.source_titles:
                parts.append(pdf_text(inline_quote(s.title)))
            parts.append(pdf_text(s.published_at[:10]) if s.published_at else "date not given")
            if s.url:
                shown = pdf_text(_short_url(display_text(s.url)))
                if urlsplit(s.url).scheme.lower() in ("http", "https"):
                    href = quoteattr(display_text(s.url))
                    parts.append(f"<link href={href} color='#1a3d6d'>{shown}</link>")
                else:
                    parts.append(shown)
            story.append(Paragraph(" · ".join(parts), st["ref"]))
    else:
        empty(NO_SOURCES)
    return story


def page_template(buffer: io.BytesIO, title: str, subject: str = "", margin_mm: float = 13):  # type: ignore[no-untyped-def]
    """An A4 ReportLab document with even margins and Briefbot's metadata (briefings, digests)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    margin = margin_mm * mm
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=display_text(title)[:200],
        author="Briefbot",
        subject=display_text(subject)[:200],
    )


def render_pdf(briefing: Briefing, level: FitLevel = FIT_LEVELS[0]) -> bytes:
    """PDF bytes of ``briefing`` as given (no shortening)."""
    buffer = io.BytesIO()
    doc = page_template(buffer, briefing.title, briefing.topic)
    doc.build(build_story(briefing, level, doc.width))
    return buffer.getvalue()


def count_pages(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def shrink(briefing: Briefing, level: FitLevel) -> Briefing:
    return briefing.select(
        developments=level.developments,
        positions=level.positions,
        quotes_per_position=level.quotes_per_position,
        disagreements=level.disagreements,
        watch=level.watch,
        max_quote_chars=level.max_quote_chars,
        bottom_line_sentences=level.bottom_line_sentences,
    )


def _attempt(briefing: Briefing, level: FitLevel) -> tuple[Briefing, bytes, int, FitLevel] | None:
    fitted = shrink(briefing, level)
    if _bottom_line_lost(briefing, fitted):
        return None
    data = render_pdf(fitted, level)
    return fitted, data, count_pages(data), level


# Restored one at a time (most valuable first) after a coarse level fits, to fill the page.
_REFINE_ORDER = (
    "disagreements",
    "positions",
    "developments",
    "watch",
    "bottom_line_sentences",
    "quotes_per_position",
    "max_quote_chars",
    "source_titles",
)


def fit_one_page(briefing: Briefing) -> tuple[Briefing, bytes, int, FitLevel]:
    """The least-shortened version of ``briefing`` that renders on one page (and its PDF).

    Walks ``FIT_LEVELS`` from generous to tight; once a level fits, gives back what the previous
    level had, one section at a time, as long as the page still holds it. If even the shortest
    overflows (a pathological title), that version is returned with its real page count."""
    last: tuple[Briefing, bytes, int, FitLevel] | None = None
    previous: FitLevel | None = None
    for level in FIT_LEVELS:
        attempt = _attempt(briefing, level)
        if attempt is None:
            continue
        last = attempt
        if attempt[2] == 1:
            if previous is not None:
                last = _refine(briefing, attempt, previous)
            return last
        previous = level
    if last is None:  # every level lost the bottom line: use the last one regardless
        level = FIT_LEVELS[-1]
        fitted = shrink(briefing, level)
        data = render_pdf(fitted, level)
        last = (fitted, data, count_pages(data), level)
    if last[2] != 1:
        title = display_text(briefing.title)
        short = briefing.select(
            developments=0,
            positions=0,
            disagreements=0,
            watch=0,
            max_quote_chars=80,
            bottom_line_sentences=1,
        )
        short.title = title[:120] + ("…" if len(title) > 120 else "")
        short.topic = short.topic[:120]
        data = render_pdf(short, FIT_LEVELS[-1])
        last = (short, data, count_pages(data), FIT_LEVELS[-1])
    return last


def _refine(
    briefing: Briefing,
    fitting: tuple[Briefing, bytes, int, FitLevel],
    previous: FitLevel,
) -> tuple[Briefing, bytes, int, FitLevel]:
    best = fitting
    for name in _REFINE_ORDER:
        wanted = getattr(previous, name)
        if getattr(best[3], name) == wanted:
            continue
        attempt = _attempt(briefing, replace(best[3], **{name: wanted}))
        if attempt is not None and attempt[2] == 1:
            best = attempt
    return best


def _bottom_line_lost(original: Briefing, fitted: Briefing) -> bool:
    return bool(original.bottom_line) and not fitted.bottom_line


def write_pdf(briefing: Briefing, path: Path) -> ExportResult:
    fitted, data, pages, level = fit_one_page(briefing)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    log.info("briefing PDF: %d page(s) at fit level %s", pages, level)
    return ExportResult(path, count_pages(path.read_bytes()), list(fitted.citations))
