"""Attribution precision and recall on the hand-labelled sentences of bench/attribution/.

    PYTHONPATH=$PWD .venv/bin/python bench/bench_attribution.py [--baseline 8d58864]

For every labelled sentence the speakers the code finds there (``bot.text.attribution``:
statements whose words overlap the sentence) are compared with the labelled ones by
``speech.same_actor``: precision = found speakers that are right, recall = labelled speakers
found; per kind (direct/reported), per split (dev was used while writing the code, test was not)
and the agency (``via``) agreement. ``--baseline COMMIT`` also scores the regex
``span_speakers`` of ``bot/text/speech.py`` at that commit (the attribution before spaCy) on the
same sentences. Parse time per article is measured on a cold cache. Prints JSON.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

LABELS = REPO / "bench" / "attribution" / "labels.jsonl"
MULTIHOP = Path("/work/shared/bench/multihop/articles.jsonl")


def load_texts(records: list[dict[str, Any]], multihop: Path) -> dict[str, str]:
    bodies = [json.loads(line)["body"] for line in multihop.open(encoding="utf-8")]
    texts = {}
    for r in records:
        article = r["article"]
        if article.startswith("multihop:"):
            texts[article] = bodies[int(article.split(":")[1])]
        else:
            texts[article] = (REPO / article).read_text(encoding="utf-8")
    for r in records:
        assert texts[r["article"]][r["start"] : r["end"]] == r["sentence"], r["id"]
    return texts


Finder = Callable[[str, int, int], list[tuple[str, str | None, str | None]]]


def spacy_finder(text: str, start: int, end: int) -> list[tuple[str, str | None, str | None]]:
    from bot.text.attribution import statements_at

    return [(st.speaker, st.kind, st.via) for st in statements_at(text, start, end)]


def regex_finder(commit: str) -> Finder:
    """``span_speakers`` of bot/text/speech.py at ``commit`` (kinds unknown)."""
    source = subprocess.run(
        ["git", "show", f"{commit}:bot/text/speech.py"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "speech_baseline.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("speech_baseline", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)

    def find(text: str, start: int, end: int) -> list[tuple[str, str | None, str | None]]:
        return [(name, None, None) for name in module.span_speakers(text, start, end)]

    return find


def score(records: list[dict[str, Any]], texts: dict[str, str], find: Finder) -> dict[str, Any]:
    from bot.text.speech import same_actor

    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    errors = []
    for r in records:
        text = texts[r["article"]]
        found = find(text, r["start"], r["end"])
        expected = r["speakers"]
        names = list(dict.fromkeys(name for name, _, _ in found))
        for split in (r["split"], "all"):
            c = counts[split]
            for name in names:
                kind = next((k for n, k, _ in found if n == name), None) or "any"
                right = any(same_actor(name, e["speaker"]) for e in expected)
                c["predicted"] += 1
                c["correct"] += right
                c[f"predicted_{kind}"] += 1
                c[f"correct_{kind}"] += right
            for e in expected:
                hit = [f for f in found if same_actor(f[0], e["speaker"])]
                c["expected"] += 1
                c["found"] += bool(hit)
                c[f"expected_{e['kind']}"] += 1
                c[f"found_{e['kind']}"] += bool(hit)
                if hit and e["via"]:
                    c["via_expected"] += 1
                    c["via_right"] += any(f[2] and same_actor(f[2], e["via"]) for f in hit)
            if not expected:
                c["negatives"] += 1
                c["negatives_clean"] += not names
        wrong = [n for n in names if not any(same_actor(n, e["speaker"]) for e in expected)]
        missed = [
            e["speaker"] for e in expected if not any(same_actor(f[0], e["speaker"]) for f in found)
        ]
        if wrong or missed:
            errors.append({"id": r["id"], "split": r["split"], "wrong": wrong, "missed": missed})

    def ratio(a: int, b: int) -> float | None:
        return round(a / b, 3) if b else None

    out: dict[str, Any] = {}
    for split, c in sorted(counts.items()):
        out[split] = {
            "sentences": sum(1 for r in records if split in (r["split"], "all")),
            "precision": ratio(c["correct"], c["predicted"]),
            "recall": ratio(c["found"], c["expected"]),
            "predicted": c["predicted"],
            "expected": c["expected"],
            "per_kind": {
                kind: {
                    "precision": ratio(c[f"correct_{kind}"], c[f"predicted_{kind}"]),
                    "recall": ratio(c[f"found_{kind}"], c[f"expected_{kind}"]),
                }
                for kind in ("direct", "reported")
            },
            "via_agreement": ratio(c["via_right"], c["via_expected"]),
            "negatives_without_speaker": ratio(c["negatives_clean"], c["negatives"]),
        }
    out["errors"] = errors
    return out


def parse_time(texts: dict[str, str]) -> dict[str, Any]:
    from bot.text import attribution
    from bot.text.nlp import pipeline

    clock = time.perf_counter()
    pipeline()
    load = time.perf_counter() - clock
    attribution._CACHE.clear()
    per_article = []
    chars = 0
    for text in texts.values():
        clock = time.perf_counter()
        attribution.statements(text)
        per_article.append(time.perf_counter() - clock)
        chars += len(text)
    clock = time.perf_counter()
    for text in texts.values():
        attribution.statements(text)
    cached = (time.perf_counter() - clock) / max(1, len(texts))
    per_article.sort()
    return {
        "model_load_s": round(load, 2),
        "articles": len(per_article),
        "mean_chars": round(chars / max(1, len(per_article))),
        "parse_ms_mean": round(1000 * sum(per_article) / max(1, len(per_article)), 1),
        "parse_ms_p95": round(1000 * per_article[int(0.95 * (len(per_article) - 1))], 1),
        "ms_per_1000_chars": round(1e6 * sum(per_article) / max(1, chars), 1),
        "cached_lookup_ms": round(1000 * cached, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--multihop", type=Path, default=MULTIHOP)
    parser.add_argument("--baseline", help="also score the regex attribution at this commit")
    parser.add_argument("--errors", action="store_true", help="list the misattributions")
    args = parser.parse_args(argv)
    records = [json.loads(line) for line in args.labels.open(encoding="utf-8") if line.strip()]
    texts = load_texts(records, args.multihop)
    result: dict[str, Any] = {"labels": str(args.labels), "timing": parse_time(texts)}
    result["spacy"] = score(records, texts, spacy_finder)
    if args.baseline:
        result["regex_baseline"] = score(records, texts, regex_finder(args.baseline))
    for key in ("spacy", "regex_baseline"):
        if key in result and not args.errors:
            result[key].pop("errors")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
