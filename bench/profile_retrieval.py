"""Where a hybrid query's time goes on a built store (read-only), and how far MaxScore pruning
of BM25 could go on it.

``--stages``: after a warm-up, per dev question, the dense baseline (LangChain + Chroma) and the
hybrid retriever in the same process, with the time of each stage of the hybrid query (question
embedding, the Chroma pool query and its placement, the lexical searches, fusion, the article
join, stored vectors). ``--first``: the first touch of each Chroma collection in a fresh
process (time, bytes read, RSS), which is what the first query after open pays.
``--pruning``: for each question's unrestricted BM25 list, the share of postings a MaxScore
search would still enumerate with ideal per-term bounds (the exact maximum term score) and the
true ``k``-th score, i.e. the best any pruning by term bounds can do on this corpus.

    PYTHONPATH=$PWD .venv/bin/python bench/profile_retrieval.py DIR/size-1000000 --stages
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from bench.common import QUERIES  # noqa: E402


def _ms(values: list[float]) -> str:
    return (
        f"p50 {np.percentile(values, 50) * 1e3:7.1f}  p95 {np.percentile(values, 95) * 1e3:7.1f}"
        f"  mean {np.mean(values) * 1e3:7.1f} ms"
    )


def _open(home: Path, embeddings: Any = None) -> tuple[Any, Any]:
    from bot.settings import Settings
    from vectorstore.store import ArticleStore

    settings = Settings(home=home, collection="bench", chroma_url=None)
    return settings, ArticleStore(settings.store_config(), embeddings=embeddings)


def _questions(n: int) -> list[str]:
    from bot.eval import load_queries

    return [q.query for q in load_queries(QUERIES) if not q.is_null][:n]


def stages(home: Path, n: int, serial: bool) -> None:
    from langchain_chroma import Chroma

    import bot.retrieval.hybrid as hybrid_module
    from bot.retrieval import HybridRetriever
    from vectorstore.embeddings import default_embeddings
    from vectorstore.store import ArticleStore

    embeddings = default_embeddings()
    settings, store = _open(home, embeddings)
    baseline = Chroma(
        collection_name="bench_chunks", embedding_function=embeddings, client=store.client
    )
    baseline.similarity_search("warm up", k=10)
    # --serial: BM25 on the calling thread, so that the stages add up (else it overlaps the
    # embedding and the pool query, which then waits for the lexical index)
    params = settings.retrieval.model_copy(update={"lexical_in_background": not serial})
    hybrid = HybridRetriever(store=store, settings=settings, params=params)
    questions = _questions(n)
    for q in ["warm up", *questions[:3]]:
        hybrid.retrieve(q, k=settings.top_k)

    spent: dict[str, list[float]] = defaultdict(list)

    def timed(label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[label][-1] += time.perf_counter() - t0

        return run

    methods = {"nearest": "Chroma pool + placement", "lexical_hits": "BM25 lists"}
    methods |= {"join": "article join", "vectors": "stored vectors"}
    for name, label in methods.items():
        setattr(ArticleStore, name, timed(label, getattr(ArticleStore, name)))
    embed = type(embeddings)._embed
    type(embeddings)._embed = timed("embedding", embed)  # type: ignore[method-assign]
    for name in ("rrf", "greedy_coverage", "interleave_repeats"):
        setattr(hybrid_module, name, timed("fusion", getattr(hybrid_module, name)))
    labels = ["embedding", *methods.values(), "fusion"]
    dense, total = [], []
    for q in questions:
        for label in labels:
            spent[label].append(0.0)
        t0 = time.perf_counter()
        baseline.similarity_search(q, k=10)
        dense.append(time.perf_counter() - t0)
        spent["embedding"][-1] = 0.0  # the baseline's own embedding is not a hybrid stage
        t0 = time.perf_counter()
        hybrid.retrieve(q, k=settings.top_k)
        total.append(time.perf_counter() - t0)
    print(f"{'dense baseline':24s} {_ms(dense)}")
    print(f"{'hybrid':24s} {_ms(total)}")
    for label in labels:
        print(f"  {label:22s} {_ms(spent[label])}")
    print(f"load average {os.getloadavg()}")


def first(home: Path) -> None:
    def read_bytes() -> int:
        fields = dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
        return int(fields["rchar"])

    def rss_mb() -> int:
        status = Path("/proc/self/status").read_text().splitlines()
        return int(next(x for x in status if x.startswith("VmRSS")).split()[1]) // 1024

    _, store = _open(home)
    ids = store.lexical.article_ids_page(5, 0)
    with store._section():
        for name, col in (("articles", store._articles_col), ("chunks", store._chunk_col)):
            for attempt in ("first", "second"):
                r0, m0, t0 = read_bytes(), rss_mb(), time.perf_counter()
                col.get(ids=ids, include=["metadatas"])
                print(
                    f"{name:8s} {attempt} get: {time.perf_counter() - t0:6.3f} s, "
                    f"read {(read_bytes() - r0) / 2**20:7.1f} MiB, RSS +{rss_mb() - m0} MiB"
                )


def pruning(home: Path, n: int, k: int) -> None:
    _, store = _open(home)
    index = store.lexical
    index.search("warm up", 1)
    with index._read() as con:
        meta = index._snapshot(con)
        n_docs, total_len = int(meta["docs"]), int(meta["total_len"])
        norm = index._norms(int(meta["version"]), n_docs, total_len, 0.9, 0.4)
        for q in _questions(n):
            tokens = index._query_tokens(q)
            stats = index._term_stats(con, tokens)
            present = [t for t in tokens if t in stats]
            terms = [index._contribution(con, *stats[t], n_docs, norm) for t in present]
            bounds = [float(values.max()) for _, values in terms]
            scores = index._sum(terms, len(index._length))
            kth = float(np.sort(scores)[-k])
            rest, skipped = 0.0, []
            for i in np.argsort(bounds).tolist():  # lowest bounds first: the skippable terms
                if rest + bounds[i] >= kth:
                    break
                rest += bounds[i]
                skipped.append(i)
            essential = [i for i in range(len(terms)) if i not in skipped]
            partial = np.zeros(len(index._length), dtype=np.float32)
            for i in essential:
                partial[terms[i][0]] += terms[i][1]
            union = int(np.count_nonzero(partial))
            survivors = int(np.count_nonzero((partial > 0) & (partial + rest >= kth)))
            enumerated = sum(terms[i][0].size for i in essential)
            postings = sum(t[0].size for t in terms)
            idf = [
                math.log(1 + (n_docs - stats[t][1] + 0.5) / (stats[t][1] + 0.5)) for t in present
            ]
            print(
                f"{len(terms):2d} terms, k-th {kth:6.2f}: skippable {len(skipped):2d}; postings "
                f"enumerated {enumerated:7d} of {postings:7d}; candidates {union:7d}, needing "
                f"look-ups {survivors:7d}; bound/idf {np.mean(np.array(bounds) / idf):.2f}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("home", type=Path, help="a built bench store (DIR/size-N)")
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--stages", action="store_true")
    parser.add_argument("--serial", action="store_true", help="BM25 not in the background")
    parser.add_argument("--first", action="store_true")
    parser.add_argument("--pruning", action="store_true")
    parser.add_argument("--k", type=int, default=40, help="list length for --pruning")
    args = parser.parse_args()
    if args.first:
        first(args.home)
    if args.stages:
        stages(args.home, args.questions, args.serial)
    if args.pruning:
        pruning(args.home, args.questions, args.k)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
