"""Time windows: ``24h``, ``30m``, ``7d``, ``2w`` (``--since``, ``--every``) and when an
article counts as new in one.

An article is *in the window* starting at ``start`` when its publication time is at or after
``start``; an article without a publication date counts by the time it was ingested. A date
without a time of day (``2026-11-30``) counts until the end of that day (UTC), so yesterday's
dated-only stories are not lost from a 24-hour digest. Ingestion time alone would put a new
feed's whole back-catalogue into the next digest; publication time alone would drop every
undated article.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.I)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """``"24h"`` -> 24 hours; units s, m, h, d, w. ValueError otherwise."""
    match = _DURATION.match(text or "")
    if not match:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30m, 24h, 7d)")
    value = timedelta(**{_UNITS[match.group(2).lower()]: float(match.group(1))})
    if value <= timedelta(0):
        raise ValueError(f"the duration must be positive, got {text!r}")
    return value


def parse_since(text: str, now: datetime | None = None) -> date:
    """``--since``: a duration back from now (a ``datetime``, UTC) or a date (YYYY-MM-DD)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        pass
    try:
        return (now or datetime.now(UTC)) - parse_duration(text)
    except ValueError:
        raise ValueError(
            f"--since takes a duration (24h, 7d) or a date (YYYY-MM-DD), got {text!r}"
        ) from None


def window_start(since: date) -> datetime:
    """The window's first moment (UTC): a date starts at midnight."""
    if isinstance(since, datetime):
        return since if since.tzinfo else since.replace(tzinfo=UTC)
    return datetime(since.year, since.month, since.day, tzinfo=UTC)


def _moment(text: str | None, end_of_day: bool = False) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if end_of_day and len(text.strip()) <= 10:  # a date only
        value += timedelta(days=1) - timedelta(seconds=1)
    return value


def article_time(published_at: str | None, ingested_at: str | None) -> datetime | None:
    """When an article counts as having appeared (see the module docstring)."""
    return _moment(published_at, end_of_day=True) or _moment(ingested_at)


def in_window(published_at: str | None, ingested_at: str | None, start: datetime) -> bool:
    moment = article_time(published_at, ingested_at)
    return moment is not None and moment >= start
