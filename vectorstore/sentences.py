"""Sentence spans over article text, as (start, end) character offsets.

Shared by chunking (chunks end on sentence boundaries) and by quote selection in ``bot`` (a quote
is one or more whole sentences), so both agree on what a sentence is. Rule-based on purpose: it must
be deterministic and must never alter the text, only point into it.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "mt",
        "ft",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "gov",
        "sen",
        "rep",
        "pres",
        "rev",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "univ",
        "assn",
        "bros",
        "vs",
        "etc",
        "al",
        "approx",
        "no",
        "nos",
        "vol",
        "fig",
        "est",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
    ]
)
# A candidate boundary: terminal punctuation, optional closing quotes/brackets, then whitespace.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)")
_OPENERS = "\"'“‘«([-—–"


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at ``dot`` ends an abbreviation or an initial, not a sentence."""
    start = dot
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "."):
        start -= 1
    word = text[start:dot]
    if not word:
        return False
    if "." in word:  # U.S. / e.g. / a.m.
        return True
    if len(word) == 1 and word.isupper():  # initials: "J. Smith"
        return True
    return word.lower() in _ABBREVIATIONS


def _starts_sentence(text: str, pos: int) -> bool:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    if pos >= len(text):
        return True
    ch = text[pos]
    if ch == "\n":
        return True
    if ch in _OPENERS:
        return True
    return ch.isupper() or ch.isdigit()


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentences of ``text[start:end]`` as absolute, whitespace-trimmed (start, end) spans.

    Newlines always end a sentence (headlines, list items and paragraphs are units of their own).
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text[start:end]):
        line_start = start + line.start()
        line_end = start + line.end()
        cursor = line_start
        for match in _BOUNDARY.finditer(text, line_start, line_end):
            stop = match.end()
            last_dot = text.rfind(".", match.start(), stop)
            if (
                text[match.start()] == "."
                and last_dot == match.start()
                and _is_abbreviation(text, match.start())
            ):
                continue
            if not _starts_sentence(text, stop):
                continue
            spans.append((cursor, stop))
            cursor = stop
        spans.append((cursor, line_end))
    return [trimmed for s, e in spans if (trimmed := _trim(text, s, e))]


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None
