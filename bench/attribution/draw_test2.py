"""Draw the candidate sentences of the ``test2`` split (labelled by hand afterwards).

    PYTHONPATH=$PWD .venv/bin/python bench/attribution/draw_test2.py > /tmp/test2_candidates.jsonl

Held out = MultiHop articles not in labels.jsonl, and the unlabelled sentences of the odd
(``test``) articles. From them: every sentence with a quotation mark or a reporting-verb cue
(a broader list than the first labelling's), plus 45 other sentences of the unused articles drawn
at random (seed 2026) as narrative negatives. The corpus cannot give more: the unused bodies are
isolated evidence sentences with almost no speech (see README).
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO))

from vectorstore.sentences import sentence_spans  # noqa: E402

MULTIHOP = Path("/work/shared/bench/multihop/articles.jsonl")
LABELS = REPO / "bench" / "attribution" / "labels.jsonl"
CUE = re.compile(
    r"[\"“”]|\b(sa(id|ys|y)|t(old|ells?)|according|add(ed|s)|stat(ed|es)|wr(ote|ites)|warn(ed|s)|"
    r"announc(ed|es)|expla\w+|not(ed|es)|ask(ed|s)|claim(ed|s)|argu(ed|es)|insist\w*|reveal\w*|"
    r"acknowledg\w+|admit\w*|report(ed|s)|suggest(ed|s)|declar\w+|stress\w+|emphasi\w+|"
    r"confirm\w+|comment\w*|alleg\w+|describ\w+|call(ed|s)|deni\w+|respond\w+|repl\w+|"
    r"testif\w+|recall\w+|believ\w+|think|thinks)\b",
    re.IGNORECASE,
)
NEGATIVES = 45


def main() -> int:
    articles = [json.loads(line) for line in MULTIHOP.open(encoding="utf-8")]
    labels = [json.loads(line) for line in LABELS.open(encoding="utf-8") if line.strip()]
    labelled = {(r["article"], r["start"]) for r in labels}
    used = {int(r["article"].split(":")[1]) for r in labels if r["article"].startswith("multihop:")}
    cued, rest = [], []
    for index, article in enumerate(articles):
        if index in used and index % 2 == 0:
            continue  # dev articles: read while writing the code
        body = article["body"]
        for start, end in sentence_spans(body):
            if (f"multihop:{index}", start) in labelled:
                continue
            (cued if CUE.search(body[start:end]) else rest).append((index, start, end))
    rest = [r for r in rest if r[0] not in used]
    chosen = sorted(cued + random.Random(2026).sample(rest, NEGATIVES))
    for index, start, end in chosen:
        body = articles[index]["body"]
        record = {
            "id": f"M{index}:{start}",
            "article": f"multihop:{index}",
            "source": articles[index]["source"],
            "split": "test2",
            "start": start,
            "end": end,
            "sentence": body[start:end],
            "speakers": [],
        }
        print(json.dumps(record, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
