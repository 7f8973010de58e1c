"""Ingestion throughput on the MultiHop-RAG articles: articles/s and passages/s, split into
parse, chunk, embed, store (Chroma writes) and other (duplicate checks) time.

    .venv/bin/python bench/bench_ingest.py [--articles FILE.jsonl] [--repeat N] [--no-write]

Each run ingests into a fresh embedded Chroma in a temporary BRIEFBOT_HOME through the real
``vectorstore.ingest.ingest``; the embeddings object is wrapped to time ``embed_documents``.
Writes the "ingest" section of docs/bench/ingest.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as ``python bench/bench_ingest.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from langchain_core.embeddings import Embeddings  # noqa: E402

from bench.common import (  # noqa: E402
    ARTICLES,
    DOCS,
    command_line,
    machine_summary,
    md_table,
    noisy_note,
    write_fragment,
)


class TimedEmbeddings(Embeddings):
    """Times every ``embed_documents``/``embed_query`` call of the wrapped model."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.texts = 0
        self.calls = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        t0 = time.perf_counter()
        try:
            return self.inner.embed_documents(texts)
        finally:
            self.seconds += time.perf_counter() - t0
            self.texts += len(texts)
            self.calls += 1

    def embed_query(self, text: str) -> list[float]:
        t0 = time.perf_counter()
        try:
            return self.inner.embed_query(text)
        finally:
            self.seconds += time.perf_counter() - t0


def _subset(articles: Path, limit: int | None, into: Path) -> Path:
    if not limit:
        return articles
    lines = [line for line in articles.read_text(encoding="utf-8").splitlines() if line]
    path = into / f"first-{limit}.jsonl"
    path.write_text("\n".join(lines[:limit]) + "\n", encoding="utf-8")
    return path


def model_throughput(texts: list[str]) -> float:
    """Passages/s of the embedding model alone, batched (one call for every passage)."""
    from vectorstore.embeddings import default_embeddings

    model = default_embeddings()
    t0 = time.perf_counter()
    model.embed_documents(texts)
    return len(texts) / (time.perf_counter() - t0)


def run_once(articles: Path) -> dict[str, float]:
    from bot.settings import Settings
    from vectorstore.embeddings import default_embeddings
    from vectorstore.ingest import IngestTimings, ingest
    from vectorstore.store import ArticleStore

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as home:
        settings = Settings(home=Path(home), collection="bench", chroma_url=None)
        timed = TimedEmbeddings(default_embeddings())
        store = ArticleStore(settings.store_config(), embeddings=timed)
        timings = IngestTimings()
        t0 = time.perf_counter()
        report = ingest([str(articles)], store, timings=timings)
        total = time.perf_counter() - t0
        if report.failed:
            raise SystemExit(f"ingest failed: {report.failed[:3]}")
        embed = timed.seconds
        store_only = max(0.0, timings.store - embed)
        other = max(0.0, total - timings.parse - timings.chunk - timings.store)
        texts = [c.text for c in store.all_chunks()]
        return {
            "model_passages_s": model_throughput(texts),
            "embed_calls": timed.calls,
            "articles": report.added,
            "chunks": report.chunks,
            "total": total,
            "parse": timings.parse,
            "chunk": timings.chunk,
            "embed": embed,
            "store": store_only,
            "other": other,
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=Path, default=ARTICLES)
    parser.add_argument("--repeat", type=int, default=1, help="runs (the median is reported)")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/bench")
    parser.add_argument("--limit", type=int, help="ingest only the first N articles")
    args = parser.parse_args(argv)

    from vectorstore.embeddings import default_embeddings

    default_embeddings().embed_documents(["warm up the model"])  # load outside the timings
    with tempfile.TemporaryDirectory(prefix="bench-ingest-in-") as tmp:
        source = _subset(args.articles, args.limit, Path(tmp))
        runs = [run_once(source) for _ in range(args.repeat)]
    med = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    n_articles, n_chunks, total = med["articles"], med["chunks"], med["total"]

    rows = []
    for stage in ("parse", "chunk", "embed", "store", "other"):
        seconds = med[stage]
        rows.append([stage, seconds, 100 * seconds / total if total else 0.0])
    rows.append(["total", total, 100.0])
    stage_table = md_table(["stage", "seconds", "% of total"], rows)
    rate_table = md_table(
        [
            "articles",
            "passages",
            "articles/s",
            "passages/s",
            "embed passages/s",
            "embedding calls",
            "model batched passages/s",
            "ingest / model",
        ],
        [
            [
                int(n_articles),
                int(n_chunks),
                n_articles / total,
                n_chunks / total,
                n_chunks / med["embed"] if med["embed"] else float("nan"),
                int(med["embed_calls"]),
                med["model_passages_s"],
                f"{100 * (n_chunks / total) / med['model_passages_s']:.0f}%"
                if total and med["model_passages_s"]
                else "n/a",
            ]
        ],
    )
    print(rate_table)
    print()
    print(stage_table)

    if not args.no_write:
        note = noisy_note()
        fragment = f"""## Ingestion throughput

`{command_line()}` — {machine_summary()}; median of {len(runs)} run(s).
{note}

Input: `{args.articles.name}` ({int(n_articles)} articles, {int(n_chunks)} passages of at most
900 characters; these bodies are short evidence excerpts, about 200 characters each).

{rate_table}

{stage_table}

- **parse**: JSONL decoding, text cleaning and language detection (`vectorstore.parsing`;
  langdetect only for text that is not plainly English, `vectorstore/parsing/language.py`);
- **chunk**: sentence splitting and packing;
- **embed**: `MiniLMEmbeddings.embed_documents` (int8 ONNX, timed by a wrapper);
- **store**: waiting for Chroma and lexical-index writes (a background thread writes each batch
  while the next is embedded, so only the part not hidden behind embedding counts);
- **other**: duplicate checks (one store read per `LOOKAHEAD` documents, taken while no write
  is in flight), SimHash near-duplicate checks and bookkeeping.

Ingest writes (and embeds) in batches of up to 64 articles or 256 passages
(`vectorstore.ingest.WRITE_BATCH` / `WRITE_PASSAGES`): one embedding call per write batch, its
length-sorted passages cut into model batches by dynamic programming (`vectorstore.embeddings`:
few padded tokens), so the model sees full batches across articles. "model batched passages/s" embeds the same passages in
one call in the same run; "ingest / model" is whole-ingest passages/s (parsing, chunking,
duplicate checks and writes included) over that figure (target: at least 80%). The
store stage includes the persistent lexical index, written in the same locked step.
"""
        write_fragment(DOCS / "ingest.md", "ingest", fragment, title="Ingestion benchmarks")
        print(f"\nwrote {DOCS / 'ingest.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
