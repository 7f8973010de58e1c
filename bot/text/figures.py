"""Figures in news sentences: numbers as written ("six", "$26.3 billion", "40%"), their comparison
value, and the words around them (what a figure counts), so that two sentences giving different
figures for the same thing can be found.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.text.words import FIGURE_CONTEXT_STOPWORDS, NUMBER_WORDS, claim_stem

_NUMBER_WORDS: dict[str, int] = {
    "zero": 0,
    "no": 0,
    # the cardinals claim terms read as digits ("six" = "6"), from the one table
    **{word: int(value) for word, value in NUMBER_WORDS.items() if value.isdigit()},
    "dozen": 12,
    "twenty": 20,
    "hundred": 100,
    "thousand": 1000,
    "million": 1_000_000,
    "billion": 1_000_000_000,
}
_NUMBER = re.compile(
    r"(?<![\w.])(?:[$€£¥])?\d+(?:[.,]\d+)*(?:\s?%|\s?(?:per ?cent|percent))?"
    r"(?:\s?(?:million|billion|trillion|bn|m)\b)?"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|twenty|hundreds?|"
    r"thousands?|millions?|billions?)\b",
    re.IGNORECASE,
)


def figures(sentence: str) -> list[str]:
    """Numbers as written ("2017", "six", "$26.3 billion", "40%")."""
    return [m.group(0).strip() for m in _NUMBER.finditer(sentence)]


def figure_value(text: str) -> str:
    """Comparison form of a figure: number words as digits, separators dropped."""
    low = text.lower().replace(",", "").replace(" ", "")
    for word, value in _NUMBER_WORDS.items():
        if low == word or low == word + "s":
            return str(value)
    return low


def figure_contexts(
    sentence: str, skip: Sequence[tuple[int, int]] = ()
) -> list[tuple[str, str, set[str]]]:
    """(figure as written, comparison value, stems of the words around it) for each figure that
    is not part of a date (``skip`` spans) and not an idiom ("one day", "one of")."""
    out = []
    for m in _NUMBER.finditer(sentence):
        if any(m.start() < e and m.end() > s for s, e in skip):
            continue
        after = sentence[m.end() : m.end() + 40].lower()
        raw = m.group(0).strip()
        if raw.lower() == "one" and re.match(r"\s+(?:day|of|another|way|side|hand)\b", after):
            continue
        before_words = re.findall(r"[\w’'-]+", sentence[max(0, m.start() - 40) : m.start()])[-2:]
        after_words = re.findall(r"[\w’'-]+", sentence[m.end() : m.end() + 40])[:3]
        context = {
            claim_stem(w)
            for w in before_words + after_words
            if w.lower() not in FIGURE_CONTEXT_STOPWORDS and not w[0].isdigit()
        }
        out.append((raw, figure_value(raw), context))
    return out


def is_negated(sentence: str) -> bool:
    return (
        re.search(
            r"\b(?:has|have|had|did|does|do|is|are|was|were)\s+(?:not|never)\b|\bno\s+\w+",
            sentence,
            re.IGNORECASE,
        )
        is not None
    )
