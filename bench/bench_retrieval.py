"""Retrieval latency (p50/p95) and memory at growing corpus sizes: Briefbot's hybrid retriever
side by side with plain LangChain + Chroma dense search, plus (``--eval``) the full-dev-set
retrieval quality table.

    .venv/bin/python bench/bench_retrieval.py [--sizes 10000,100000] [--queries 50] [--eval]

Corpus growth without random text: the 326 MultiHop-RAG articles are re-cut with several
chunkings (900/300/200/120 characters, with and without sentence overlap, starting at the first
or second sentence; each copy of an article carries the distinct passages of all of them) and
republished as re-dated copies (every copy shifted by another week, distinct article ids) until
the size is reached. Each distinct passage text is embedded once
(cached under ~/.cache/briefbot-bench) and the copies are written with those precomputed vectors
through the store's own write path (``put_many(..., vectors=...)``: passages, article records and
the persistent lexical index) — so 100k passages cost a few thousand embeddings, not 100k, and
``DIR/size-N`` is a usable ``BRIEFBOT_HOME`` (collection ``bench``).

Each size is measured in a fresh child process (for clean RSS figures): open the store, one
warm-up query per retriever, then every query through both. Memory: RSS growth from opening the
store through the first dense query (Chroma loads its HNSW index) and through the hybrid
retriever's first query (BM25 index + source/date tables), and the store's size on disk.
Writes docs/bench/retrieval.md.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as ``python bench/bench_retrieval.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bench.common import (  # noqa: E402
    ARTICLES,
    DOCS,
    QUERIES,
    command_line,
    dir_mb,
    load_articles,
    machine_summary,
    md_table,
    noisy_note,
    percentile,
    rss_mb,
    write_fragment,
)

# (max characters, sentence overlap, sentences skipped at the start)
CHUNKINGS = [(900, 1, 0), (300, 1, 0), (200, 0, 0), (120, 0, 0), (900, 0, 1), (200, 1, 1)]
CACHE = Path.home() / ".cache" / "briefbot-bench" / "passage-vectors.npz"


def _pack(text: str, max_chars: int, overlap: int, skip: int) -> list[tuple[int, int]]:
    """Greedy sentence packing as ``vectorstore.chunking`` does, optionally skipping sentences."""
    from vectorstore.sentences import sentence_spans

    spans = sentence_spans(text)[skip:] or sentence_spans(text)
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(spans):
        j = i
        while j + 1 < len(spans) and spans[j + 1][1] - spans[i][0] <= max_chars:
            j += 1
        out.append((spans[i][0], spans[j][1]))
        if j + 1 >= len(spans):
            break
        i = max(j + 1 - overlap, i + 1)
    return out


def plan_corpus(size: int) -> list[tuple[dict, int, list[tuple[int, int]]]]:
    """(article row, copy number, passage spans) until ``size`` passages are planned.

    Every copy of an article carries the distinct passages of all chunkings (overlapping spans
    of its text, 4-8 per article), so passages per article are closer to full-length news
    than the one-passage evidence bodies."""
    rows = load_articles(ARTICLES)
    per_row = []
    for row in rows:
        spans = [span for chunking in CHUNKINGS for span in _pack(row["body"], *chunking)]
        per_row.append(sorted(set(spans)))
    plan = []
    total = 0
    copy = 0
    while total < size:
        for row, spans in zip(rows, per_row, strict=True):
            spans = spans[: size - total]
            if not spans:
                break
            plan.append((row, copy, spans))
            total += len(spans)
        copy += 1
    return plan


def _vectors(texts: list[str]) -> dict[str, np.ndarray]:
    """Embeddings of distinct texts, cached on disk by text hash."""
    from vectorstore.embeddings import MODEL_ID, default_embeddings

    def key(t: str) -> str:
        return hashlib.sha1(f"{MODEL_ID}\x00{t}".encode()).hexdigest()

    cache: dict[str, np.ndarray] = {}
    if CACHE.exists():
        with np.load(CACHE) as data:
            cache = {k: data[k] for k in data.files}
    missing = [t for t in dict.fromkeys(texts) if key(t) not in cache]
    if missing:
        print(f"embedding {len(missing)} distinct passages (cached for later runs)...", flush=True)
        t0 = time.perf_counter()
        arr = default_embeddings().embed_array(missing)
        print(f"  {len(missing) / (time.perf_counter() - t0):.1f} passages/s", flush=True)
        for text, vec in zip(missing, arr, strict=True):
            cache[key(text)] = vec
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        np.savez(CACHE, **cache)
    return {t: cache[key(t)] for t in texts}


def build_store(home: Path, size: int) -> dict[str, float]:
    """A store of ``size`` passages from re-cut, re-dated copies (precomputed vectors)."""
    from bot.settings import Settings
    from vectorstore import store as store_module
    from vectorstore.ingest import build_article
    from vectorstore.models import Article, Chunk, ParsedDocument

    plan = plan_corpus(size)
    texts = [row["body"][a:b] for row, _, spans in plan for a, b in spans]
    vectors = _vectors(texts)
    settings = Settings(home=home, collection="bench", chroma_url=None)
    store = store_module.ArticleStore(settings.store_config())
    batch: list[tuple[Article, list[Chunk]]] = []
    batch_vectors: list[np.ndarray] = []

    def flush(force: bool = False) -> None:
        # through the store's own write path (passages, article records with their write
        # sequence, lexical index), with precomputed vectors instead of embedding
        if batch and (force or len(batch_vectors) >= 2000):
            store.put_many(batch, vectors=np.asarray(batch_vectors, dtype=np.float32).tolist())
            batch.clear()
            batch_vectors.clear()

    t0 = time.perf_counter()
    for row, copy, spans in plan:
        base = build_article(
            ParsedDocument(
                text=row["body"],
                title=row["title"],
                source=row["source"],
                author=row.get("author"),
                published_at=row["published_at"],
                url=row["url"],
            )
        )
        shifted = datetime.fromisoformat(row["published_at"]) + timedelta(weeks=copy)
        article_id = f"{base.id}-c{copy}"
        url = f"{row['url']}#copy{copy}" if copy else row["url"]
        article = Article(
            **{
                **base.to_dict(),
                "id": article_id,
                "url": url,
                "published_at": shifted.isoformat(),
                "chunk_count": len(spans),
                "origin": f"bench copy {copy}",
            }
        )
        chunks = [
            Chunk(f"{article_id}:{index}", article_id, index, a, b, row["body"][a:b])
            for index, (a, b) in enumerate(spans)
        ]
        batch.append((article, chunks))
        batch_vectors.extend(vectors[c.text] for c in chunks)
        flush()
    flush(force=True)
    with contextlib.suppress(Exception):
        store.close()
    return {
        "build_s": time.perf_counter() - t0,
        "distinct_texts": len(set(texts)),
        "articles": len(plan),
        "chunks": store.chunk_count(),
    }


# ---- measurement (child process) -----------------------------------------------------------


def measure(home: Path, n_queries: int) -> dict:
    from langchain_chroma import Chroma

    from bot.eval import load_queries
    from bot.retrieval import HybridRetriever
    from bot.settings import Settings
    from vectorstore.embeddings import default_embeddings
    from vectorstore.store import ArticleStore

    queries = [q.query for q in load_queries(QUERIES) if not q.is_null][:n_queries]
    embeddings = default_embeddings()
    embeddings.embed_query("load the model before measuring memory")
    rss0 = rss_mb()
    settings = Settings(home=home, collection="bench", chroma_url=None)
    t0 = time.perf_counter()
    store = ArticleStore(settings.store_config(), embeddings=embeddings)
    open_s = time.perf_counter() - t0
    rss_open = rss_mb()
    # The tutorial baseline: a LangChain Chroma over the same collection and embeddings.
    baseline = Chroma(
        collection_name="bench_chunks", embedding_function=embeddings, client=store.client
    )
    t0 = time.perf_counter()
    baseline.similarity_search("warm up", k=10)
    first_dense = time.perf_counter() - t0
    rss_dense = rss_mb()
    # The store's persistent BM25 index: first query after open, then its RSS on top.
    t0 = time.perf_counter()
    store.lexical_search(queries[0] if queries else "warm up", settings.fetch_k)
    first_lexical = time.perf_counter() - t0
    rss_lexical = rss_mb()
    hybrid = HybridRetriever(store=store, settings=settings)
    t0 = time.perf_counter()
    hybrid.retrieve("warm up", k=settings.top_k)
    first_hybrid = time.perf_counter() - t0
    rss_hybrid = rss_mb()

    lat_base, lat_hybrid, lat_lexical = [], [], []
    for q in queries:
        t0 = time.perf_counter()
        baseline.similarity_search(q, k=10)
        lat_base.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        hybrid.retrieve(q, k=settings.top_k)
        lat_hybrid.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        store.lexical_search(q, settings.fetch_k)
        lat_lexical.append(time.perf_counter() - t0)
    lexical_file = store.lexical.path
    lexical_mb = sum(
        p.stat().st_size for p in lexical_file.parent.glob(lexical_file.name + "*") if p.is_file()
    ) / (1024 * 1024)
    return {
        "chunks": store.chunk_count(),
        "articles": store.article_count(),
        "open_s": open_s,
        "rss_start_mb": rss0,
        "rss_open_mb": rss_open - rss0,
        "rss_dense_mb": rss_dense - rss_open,
        "rss_lexical_mb": rss_lexical - rss_dense,
        "rss_hybrid_mb": rss_hybrid - rss_dense,
        "first_dense_s": first_dense,
        "first_lexical_s": first_lexical,
        "first_hybrid_s": first_hybrid,
        "baseline_ms": [x * 1000 for x in lat_base],
        "hybrid_ms": [x * 1000 for x in lat_hybrid],
        "lexical_ms": [x * 1000 for x in lat_lexical],
        "disk_mb": dir_mb(home),
        "lexical_disk_mb": lexical_mb,
    }


# ---- main ----------------------------------------------------------------------------------


def run_eval() -> tuple[str, dict]:
    from bot.eval import RETRIEVAL_METRICS, evaluate_retrieval

    result = evaluate_retrieval(ARTICLES, QUERIES, baseline=True)
    metrics = ["all_evidence@4", "all_evidence@10", "any_hit@4", "any_hit@10", "mrr@10"]
    header = ["question type", "n"]
    for m in metrics:
        header += [f"{m} briefbot", f"{m} baseline"]
    counts: dict[str, int] = {}
    for row in result["per_query"]:
        counts[row["type"]] = counts.get(row["type"], 0) + 1
    rows = []
    for qtype, group in [*result["by_type"].items(), ("**overall**", result)]:
        cells: list[object] = [qtype, counts.get(qtype, result["queries"])]
        for m in metrics:
            cells += [group["briefbot"][m], group["baseline"][m]]
        rows.append(cells)
    assert set(metrics) <= set(RETRIEVAL_METRICS)
    return md_table(header, rows), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000", help="comma-separated passage counts")
    parser.add_argument("--queries", type=int, default=50, help="dev queries timed per size")
    parser.add_argument("--eval", action="store_true", help="also run the full-dev-set eval")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument(
        "--store-dir", type=Path, help="keep the built stores here and reuse them on later runs"
    )
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # child process modes
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.measure:
        print(json.dumps(measure(args.measure, args.queries)))
        return 0
    if args.build:
        built = build_store(args.build, int(args.sizes))
        (args.build / "bench-build.json").write_text(json.dumps(built))
        return 0

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = []
    for size in sizes:
        with contextlib.ExitStack() as stack:
            if args.store_dir:
                home = args.store_dir / f"size-{size}"
            else:
                home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-r-")))
            info = home / "bench-build.json"
            if info.exists():
                built = json.loads(info.read_text())
                print(f"reusing the {size}-passage store in {home}", flush=True)
            else:
                # Built in its own process, which exits (and so flushes and closes Chroma)
                # before the measuring process opens the store.
                print(f"building {size} passages...", flush=True)
                subprocess.run(
                    [sys.executable, __file__, "--build", str(home), "--sizes", str(size)],
                    check=True,
                )
                built = json.loads(info.read_text())
            print(f"  {built}", flush=True)
            child = subprocess.run(
                [sys.executable, __file__, "--measure", str(home), "--queries", str(args.queries)],
                check=True,
                stdout=subprocess.PIPE,
                text=True,
            )
            measured = json.loads(child.stdout.strip().splitlines()[-1])
            measured.update(built)
            results.append(measured)
            print(
                f"  opened in {measured['open_s']:.2f} s; first lexical query "
                f"{measured['first_lexical_s']:.2f} s; first hybrid query "
                f"{measured['first_hybrid_s']:.2f} s",
                flush=True,
            )
            print(
                f"  hybrid p50 {percentile(measured['hybrid_ms'], 50):.0f} ms, "
                f"p95 {percentile(measured['hybrid_ms'], 95):.0f} ms; dense baseline p50 "
                f"{percentile(measured['baseline_ms'], 50):.0f} ms, "
                f"p95 {percentile(measured['baseline_ms'], 95):.0f} ms",
                flush=True,
            )

    latency = md_table(
        ["passages", "articles", "retriever", "p50 ms", "p95 ms", "first query s", "RSS Δ MiB"],
        [
            row
            for r in results
            for row in (
                [
                    r["chunks"],
                    r["articles"],
                    "LangChain + Chroma dense (k=10)",
                    percentile(r["baseline_ms"], 50),
                    percentile(r["baseline_ms"], 95),
                    r["first_dense_s"],
                    r["rss_open_mb"] + r["rss_dense_mb"],
                ],
                [
                    r["chunks"],
                    r["articles"],
                    "Briefbot hybrid (k=6)",
                    percentile(r["hybrid_ms"], 50),
                    percentile(r["hybrid_ms"], 95),
                    r["first_hybrid_s"],
                    f"+{r['rss_hybrid_mb']:.1f} on top",
                ],
                [
                    r["chunks"],
                    r["articles"],
                    "store BM25 index alone (k=fetch_k)",
                    percentile(r["lexical_ms"], 50),
                    percentile(r["lexical_ms"], 95),
                    r["first_lexical_s"],
                    f"+{r['rss_lexical_mb']:.1f} on top",
                ],
            )
        ],
    )
    storage = md_table(
        [
            "passages",
            "distinct passage texts",
            "build s",
            "open s",
            "on disk MiB",
            "lexical index MiB",
            "hybrid p95 / dense p95",
            "hybrid RSS / dense RSS",
        ],
        [
            [
                r["chunks"],
                r["distinct_texts"],
                r["build_s"],
                r["open_s"],
                r["disk_mb"],
                r["lexical_disk_mb"],
                percentile(r["hybrid_ms"], 95) / max(percentile(r["baseline_ms"], 95), 1e-9),
                (r["rss_open_mb"] + r["rss_dense_mb"] + r["rss_hybrid_mb"])
                / max(r["rss_open_mb"] + r["rss_dense_mb"], 1e-9),
            ]
            for r in results
        ],
    )
    print(latency)
    print(storage)
    eval_md = ""
    if args.eval:
        table, result = run_eval()
        print(table)
        eval_md = f"""
## Retrieval quality (full dev set)

Article level, {result["queries"]} non-null queries of `queries_dev.json` ({result["skipped_null"]}
null queries skipped), {result["corpus"]["articles"]} articles / {result["corpus"]["chunks"]}
passages ingested fresh. Same numbers as
`.venv/bin/python -m bot.cli eval retrieval --articles ../shared/bench/multihop/articles.jsonl
--queries ../shared/bench/multihop/queries_dev.json --baseline` (this run: {command_line()}).

{table}

Baseline: `langchain_chroma.Chroma.from_documents` over the same passages and embeddings,
`similarity_search` until 10 distinct articles. **The fusion settings were tuned on this same
dev set** (there is no separate test split here), so these are optimistic for Briefbot; no
per-part ablation was measured in a kept run (see the notes below).
"""
    if not args.no_write:
        fragment = f"""## Latency and memory

`{command_line()}` — {machine_summary()}.
{noisy_note()}

Corpus: the MultiHop-RAG articles re-cut with {len(CHUNKINGS)} chunkings and republished as
re-dated copies (one week apart, distinct ids) up to each size; each distinct passage text is
embedded once and written with its precomputed vector through the store's own write path
(`ArticleStore.put_many(..., vectors=...)`: passages, article records, lexical index). {args.queries}
dev questions per size, both retrievers in the same child process; latency includes embedding
the question (and, for Briefbot, its clauses), every sub-search and joining articles.

{latency}

RSS Δ: growth of the measuring process from opening the store through the first dense query
(Chroma loads its HNSW index), then the store's persistent BM25 index after its first query
(per-passage length/source/date arrays; postings stay in SQLite), and the hybrid retriever's
extra on top of the dense figure. "first query s" is the first query after opening the store.

{storage}
"""
        write_fragment(DOCS / "retrieval.md", "latency", fragment, title="Retrieval benchmarks")
        if eval_md:
            write_fragment(DOCS / "retrieval.md", "quality", eval_md, title="Retrieval benchmarks")
        print(f"\nwrote {DOCS / 'retrieval.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
