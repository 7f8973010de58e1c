"""Ingest files, folders, URLs and feeds into the store; bad inputs are reported, never fatal."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from vectorstore.chunking import chunk_article
from vectorstore.fingerprint import article_id, content_hash, hamming, simhash
from vectorstore.models import Article, Failure, IngestReport, ParsedDocument
from vectorstore.parsing import (
    SUPPORTED_SUFFIXES,
    ParseError,
    read_path_detailed,
    read_url_detailed,
)
from vectorstore.store import ArticleStore, StoreUnavailable

Progress = Callable[[int, int, str], None]
Reader = Callable[[str, "ArticleStore"], tuple[list[ParsedDocument], list[str]]]
"""Reads one source into documents and per-item errors (``read_source`` by default)."""


@dataclass
class IngestTimings:
    """Wall-clock seconds per stage, for benchmarks."""

    parse: float = 0.0
    chunk: float = 0.0
    store: float = 0.0  # includes embedding; see ``bench/`` for the split
    per_stage: dict[str, float] = field(default_factory=dict)


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def expand_sources(sources: Iterable[str]) -> Iterator[str]:
    """Folders become their files (recursive, hidden ones skipped); URLs and files pass through."""
    for source in sources:
        path = Path(source)
        if not is_url(source) and path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not any(
                    p.startswith(".") for p in child.relative_to(path).parts
                ):
                    yield str(child)
        else:
            yield source


def read_source(source: str, store: ArticleStore) -> tuple[list[ParsedDocument], list[str]]:
    """Parsed documents and per-item errors of one file or URL."""
    if is_url(source):
        return read_url_detailed(source, store.config)
    path = Path(source)
    if not path.exists():
        raise ParseError("no such file or folder")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise ParseError(
            f"unsupported file type {path.suffix or '(none)'} (supported: {supported})"
        )
    return read_path_detailed(path, store.config)


def build_article(doc: ParsedDocument) -> Article:
    text_hash = content_hash(doc.text)
    return Article(
        id=article_id(doc.url, text_hash),
        title=doc.title or "(untitled)",
        text=doc.text,
        content_hash=text_hash,
        source=doc.source,
        author=doc.author,
        published_at=doc.published_at,
        url=doc.url,
        language=doc.language,
        origin=doc.origin,
        simhash=f"{simhash(doc.text):016x}",
        ingested_at=datetime.now(UTC).isoformat(timespec="microseconds"),  # vs a visit: same second
    )


class _NearDuplicates:
    """Known SimHashes, loaded once per ingest run and extended as articles land."""

    def __init__(self, store: ArticleStore, max_bits: int) -> None:
        self.max_bits = max_bits
        # from the lexical index's article table: no read of every Chroma record
        self.known = [(i, int(h, 16)) for i, h in store.simhashes() if h]

    def match(self, article: Article) -> str | None:
        value = int(article.simhash, 16)
        for other_id, other in self.known:
            if other_id != article.id and hamming(value, other) <= self.max_bits:
                return other_id
        return None

    def add(self, article: Article) -> None:
        self.known.append((article.id, int(article.simhash, 16)))


class _Committed:
    """What this run knows of the store's committed articles, for the exact-duplicate check.

    Read in batches (``fetch``: one store operation for up to ``LOOKAHEAD`` documents, taken
    while none of this run's writes is in flight, so it never waits for one) and kept in step
    with this run's own writes as they land (``landed``). Answers what ``find_by_hash`` and
    ``committed_hashes`` would answer per document, without a store operation per document."""

    def __init__(self, store: ArticleStore) -> None:
        self.store = store
        self.by_hash: dict[str, str] = {}  # content hash -> id of a committed article
        self.by_id: dict[str, str] = {}  # article id -> its committed content hash
        self.fetched: set[tuple[str, str]] = set()  # (id, hash) pairs already looked up

    def knows(self, article: Article) -> bool:
        return (article.id, article.content_hash) in self.fetched

    def fetch(self, articles: Sequence[Article]) -> None:
        """Look up the articles not looked up yet, in one store operation."""
        todo = [a for a in articles if not self.knows(a)]
        if not todo:
            return
        hashes = [a.content_hash for a in todo]
        by_hash, by_id = self.store.committed_versions(hashes, [a.id for a in todo])
        for text_hash in hashes:  # the store's answer replaces what this run assumed
            if text_hash in by_hash:
                self.by_hash[text_hash] = by_hash[text_hash]
            else:
                self.by_hash.pop(text_hash, None)
        for article in todo:
            if article.id in by_id:
                self.by_id[article.id] = by_id[article.id]
            else:
                self.by_id.pop(article.id, None)
            self.fetched.add((article.id, article.content_hash))

    def stored(self, content_hash: str) -> bool:
        return content_hash in self.by_hash

    def replaces(self, article_id: str) -> bool:
        return article_id in self.by_id

    def landed(self, article: Article) -> None:
        """This run committed ``article`` (replacing any earlier version with its id)."""
        old = self.by_id.get(article.id)
        if old is not None and self.by_hash.get(old) == article.id:
            del self.by_hash[old]
        self.by_id[article.id] = article.content_hash
        self.by_hash[article.content_hash] = article.id

    def forget(self) -> None:
        """A write failed part-way perhaps: look everything up again."""
        self.by_hash.clear()
        self.by_id.clear()
        self.fetched.clear()


# One store write (and one embedding call, so the model sees full batches) per WRITE_BATCH
# articles or WRITE_PASSAGES passages, whichever comes first: fewer Chroma commits, the same
# all-or-nothing per article; a kill loses at most the batches in flight (two).
WRITE_BATCH = 64
WRITE_PASSAGES = 256
# Documents looked up per duplicate check (``_Committed.fetch``): a few write batches ahead.
LOOKAHEAD = 4 * WRITE_BATCH


@dataclass
class _Ready:
    article: Article
    chunks: list
    replaces: bool
    origin: str


class _Pipeline:
    """Batches of prepared articles: embedded by the caller's thread, written by one background
    thread, so that a batch's Chroma and lexical-index writes overlap the next batch's
    embedding (the model's time dominates ingest). One write in flight at a time, in order;
    its outcome is recorded before the next is started."""

    def __init__(
        self,
        store: ArticleStore,
        report: IngestReport,
        timings: IngestTimings,
        on_stored: Callable[[], None],
        committed: _Committed,
    ) -> None:
        self.store = store
        self.report = report
        self.timings = timings
        self.on_stored = on_stored
        self.committed = committed
        self.before_write: Callable[[], None] = lambda: None
        self.pending: list[_Ready] = []
        self.in_flight: list[_Ready] = []
        self._future: Future[None] | None = None
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="briefbot-ingest")

    def unsettled(self) -> list[_Ready]:
        """Articles accepted but not yet known to be stored (pending or in flight)."""
        return [*self.in_flight, *self.pending]

    def add(self, ready: _Ready) -> None:
        self.pending.append(ready)
        if (
            len(self.pending) >= WRITE_BATCH
            or sum(len(r.chunks) for r in self.pending) >= WRITE_PASSAGES
        ):
            self.flush()

    def flush(self) -> None:
        """Embed the pending batch and hand it to the writer (after the previous write)."""
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        t0 = time.perf_counter()
        try:
            texts = [c.text for r in batch for c in r.chunks]
            vectors = self.store.embeddings.embed_documents(texts) if texts else []
        except Exception as exc:  # a model failure loses this batch only, reported
            self.report.failed.extend(
                Failure(path=r.origin, error=f"embedding error: {exc}") for r in batch
            )
            return
        finally:
            self.timings.store += time.perf_counter() - t0
        self.settle()
        # No write in flight: store reads now wait for nobody. Only a look-ahead: when it
        # fails, each document is looked up (and its error reported) when it is prepared.
        with contextlib.suppress(Exception):
            self.before_write()
        items = [(r.article, r.chunks) for r in batch]
        self.in_flight = batch
        self._future = self._writer.submit(self.store.put_many, items, vectors)

    def settle(self) -> None:
        """Wait for the write in flight and record what it stored (or why it failed)."""
        future, batch = self._future, self.in_flight
        if future is None:
            return
        self._future, self.in_flight = None, []
        t0 = time.perf_counter()
        try:
            future.result()
        except StoreUnavailable:
            raise
        except Exception as exc:
            self.committed.forget()
            self.report.failed.extend(
                Failure(path=r.origin, error=f"store error: {exc}") for r in batch
            )
        else:
            for r in batch:
                self.committed.landed(r.article)
                _record(self.report, r)
        finally:
            self.timings.store += time.perf_counter() - t0
        self.on_stored()

    def drain(self) -> None:
        """Everything accepted so far stored (or reported)."""
        self.flush()
        self.settle()

    def close(self) -> None:
        """Stop the writer after the write in flight (on success or error)."""
        with contextlib.suppress(Exception):
            if self._future is not None:
                self._future.result()
        self._writer.shutdown(wait=True)


def ingest(
    sources: Sequence[str],
    store: ArticleStore,
    progress: Progress | None = None,
    timings: IngestTimings | None = None,
    reader: Reader | None = None,
) -> IngestReport:
    """Parse, deduplicate, chunk and store every source; one bad source never stops the rest.

    Articles are written in small batches (``WRITE_BATCH``), each article whole or not at all.
    A store that cannot be reached (``StoreUnavailable``) stops the run: every later write would
    fail the same way. Everything committed before that stays, so running the same ingest again
    completes it, skipping what is already stored. ``reader`` replaces how one source is read
    (feed monitoring reads a feed entry with the feed's own text as fallback).
    """
    read = reader or read_source
    report = IngestReport()
    timings = timings or IngestTimings()
    items = list(expand_sources(sources))
    near = _NearDuplicates(store, store.config.near_duplicate_bits)
    committed = _Committed(store)
    current = [0, ""]
    queue: list[Article | Exception] = []  # the current source's articles (or why not)
    cursor = [0]  # position of the next one to prepare

    def upcoming() -> list[Article]:
        ahead = queue[cursor[0] : cursor[0] + LOOKAHEAD]
        return [a for a in ahead if isinstance(a, Article)]

    def stored() -> None:
        if progress:  # the bar moves inside a large source (a JSONL file, a feed) too
            progress(
                current[0], len(items), f"{current[1]} ({report.added + report.replaced} stored)"
            )

    pipeline = _Pipeline(store, report, timings, stored, committed)
    pipeline.before_write = lambda: committed.fetch(upcoming())
    try:
        for position, source in enumerate(items):
            current[:] = [position, source]
            if progress:
                progress(position, len(items), source)
            t0 = time.perf_counter()
            try:
                docs, errors = read(source, store)
            except ParseError as exc:
                report.failed.append(Failure(path=source, error=str(exc)))
                continue
            except Exception as exc:  # a parser bug must not lose the batch
                report.failed.append(Failure(path=source, error=f"unexpected error: {exc!r}"))
                continue
            finally:
                timings.parse += time.perf_counter() - t0
            report.failed.extend(Failure(path=source, error=e) for e in errors)
            queue[:] = [_try_build(doc) for doc in docs]
            for position_in_source, (doc, article) in enumerate(zip(docs, queue, strict=True)):
                cursor[0] = position_in_source
                try:
                    if isinstance(article, Exception):
                        raise article
                    if not committed.knows(article):
                        committed.fetch(upcoming())
                    ready = _prepare(doc, article, store, report, near, timings, pipeline)
                except StoreUnavailable:
                    raise
                except Exception as exc:
                    report.failed.append(
                        Failure(path=doc.origin or source, error=f"store error: {exc}")
                    )
                    continue
                if ready is not None:
                    pipeline.add(ready)
            queue.clear()
            pipeline.flush()  # a source's articles are written while the next one is read
        pipeline.drain()
    finally:
        pipeline.close()
    if progress:
        progress(len(items), len(items), "done")
    return report


def _try_build(doc: ParsedDocument) -> Article | Exception:
    """``build_article``, or the error it raised (reported for that document alone)."""
    try:
        return build_article(doc)
    except Exception as exc:  # a malformed URL (urlsplit) must not lose the source
        return exc


def _prepare(
    doc: ParsedDocument,
    article: Article,
    store: ArticleStore,
    report: IngestReport,
    near: _NearDuplicates,
    timings: IngestTimings,
    pipeline: _Pipeline,
) -> _Ready | None:
    """The article, chunks and flags of one document, or None when it is already stored
    (committed, or accepted earlier in this run and not yet known to have failed)."""
    unsettled = pipeline.unsettled()
    if any(r.article.content_hash == article.content_hash for r in unsettled):
        report.skipped += 1
        return None
    if any(r.article.id == article.id for r in unsettled):
        pipeline.drain()  # a second version of an article in the batch: store the first first
    committed = pipeline.committed
    if not committed.knows(article):  # forgotten after a failed write
        committed.fetch([article])
    holder = committed.by_hash.get(article.content_hash)
    if holder is not None and any(r.article.id == holder for r in pipeline.unsettled()):
        pipeline.drain()  # that text is being replaced in the batch: decide once it has landed
        if not committed.knows(article):
            committed.fetch([article])
    if committed.stored(article.content_hash):
        report.skipped += 1
        return None
    replaces = committed.replaces(article.id)
    t0 = time.perf_counter()
    chunks = chunk_article(
        article.id, article.text, store.config.chunk_chars, store.config.chunk_overlap_sentences
    )
    timings.chunk += time.perf_counter() - t0
    duplicate_of = near.match(article)
    article = dataclasses.replace(article, chunk_count=len(chunks), near_duplicate_of=duplicate_of)
    near.add(article)
    return _Ready(article, chunks, replaces, doc.origin)


def _record(report: IngestReport, ready: _Ready) -> None:
    article = ready.article
    if ready.replaces:
        report.replaced += 1
    else:
        report.added += 1
    report.chunks += len(ready.chunks)
    report.article_ids.append(article.id)
    if article.near_duplicate_of:
        report.near_duplicates.append(
            {
                "article_id": article.id,
                "title": article.title,
                "duplicate_of": article.near_duplicate_of,
            }
        )
