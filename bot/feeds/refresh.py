"""Refreshing a collection's feeds: conditional GET, only new entries fetched and ingested.

Per feed:

1. GET the feed with ``If-None-Match``/``If-Modified-Since`` from the last complete refresh; a
   304 ends it (nothing new).
2. Parse the entries (``vectorstore.parsing.web.feed_entries``); entries the registry already
   holds as read (or given up after ``FeedSettings.max_attempts``) are skipped, unfetched.
3. The new entries go through the ordinary ingest (``vectorstore.ingest.ingest`` with a reader
   that fetches one entry's page, falling back to the feed's own text), so deduplication,
   near-duplicate flags, batching and crash safety are the same as ``briefbot ingest``.
4. One registry transaction records each entry's outcome and, only when no entry is left to
   retry, the feed's validators: otherwise the next refresh must see the whole feed again.

Bounds: every request has the fetcher's size cap and deadline (``FeedSettings.timeout_s``), and
each feed a time budget (``budget_s``) after which its remaining entries wait for the next
refresh. A failing feed is reported in its own row; it never stops the others. A killed refresh
loses nothing: articles are committed before the registry marks their entries as read, and an
entry stored but not yet marked is skipped by content hash next time.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.feeds.registry import EntryOutcome, Feed, FeedRegistry
from bot.settings import FeedSettings
from vectorstore.ingest import ingest
from vectorstore.parsing import ParseError
from vectorstore.parsing.web import FeedEntry, client_for, feed_entries, fetch, is_feed, read_entry
from vectorstore.store import ArticleStore, StoreUnavailable

log = logging.getLogger(__name__)

RefreshProgress = Callable[[str], None]


@dataclass
class FeedResult:
    """One feed's row of ``briefbot refresh --json``."""

    url: str
    new: int = 0
    skipped: int = 0
    error: str | None = None
    not_modified: bool = False
    article_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"url": self.url, "new": self.new, "skipped": self.skipped, "error": self.error}


@dataclass
class RefreshReport:
    feeds: list[FeedResult] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(f.new for f in self.feeds)

    def to_dict(self) -> dict:
        return {"feeds": [f.to_dict() for f in self.feeds], "added": self.added}


class _OutOfTime(ParseError):
    pass


def refresh_feeds(
    store: ArticleStore,
    registry: FeedRegistry,
    limits: FeedSettings,
    progress: RefreshProgress | None = None,
) -> RefreshReport:
    """Refresh every feed of the collection (one at a time; see the module docstring)."""
    report = RefreshReport()
    say = progress or (lambda _message: None)
    with registry.refresh_lock():
        feeds = registry.feeds()
        for number, feed in enumerate(feeds, start=1):
            say(f"Feed {number} of {len(feeds)}: {feed.url}")
            result = refresh_one(store, registry, feed, limits)
            report.feeds.append(result)
            if result.error:
                say(f"{feed.url}: {result.error}")
            else:
                say(f"{feed.url}: {result.new} new, {result.skipped} already seen")
    return report


def refresh_one(
    store: ArticleStore, registry: FeedRegistry, feed: Feed, limits: FeedSettings
) -> FeedResult:
    """Refresh one feed; every failure ends up in ``FeedResult.error`` and the registry
    (except a Chroma server that is down, which stops the whole refresh)."""
    config = dataclasses.replace(store.config, fetch_timeout_s=limits.timeout_s)
    result = FeedResult(url=feed.url)
    headers = {}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    try:
        with client_for(config) as client:
            fetched = fetch(client, feed.url, config, headers=headers)
            if fetched.status == 304:
                result.not_modified = True
                registry.record(feed.url, error=None)
                return result
            if not is_feed(fetched):
                raise ParseError(f"{feed.url} is not an RSS or Atom feed ({fetched.content_type})")
            entries, notes = feed_entries(fetched, feed.url)
            outcomes = _ingest_new(store, registry, feed, entries, client, config, limits, result)
    except StoreUnavailable:
        raise
    except ParseError as exc:
        result.error = str(exc)
        registry.record(feed.url, error=result.error)
        return result
    except Exception as exc:  # a bug on one feed must not stop the others
        log.exception("refreshing %s", feed.url)
        result.error = f"unexpected error: {exc!r}"
        registry.record(feed.url, error=result.error)
        return result
    failed = [o for o in outcomes if not o.ok]
    if failed:
        first = failed[0]
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        result.error = (
            f"{len(failed)} entr{'y' if len(failed) == 1 else 'ies'} not read: {first.error}{more}"
        )
    elif notes:
        result.error = notes[0]
    states = registry.entry_states(feed.url)
    pending = [
        o
        for o in failed
        if states.get(o.key) is None or states[o.key].attempts + 1 < limits.max_attempts
    ]
    registry.record(
        feed.url,
        error=result.error,
        new=result.new,
        validators=(fetched.etag, fetched.last_modified) if not pending else (None, None),
        outcomes=outcomes,
        current_keys=[e.key for e in entries],
    )
    return result


def _ingest_new(
    store: ArticleStore,
    registry: FeedRegistry,
    feed: Feed,
    entries: list[FeedEntry],
    client,  # type: ignore[no-untyped-def]
    config,  # type: ignore[no-untyped-def]
    limits: FeedSettings,
    result: FeedResult,
) -> list[EntryOutcome]:
    """Ingest the entries not read before; the outcome of each one tried."""
    states = registry.entry_states(feed.url)
    fresh = [
        e
        for e in entries
        if not (
            e.key in states and (states[e.key].ok or states[e.key].attempts >= limits.max_attempts)
        )
    ]
    result.skipped = len(entries) - len(fresh)
    if not fresh:
        return []
    by_key = {e.key: e for e in fresh}
    deadline = time.monotonic() + limits.budget_s

    def reader(source: str, _store: ArticleStore):  # type: ignore[no-untyped-def]
        if time.monotonic() > deadline:
            raise _OutOfTime(f"the feed's {limits.budget_s:g} s budget ran out; read next time")
        return [read_entry(client, by_key[source], feed.url, config)], []

    report = ingest(list(by_key), store, reader=reader)
    errors = {f.path: f.error for f in report.failed}
    result.new = report.added + report.replaced
    result.skipped += report.skipped
    result.article_ids = list(report.article_ids)
    outcomes: list[EntryOutcome] = []
    for entry in fresh:
        error = errors.get(entry.key) or (errors.get(entry.link) if entry.link else None)
        outcomes.append(EntryOutcome(entry.key, ok=error is None, error=error))
    return outcomes
