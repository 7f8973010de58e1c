"""DOCX export (python-docx): every section, quotes inline with ``[n]``, numbered references with
publisher, title, date and a real link.

Article text is data: it only ever becomes the text of a run (``w:t``, XML-escaped by lxml) after
:func:`docx_text` removes control, bidi-override and XML-invalid characters, so it cannot open a
field (``{ HYPERLINK }``, ``DDEAUTO``), a style or any markup. A source URL becomes a hyperlink
(``w:hyperlink`` pointing at an external relationship) only when :func:`~bot.export.common.web_url`
accepts it as plain http(s); anything else is shown as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph

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
    EXTRACTIVE_NOTE,
    NO_DATE,
    REFERENCES_HEADING,
    SECTION_HEADINGS,
    STATE_LABEL,
    VERBATIM_NOTE,
    ExportResult,
    corroboration_text,
    date_span_text,
    disagreement_label,
    display_text,
    reference_fields,
    source_label,
    source_of,
    web_url,
)

LINK_COLOR = RGBColor(0x1A, 0x3D, 0x6D)
# Not allowed in XML 1.0 even as references: surrogates and the two non-characters U+FFFE/FFFF.
_XML_INVALID = re.compile("[\ud800-\udfff\ufffe\uffff]")


def docx_text(text: str) -> str:
    """Article text for a DOCX run: visible characters only (``display_text``), nothing XML
    cannot hold."""
    return _XML_INVALID.sub("", display_text(text))


def add_run(p: Paragraph, text: str, *, bold: bool = False, italic: bool = False) -> None:
    """One run of ``text`` made safe by ``docx_text``, keeping one space at either edge
    when ``text`` had whitespace there (runs are joined without separators)."""
    shown = docx_text(text)
    if not shown:
        shown = " " if text[:1].isspace() else ""
    else:
        shown = (" " if text[:1].isspace() else "") + shown
        shown += " " if text[-1:].isspace() else ""
    r = p.add_run(shown)
    r.bold = bold or None
    r.italic = italic or None


def add_link(p: Paragraph, url: str | None) -> None:
    """A hyperlink for a plain http(s) URL; any other URL is shown as text. Shared by the
    briefing and digest exports."""
    if not url:
        return
    target = web_url(url)
    if target is None:
        add_run(p, url)
        return
    rel_id = p.part.relate_to(target, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    hyperlink = OxmlElement("w:hyperlink")
    hyperlink.set(qn("r:id"), rel_id)
    r = p.add_run(docx_text(url))
    r.font.color.rgb = LINK_COLOR
    r.font.underline = True
    hyperlink.append(r._r)  # moves the run from the paragraph into the hyperlink
    p._p.append(hyperlink)


class _Writer:
    def __init__(self, briefing: Briefing) -> None:
        self.b = briefing
        self.doc: DocxDocument = Document()
        self.doc.styles["Normal"].font.size = Pt(10)

    # ---- runs ----------------------------------------------------------------------------------

    def run(self, p: Paragraph, text: str, *, bold: bool = False, italic: bool = False) -> None:
        add_run(p, text, bold=bold, italic=italic)

    def quote(self, p: Paragraph, marker: int) -> None:
        self.run(p, inline_quote(self.b.citation(marker).quote))
        self.run(p, f" [{marker}]")

    def link(self, p: Paragraph, url: str | None) -> None:
        add_link(p, url)

    # ---- blocks --------------------------------------------------------------------------------

    def para(self, style: str | None = None) -> Paragraph:
        return self.doc.add_paragraph(style=style)

    def item(self) -> Paragraph:
        return self.para("List Bullet")

    def empty(self, text: str) -> None:
        self.run(self.para(), text, italic=True)

    # ---- sections, in SECTION_HEADINGS order ---------------------------------------------------

    def bottom_line(self) -> None:
        b = self.b
        if b.bottom_line:
            self.run(self.para(), b.bottom_line)
        else:
            self.empty(NO_SOURCES)
        if b.bottom_line_origin == "extractive" and b.citations:
            self.run(self.para(), EXTRACTIVE_NOTE, italic=True)

    def developments(self) -> None:
        if not self.b.developments:
            return self.empty(NO_DEVELOPMENTS)
        for d in self.b.developments:
            p = self.item()
            self.run(p, d.when, bold=True)
            self.run(p, ": ")
            if d.text:
                self.run(p, f"{d.text} [{d.marker}]")
            else:
                self.quote(p, d.marker)
            self.run(p, f" — {corroboration_text(d)}", italic=True)
            if d.support:
                self.run(p, " " + " ".join(f"[{m}]" for m in d.support))
        self.run(self.para(), CONFIDENCE_SCALE, italic=True)

    def positions(self) -> None:
        if not self.b.positions:
            return self.empty(NO_POSITIONS)
        for pos in self.b.positions:
            p = self.item()
            self.run(p, pos.actor, bold=True)
            if pos.role:
                self.run(p, f" ({display_text(pos.role)})", italic=True)
            self.run(p, ": ")
            for n, marker in enumerate(pos.markers):
                if n:
                    self.run(p, "; ")
                self.quote(p, marker)

    def disagreements(self) -> None:
        b = self.b
        if not b.disagreements:
            return self.empty(NO_DISAGREEMENTS)
        for d in b.disagreements:
            p = self.para()
            self.run(p, d.attribute, bold=True)
            self.run(p, f" {disagreement_label(d)}", italic=True)
            table = self.doc.add_table(rows=1, cols=2)
            table.style = "Table Grid"
            for cell, marker in zip(table.rows[0].cells, (d.left, d.right), strict=True):
                cp = cell.paragraphs[0]
                src = source_of(b, marker)
                if src:
                    self.run(cp, source_label(src), bold=True)
                    cp = cell.add_paragraph()
                self.quote(cp, marker)

    def watch(self) -> None:
        if not self.b.watch:
            return self.empty(NO_WATCH)
        for w in self.b.watch:
            p = self.item()
            self.run(p, w.cue, italic=True)
            self.run(p, ": ")
            self.quote(p, w.marker)

    def sources(self) -> None:
        if not self.b.sources:
            return self.empty(NO_SOURCES)
        for s in self.b.sources:
            p = self.item()
            self.run(p, s.publisher, bold=True)
            if s.state_affiliated:
                outlet = f" ({display_text(s.state_outlet)})" if s.state_outlet else ""
                self.run(p, f" · {STATE_LABEL}{outlet}", italic=True)
            self.run(p, f" · {inline_quote(s.title)} · ")
            self.run(p, s.published_at[:10] if s.published_at else NO_DATE)
            if s.url:
                self.run(p, " · ")
                self.link(p, s.url)
            self.run(p, " · cited as " + ", ".join(f"[{m}]" for m in s.markers))

    def references(self) -> None:
        for c in self.b.citations:
            who, title, date = reference_fields(self.b, c.marker)
            p = self.para()
            self.run(p, f"[{c.marker}] ", bold=True)
            self.run(p, f"{who}, {inline_quote(title)}, {date}")
            if c.url:
                self.run(p, ", ")
                self.link(p, c.url)
            self.run(p, ": ")
            self.run(p, inline_quote(c.quote))

    def write(self) -> DocxDocument:
        b = self.b
        props = self.doc.core_properties
        props.title = docx_text(b.title)[:200]
        props.subject = docx_text(b.topic)[:200]
        props.author = "Briefbot"
        self.run(self.doc.add_heading(level=0), b.title)
        state = sum(1 for s in b.sources if s.state_affiliated)
        meta = [
            f"Topic: {display_text(b.topic)}",
            f"Sources: {b.source_count}" + (f" ({state} {STATE_LABEL})" if state else ""),
            f"Dates covered: {date_span_text(b)}",
        ]
        if b.generated_at:
            meta.append(f"Generated: {display_text(b.generated_at)}")
        self.run(self.para(), " · ".join(meta))
        self.run(self.para(), VERBATIM_NOTE, italic=True)
        sections: dict[str, Callable[[], None]] = {
            "Bottom line": self.bottom_line,
            "Key developments": self.developments,
            "Positions": self.positions,
            "Disagreements": self.disagreements,
            "What to watch": self.watch,
            "Sources": self.sources,
        }
        for heading in SECTION_HEADINGS:
            self.doc.add_heading(heading, level=1)
            sections[heading]()
        self.doc.add_heading(REFERENCES_HEADING, level=1)
        self.references()
        for note in b.notes:
            self.run(self.para(), f"Note: {display_text(note)}", italic=True)
        return self.doc


def to_docx(briefing: Briefing) -> DocxDocument:
    """The briefing as a python-docx ``Document`` (every section, nothing shortened)."""
    return _Writer(briefing).write()


def write_docx(briefing: Briefing, path: Path) -> ExportResult:
    path.parent.mkdir(parents=True, exist_ok=True)
    to_docx(briefing).save(str(path))
    return ExportResult(path, None, list(briefing.citations))
