"""Corroboration on a labelled set: does the claim checker find that another outlet's article
supports a sentence when (and only when) it reports the same fact?

    .venv/bin/python bench/bench_corroboration.py [--split dev|test|all] [--show]

Reads ``bench/corroboration/pairs.jsonl`` (labelling rule: ``bench/corroboration/README.md``):
each pair is a sentence from source A and an article of source B (a seed file or a MultiHop-RAG
article by its line number). The sentence is checked with ``bot.claims.checker.ClaimChecker``
(MiniLM embeddings, the default ``ClaimSettings``) against B's passages, exactly as
``bot.briefing.corroboration.corroborate`` checks a development against another source, and
``supported`` counts as "corroborates". Prints precision and recall per split, and with
``--show`` each pair's verdict and the checker's reason.
"""

from __future__ import annotations

import argparse
import json
import sys
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.common import ARTICLES, command_line, machine_summary, md_table  # noqa: E402

PAIRS = REPO / "bench" / "corroboration" / "pairs.jsonl"
SEEDS = REPO / "seeds"


@cache
def _multihop() -> list[dict]:
    return [json.loads(line) for line in ARTICLES.read_text(encoding="utf-8").splitlines()]


def article_of(pair: dict):  # -> vectorstore.models.Article
    """Source B's article, as the store would hold its text (id, source, date)."""
    from vectorstore.models import Article

    if pair["corpus"] == "seeds":
        text = (SEEDS / pair["article"]).read_text(encoding="utf-8")
        source = "RT en français" if "RT en français" in text else "wire"
        return Article(id=pair["article"], title="", text=text, content_hash="", source=source)
    row = _multihop()[int(pair["article"])]
    return Article(
        id=f"multihop-{pair['article']}",
        title=row["title"],
        text=row["body"],
        content_hash="",
        source=row["source"],
        published_at=row["published_at"],
    )


def passages_of(article):  # -> list[ScoredChunk]
    from vectorstore.chunking import chunk_article
    from vectorstore.models import ScoredChunk

    return [ScoredChunk(c, 1.0, article) for c in chunk_article(article.id, article.text)]


def load_pairs(split: str) -> list[dict]:
    rows = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in rows if split == "all" or r["split"] == split]


def score(rows: list[tuple[dict, bool]]) -> tuple[int, int, int, int, float, float]:
    tp = sum(1 for p, got in rows if got and p["label"])
    fp = sum(1 for p, got in rows if got and not p["label"])
    fn = sum(1 for p, got in rows if not got and p["label"])
    tn = len(rows) - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    return tp, fp, fn, tn, precision, recall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "test", "all"], default="all")
    parser.add_argument("--show", action="store_true", help="print every pair's verdict")
    args = parser.parse_args(argv)

    from bot.claims.checker import ClaimChecker, Verdict
    from bot.settings import ClaimSettings
    from bot.text.similarity import CachingEmbeddings
    from vectorstore.embeddings import default_embeddings

    checker = ClaimChecker(CachingEmbeddings(default_embeddings()), ClaimSettings())
    results: list[tuple[dict, bool]] = []
    for pair in load_pairs(args.split):
        result = checker.check(pair["sentence"], passages_of(article_of(pair)))
        got = result.verdict is Verdict.SUPPORTED
        results.append((pair, got))
        if args.show:
            mark = "ok " if got == pair["label"] else "ERR"
            print(
                f"{mark} {pair['id']:>4} label={pair['label']!s:5} {result.verdict.value:12} "
                f"{pair['kind']:18} {result.reason[:60]!r}  {pair['sentence'][:70]}"
            )
    rows = []
    for split in ("dev", "test"):
        subset = [(p, g) for p, g in results if p["split"] == split]
        if subset:
            rows.append([split, len(subset), *score(subset)])
    for corpus in ("seeds", "multihop"):
        subset = [(p, g) for p, g in results if p["corpus"] == corpus]
        if subset:
            rows.append([corpus, len(subset), *score(subset)])
    rows.append(["all", len(results), *score(results)])
    print(f"`{command_line()}`\n\n{machine_summary()}\n")
    print(md_table(["pairs of", "pairs", "tp", "fp", "fn", "tn", "precision", "recall"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
