"""What a question says about *where* to look: named publications and named dates.

Deterministic, rule-based and cheap (runs on every question):

- publications are matched against the store's own source names (``ArticleStore.sources()``),
  case-insensitively, with simple aliases ("the Verge", "BBC News" for "BBC News - Entertainment
  & Arts", "CNBC" for "Cnbc | World Business News Leader", "CBS Sports" for "CBSSports.com");
  a mention may stand for several stored sources ("FOX News" → every "FOX News - …" feed);
- dates: days and months as ranges (``bot.text.dates.find_question_dates``);
- clauses: the facets of a multi-part question.

The retriever uses these to run restricted sub-queries; nothing here filters by itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.text.dates import DateMention, find_question_dates
from bot.text.words import tokenize

# Feed names carry a section after a separator: "FOX News - Health", "Cnbc | World Business …",
# "Live Science: The Most Interesting Articles".
_SECTION = re.compile(r"\s+[-–|:]\s+|:\s+")


@dataclass(frozen=True)
class SourceMention:
    """A publication named in the question and the stored sources it stands for."""

    text: str
    start: int
    end: int
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Clause:
    """One facet of a multi-part question ("..., is accused of X as per 'TechCrunch', ...")."""

    text: str
    """The clause with publication names removed."""
    sources: tuple[str, ...] = ()
    """Stored sources named inside this clause."""
    dates: tuple[DateMention, ...] = ()
    """Days or months named inside this clause."""


@dataclass(frozen=True)
class QueryAnalysis:
    query: str
    sources: tuple[SourceMention, ...] = ()
    dates: tuple[DateMention, ...] = ()
    topic: str = ""
    """The question with publication names removed (what to search the text for)."""
    clauses: tuple[Clause, ...] = ()
    """The question cut into facets (empty when it has only one)."""

    def named_sources(self) -> tuple[str, ...]:
        """Every stored source any mention stands for, in order of first mention."""
        return tuple(dict.fromkeys(s for m in self.sources for s in m.sources))


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip()


def source_aliases(source: str) -> set[str]:
    """Names a question may use for a stored source (lowercase)."""
    name = _norm(source)
    aliases = {name.lower()}
    base = _SECTION.split(name, maxsplit=1)[0].strip()
    if base and len(base) >= 3:
        aliases.add(base.lower())
    for value in list(aliases):
        if value.endswith((".com", ".net", ".org", ".co.uk")):
            stem = value.rsplit(".", 2 if value.endswith(".co.uk") else 1)[0]
            aliases.add(stem)
            # CBSSports -> "cbs sports": split where the original switches from caps to words
            original = name[: len(stem)]
            spaced = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", " ", original).lower()
            aliases.add(spaced)
    for value in list(aliases):
        if value.startswith("the ") and len(value) > 8:
            aliases.add(value[4:])  # "the verge" -> "verge" ("the age" stays whole)
    return {a for a in aliases if len(a) >= 3}


class SourceMatcher:
    """Finds stored source names in questions; built once per set of sources."""

    def __init__(self, sources: Iterable[str]) -> None:
        self.sources = tuple(sorted(set(sources)))
        table: dict[str, set[str]] = {}
        for source in self.sources:
            for alias in source_aliases(source):
                table.setdefault(alias, set()).add(source)
        # An exact full name always wins over a shared alias ("fox news" names all FOX feeds).
        for source in self.sources:
            table[_norm(source).lower()] = {source}
        self._table = {alias: tuple(sorted(s)) for alias, s in table.items()}
        if self._table:
            alternatives = "|".join(
                re.escape(a).replace(r"\ ", r"\s+")
                for a in sorted(self._table, key=len, reverse=True)
            )
            self._pattern: re.Pattern[str] | None = re.compile(
                rf"(?<![\w&])(?:{alternatives})(?![\w&])", re.IGNORECASE
            )
        else:
            self._pattern = None

    def find(self, query: str) -> list[SourceMention]:
        if self._pattern is None:
            return []
        mentions = []
        # Case-insensitive, except that in a normally capitalised question an all-lowercase
        # match is an ordinary phrase ("an independent audit", "at the age of 16").
        cased = any(ch.isupper() for ch in query)
        for match in self._pattern.finditer(query):
            if cased and not any(ch.isupper() for ch in match.group(0)):
                continue
            key = re.sub(r"\s+", " ", match.group(0)).lower()
            sources = self._table.get(key)
            if sources:
                mentions.append(SourceMention(match.group(0), match.start(), match.end(), sources))
        return mentions


# Where multi-part questions join their facets: commas, semicolons, "while", "whereas".
_CLAUSE_BREAK = re.compile(
    r"\s*(?:[,;]|\b(?:while|whereas|compared (?:to|with)|in contrast (?:to|with)|as opposed to"
    r"|in a similar way to|similar to|and the other|before|after)\b)\s*",
    re.IGNORECASE,
)
_QUOTES = re.compile(r"[‘'“\"”’]\s*[’'\"”]")


def _strip_mentions(text: str, offset: int, mentions: Sequence[SourceMention | DateMention]) -> str:
    for mention in sorted(mentions, key=lambda m: m.start, reverse=True):
        lo, hi = mention.start - offset, mention.end - offset
        if lo >= 0 and hi <= len(text):
            text = text[:lo] + " " + text[hi:]
    return re.sub(r"\s+", " ", _QUOTES.sub(" ", text)).strip(" ,;?")


def split_clauses(
    query: str,
    mentions: Sequence[SourceMention],
    dates: Sequence[DateMention] = (),
    min_terms: int = 3,
) -> tuple[Clause, ...]:
    """Cut ``query`` at clause breaks (never inside a date such as "November 6, 2023").

    A piece with fewer than ``min_terms`` index terms ("distance", "as reported by 'X'") joins
    the clause before it, or the next one when it opens the question. Fewer than two clauses
    gives ``()``.
    """
    protected = [(d.start, d.end) for d in dates]
    pieces: list[tuple[int, int]] = []
    start = 0
    for m in _CLAUSE_BREAK.finditer(query):
        if any(lo <= m.start() < hi for lo, hi in protected):
            continue
        if m.start() > start:
            pieces.append((start, m.start()))
        start = m.end()
    if start < len(query):
        pieces.append((start, len(query)))
    merged: list[tuple[int, int]] = []
    pending: int | None = None
    for lo, hi in pieces:
        if pending is not None:
            lo = pending
        inside = [m for m in (*mentions, *dates) if lo <= m.start < hi]
        if len(tokenize(_strip_mentions(query[lo:hi], lo, inside))) >= min_terms:
            merged.append((lo, hi))
            pending = None
        elif merged:
            merged[-1] = (merged[-1][0], hi)
        else:
            pending = lo
    if pending is not None:
        merged.append((pending, len(query)))
    if len(merged) < 2:
        return ()
    clauses = []
    for lo, hi in merged:
        inside = [m for m in mentions if lo <= m.start < hi]
        clause_dates = tuple(d for d in dates if lo <= d.start < hi)
        clauses.append(
            Clause(
                text=_strip_mentions(query[lo:hi], lo, inside),
                sources=tuple(dict.fromkeys(s for m in inside for s in m.sources)),
                dates=clause_dates,
            )
        )
    return tuple(clauses)


def analyse(
    query: str, matcher: SourceMatcher | None, default_years: Sequence[int] = ()
) -> QueryAnalysis:
    mentions = matcher.find(query) if matcher else []
    dates = find_question_dates(query, default_years)
    return QueryAnalysis(
        query=query,
        sources=tuple(mentions),
        dates=tuple(dates),
        topic=_strip_mentions(query, 0, mentions) or query,
        clauses=split_clauses(query, mentions, dates),
    )
