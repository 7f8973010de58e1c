"""What a date is: one month table, one ``DateMention``, read in sentences and in questions.

- **In a news sentence** (:func:`find_dates`): explicit dates, months, years, weekdays and
  relative phrases. Deterministic and conservative: a date is resolved to ISO form only as far
  as the sentence and the article's publication date allow ("18 June" in an article of
  2021-06-19 → 2021-06-18; "Wednesday" in an undated article stays "Wednesday"). Durations
  ("since 2017") and year ranges ("(1950-1953)") are not events and are skipped.
- **In a question** (:func:`find_question_dates`): only days and months, each as a range to
  search ("October 1st" in a question is read in the question's year, else in each year the
  store holds articles from), including numeric days ("2023/11/24") and "5th of October".
  A question names where to look; a sentence tells when something happened: the two readings
  share the month names and the mention type, not the rules.
- **Looking ahead** (:func:`future_cue`): whether a sentence speaks of the future.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
WEEKDAYS = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
)
_YEAR = r"(?:19[5-9]\d|20\d\d)"
_PREP = r"(?:in|on|since|by|until|till|from|last|next|this|early|late|mid-?|end of|start of|of|before|after|during)"

_ISO = re.compile(rf"\b({_YEAR})-(\d\d)-(\d\d)\b")
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})(?:,?\s+({_YEAR}))?\b")
_MONTH_DAY = re.compile(rf"\b({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+({_YEAR}))?")
_MONTH_YEAR = re.compile(rf"\b({_MONTH})\s+({_YEAR})\b")
_PREP_MONTH = re.compile(rf"\b({_PREP})\s+({_MONTH})\b(?!\s+\d)", re.IGNORECASE)
_YEAR_ONLY = re.compile(rf"\b({_YEAR})\b")
_RANGE = re.compile(rf"\b{_YEAR}\s*[-–—/]\s*(?:{_YEAR}|\d\d)\b")
_WEEKDAY = re.compile(
    r"\b(?:(last|next|this|on|since)\s+)?(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
)
_RELATIVE = re.compile(
    r"\b(today|yesterday|tomorrow|tonight|this week|last week|next week|this month|last month"
    r"|next month|this year|last year|next year|earlier this (?:week|month|year)"
    r"|later this (?:week|month|year)|in the coming (?:days|weeks|months))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DateMention:
    label: str
    """The date as written ("18 June", "2019", "Wednesday")."""
    start: int
    end: int
    year: int | None = None
    month: int | None = None
    day: int | None = None
    kind: str = "date"
    """``date`` (day known), ``month``, ``year``, ``weekday``, ``relative``, ``since``."""
    future: bool | None = None
    """True/False when it can be placed relative to the article date, else None."""
    anchor: str | None = None
    """For approximate relative dates ("last week"): the article date they count from."""

    @property
    def iso(self) -> str | None:
        if self.year is None:
            return None
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    @property
    def specificity(self) -> int:
        return (self.year is not None) + (self.month is not None) + (self.day is not None)

    @property
    def text(self) -> str:
        """The words as written (the name ``SourceMention`` uses for the same thing)."""
        return self.label

    @property
    def first(self) -> date | None:
        """First day of the range the mention names (None without a year)."""
        if self.year is None:
            return None
        return date(self.year, self.month or 1, self.day or 1)

    @property
    def last(self) -> date | None:
        """Last day of the range the mention names (None without a year)."""
        if self.year is None:
            return None
        if self.month is None:
            return date(self.year, 12, 31)
        if self.day is not None:
            return date(self.year, self.month, self.day)
        nxt = date(self.year + (self.month == 12), self.month % 12 + 1, 1)
        return nxt - timedelta(days=1)

    def ts_range(self, slack_days: int = 1) -> tuple[int, int]:
        """Epoch seconds covering the range, widened by ``slack_days`` for time zones."""
        first, last = self.first, self.last
        if first is None or last is None:
            raise ValueError(f"{self.label!r} names no year")
        lo = datetime.combine(first - timedelta(days=slack_days), datetime.min.time(), UTC)
        hi = datetime.combine(last + timedelta(days=slack_days + 1), datetime.min.time(), UTC)
        return int(lo.timestamp()), int(hi.timestamp()) - 1


def parse_article_date(published_at: str | None) -> date | None:
    if not published_at:
        return None
    try:
        return datetime.fromisoformat(published_at.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(published_at[:10])
        except ValueError:
            return None


def _month(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")]


def _valid(year: int | None, month: int | None, day: int | None) -> bool:
    if month is not None and not 1 <= month <= 12:
        return False
    if day is not None:
        try:
            date(year or 2000, month or 1, day)
        except ValueError:
            return False
    return True


def find_dates(
    sentence: str, published: date | None = None, future_hint: bool = False
) -> list[DateMention]:
    """Date mentions in a sentence, most specific first at each place, overlapping ones dropped.

    ``published`` resolves missing years, weekdays and relative phrases; ``future_hint`` (the
    sentence looks forward) resolves a weekday to the next one rather than the last one.
    """
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    def add(m: DateMention) -> None:
        if free(m.start, m.end) and _valid(m.year, m.month, m.day):
            found.append(m)
            taken.append((m.start, m.end))

    for mo in _RANGE.finditer(sentence):  # year ranges: historical spans, never an event date
        taken.append(mo.span())
    for mo in _ISO.finditer(sentence):
        add(
            DateMention(
                mo.group(0), *mo.span(), int(mo.group(1)), int(mo.group(2)), int(mo.group(3))
            )
        )
    for mo in _DAY_MONTH.finditer(sentence):
        year = int(mo.group(3)) if mo.group(3) else None
        add(DateMention(mo.group(0), *mo.span(), year, _month(mo.group(2)), int(mo.group(1))))
    for mo in _MONTH_DAY.finditer(sentence):
        year = int(mo.group(3)) if mo.group(3) else None
        add(DateMention(mo.group(0), *mo.span(), year, _month(mo.group(1)), int(mo.group(2))))
    for mo in _MONTH_YEAR.finditer(sentence):
        add(
            DateMention(
                mo.group(0), *mo.span(), int(mo.group(2)), _month(mo.group(1)), None, "month"
            )
        )
    for mo in _PREP_MONTH.finditer(sentence):
        word = mo.group(2)
        if not word[0].isupper():
            continue  # "in may" is not a month
        prep = mo.group(1).lower()
        kind = "since" if prep == "since" else "month"
        add(DateMention(word, mo.start(2), mo.end(2), None, _month(word), None, kind))
    for mo in _YEAR_ONLY.finditer(sentence):
        before = sentence[max(0, mo.start() - 6) : mo.start()].lower()
        kind = "since" if before.rstrip().endswith("since") else "year"
        add(DateMention(mo.group(0), *mo.span(), int(mo.group(1)), None, None, kind))
    for mo in _WEEKDAY.finditer(sentence):
        kind = "since" if (mo.group(1) or "").lower() == "since" else "weekday"
        add(DateMention(mo.group(2), mo.start(2), mo.end(2), None, None, None, kind))
    for mo in _RELATIVE.finditer(sentence):
        add(DateMention(mo.group(0), *mo.span(), None, None, None, "relative"))

    resolved = [_resolve(m, sentence, published, future_hint) for m in found]
    return sorted(resolved, key=lambda m: m.start)


def _resolve(
    m: DateMention, sentence: str, published: date | None, future_hint: bool
) -> DateMention:
    if published is None:
        return m
    year, month, day, future = m.year, m.month, m.day, m.future
    if m.kind == "weekday":
        target = WEEKDAYS[m.label.lower()]
        prefix = sentence[max(0, m.start - 5) : m.start].lower()
        delta = (target - published.weekday()) % 7
        if "next" in prefix or (future_hint and "last" not in prefix):
            when = (
                published + timedelta(days=delta or 7)
                if "next" in prefix
                else published + timedelta(days=delta)
            )
            future = when > published
        else:
            when = published - timedelta(days=(published.weekday() - target) % 7)
            future = False
        year, month, day = when.year, when.month, when.day
    elif m.kind == "relative":
        label = m.label.lower()
        offsets = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}
        if label in offsets:
            when = published + timedelta(days=offsets[label])
            year, month, day = when.year, when.month, when.day
            future = offsets[label] > 0
        elif label.endswith("year"):
            year = published.year + (
                1 if label.startswith("next") else -1 if label.startswith("last") else 0
            )
            future = label.startswith(("next", "later"))
        elif label.endswith("month"):
            month_index = published.year * 12 + published.month - 1
            month_index += 1 if label.startswith("next") else -1 if label.startswith("last") else 0
            year, month = divmod(month_index, 12)
            month += 1
            future = label.startswith(("next", "later"))
        elif label.endswith("week"):
            offset = 7 if label.startswith("next") else -7 if label.startswith("last") else 0
            when = published + timedelta(days=offset)
            year, month, day = when.year, when.month, when.day
            future = label.startswith(("next", "later"))
            return DateMention(
                m.label, m.start, m.end, year, month, day, m.kind, future, published.isoformat()
            )
        else:
            future = label.startswith(("next", "later", "in the coming"))
    else:
        if year is None and month is not None:
            year = published.year
            if m.kind != "since" and not future_hint and month > published.month:
                year -= 1  # "in May" written in February of a later year
        if year is not None and m.kind != "since":
            here = (published.year, published.month, published.day)
            future = (year, month or 0, day or 0)[: m.specificity or 1] > here[: m.specificity or 1]
    return DateMention(m.label, m.start, m.end, year, month, day, m.kind, future)


def event_date(mentions: list[DateMention]) -> DateMention | None:
    """The date a sentence's event happened on: its most specific non-duration mention."""
    usable = [m for m in mentions if m.kind != "since"]
    if not usable:
        return None
    return max(usable, key=lambda m: (m.specificity, m.kind in ("date", "month"), -m.start))


def display_label(m: DateMention) -> str:
    """ISO form where resolved (fully or to the month/year), else the words as written; an
    approximate relative date keeps its words and names the date it counts from."""
    if m.anchor:
        return f"{m.label} (article of {m.anchor})"
    return m.iso or m.label


def sort_key(m: DateMention | None, order: int) -> tuple[int, int, int, int]:
    if m is None:
        return (9999, 99, 99, order)
    return (m.year or 9999, m.month or 99, m.day or 99, order)


# ---- dates in questions --------------------------------------------------------------------

_Q_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_Q_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_Q_YEAR = r"(?P<year>(?:19|20)\d\d)"
_QUESTION_DATES = (
    # 2023-11-24 / 2023/11/24
    re.compile(r"\b(?P<year>(?:19|20)\d\d)[-/](?P<mnum>[01]?\d)[-/](?P<day>[0-3]?\d)\b"),
    # October 5, 2023 / Oct. 5th 2023 / October 1st
    re.compile(rf"\b{_Q_MONTH}\s+{_Q_DAY}\b(?:,?\s+{_Q_YEAR}\b)?", re.IGNORECASE),
    # 5 October 2023 / 5th of October
    re.compile(rf"\b{_Q_DAY}\s+(?:of\s+)?{_Q_MONTH}(?:,?\s+{_Q_YEAR}\b)?", re.IGNORECASE),
    # (in) November 2023
    re.compile(rf"\b{_Q_MONTH}\s+{_Q_YEAR}\b", re.IGNORECASE),
)
_YEAR_IN_TEXT = re.compile(r"\b((?:19|20)\d\d)\b")


def find_question_dates(query: str, default_years: Sequence[int] = ()) -> list[DateMention]:
    """Days and months named in ``query``; a day without a year gets the question's year, else
    each of ``default_years`` (the years the store holds articles from)."""
    explicit_years = sorted({int(y) for y in _YEAR_IN_TEXT.findall(query)})
    taken: list[tuple[int, int]] = []
    found: list[DateMention] = []
    for pattern in _QUESTION_DATES:
        for m in pattern.finditer(query):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            groups = m.groupdict()
            if groups.get("mnum"):
                month = int(groups["mnum"])
            else:
                month = MONTHS[groups["month"].lower().rstrip(".")]
            if (
                groups.get("month")
                and groups["month"].lower() in ("may", "mar")
                and not (groups.get("year") or groups.get("day"))
            ):
                continue
            if groups.get("year"):
                years = [int(groups["year"])]
            elif explicit_years:
                years = explicit_years[-1:]
            else:
                years = list(default_years)
            day = groups.get("day")
            for year in years:
                if day is not None:
                    if not _valid(year, month, int(day)):
                        continue
                    found.append(DateMention(m.group(0), m.start(), m.end(), year, month, int(day)))
                else:
                    found.append(
                        DateMention(m.group(0), m.start(), m.end(), year, month, None, "month")
                    )
            taken.append((m.start(), m.end()))
    found.sort(key=lambda d: (d.start, d.first))
    return found


# ---- looking ahead -----------------------------------------------------------------------------

_STRONG_FUTURE = re.compile(
    r"\b(plans? to|planned to|planning to|intends? to|is (?:expected|scheduled|set|due|poised|slated) to"
    r"|are (?:expected|scheduled|set|due|poised|slated) to|will be held|to be held"
    r"|next (?:week|month|year|round|meeting|session|summit)|upcoming|in the coming (?:days|weeks|months)"
    r"|later this (?:week|month|year)|deadline|by the end of)\b",
    re.IGNORECASE,
)
_WEAK_FUTURE = re.compile(
    r"(?<![Tt]he )(?<!good )(?<!political )(?<!free )(?<!own )(?<![Hh]is )(?<![Hh]er )"
    r"(?<![Tt]heir )(?<![Oo]ur )\b(will|may|might|could|won['’]t|shall)\b(?!\s+have\b)"
)
_PAST_MODAL = re.compile(r"\b(could|might|may) (?:not )?have\b")


def future_cue(sentence: str) -> tuple[str, int] | None:
    """(cue, strength) when the sentence looks ahead: 2 for plans/schedules/"next week",
    1 for modal verbs (will, may, could). Capitalised "May" (the month) is not a modal."""
    if (m := _STRONG_FUTURE.search(sentence)) is not None:
        return m.group(1), 2
    if _PAST_MODAL.search(sentence):
        return None
    if (m := _WEAK_FUTURE.search(sentence)) is not None:
        return m.group(1), 1
    return None
