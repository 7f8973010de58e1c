"""Claim checking on claims built from the MultiHop-RAG dev facts (construction: bench/CLAIMS.md).

    .venv/bin/python bench/bench_claims.py [--limit N] [--out docs/bench/claims.md]

Ingests the 326 articles into a fresh store, builds supported claims (the fact, its main clause,
a rule-based paraphrase) and unsupported ones (one name, number, date, negation or speaker
changed) from the dev facts, checks each with ``bot.claims.checker.check`` against the whole
store (retrieved by the claim itself), and reports per kind the share accepted (supported) or
rejected (unsupported/contradicted) and the latency per claim.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.common import (  # noqa: E402
    ARTICLES,
    DOCS,
    QUERIES,
    command_line,
    machine_summary,
    md_table,
    noisy_note,
    percentile,
    write_fragment,
)

SUPPORTED_KINDS = ("verbatim", "main_clause", "paraphrase")
UNSUPPORTED_KINDS = ("name", "number", "date", "negation", "speaker", "added_clause")

_ADDED_CLAUSES = [  # invented additions a model might make: in no article of the set
    "which was made up entirely of its own products",
    "a decision welcomed by most regional governors",
    "after months of secret negotiations with foreign lenders",
    "which critics described as reckless and improvised",
    "prompting protests outside several embassies",
    "a figure disputed by independent auditors",
    "following a vote by the parish council",
    "which delighted shareholders in Rotterdam",
]

_PARAPHRASE = [  # faithful rewordings: the same statement in other words
    (r"\bsaid\b", "stated"),
    (r"\bsays\b", "states"),
    (r"\btold\b", "informed"),
    (r"\bannounced\b", "said"),
    (r"\bcompany\b", "firm"),
    (r"\bhowever,\s*", ""),
    (r"\balso\s+", ""),
    (r"\bapproximately\b", "about"),
    (r"\bpurchase\b", "buy"),
    (r"\bbegan\b", "started"),
    (r"\bbig\b", "large"),
    (r"\bused to\b", "utilized to"),
]
_AUX = re.compile(r"\b(is|are|was|were|has|have|had|will|can|could|would|should|does|did)\b")
_NUMBER = re.compile(r"(?<![\w.$])(\d{1,3}(?:,\d{3})*|\d+)(?:\.\d+)?(?![\d])")
_YEAR = re.compile(r"\b(20[0-2]\d|19\d\d)\b")
from bot.text.dates import MONTHS  # noqa: E402

_MONTHS = [
    max((k for k, v in MONTHS.items() if v == n), key=len).capitalize() for n in range(1, 13)
]


def facts(limit: int | None) -> list[str]:
    queries = json.loads(QUERIES.read_text(encoding="utf-8"))
    seen: dict[str, None] = {}
    for q in queries:
        for e in q.get("evidence_list", []):
            fact = " ".join(e["fact"].split())
            if len(fact.split()) >= 6:
                seen.setdefault(fact, None)
    out = list(seen)
    return out[:limit] if limit else out


def paraphrase(fact: str) -> str | None:
    text = fact
    for pattern, repl in _PARAPHRASE:
        text = re.sub(pattern, repl, text, count=1, flags=re.IGNORECASE)
    return text if text != fact else None


def change_number(fact: str) -> str | None:
    for m in _NUMBER.finditer(fact):
        if _YEAR.fullmatch(m.group(0)):
            continue
        value = int(m.group(1).replace(",", ""))
        new = value * 2 + 3
        return fact[: m.start(1)] + f"{new:,}" + fact[m.end(1) :]
    return None


def change_date(fact: str) -> str | None:
    for month in _MONTHS:
        if (m := re.search(rf"\b{month}\b", fact)) is not None:
            other = _MONTHS[(_MONTHS.index(month) + 4) % 12]
            return fact[: m.start()] + other + fact[m.end() :]
    if (m := _YEAR.search(fact)) is not None:
        return fact[: m.start()] + str(int(m.group(0)) - 3) + fact[m.end() :]
    return None


def change_negation(fact: str) -> str | None:
    if (m := re.search(r"\b(not|never)\s+", fact)) is not None:
        return fact[: m.start()] + fact[m.end() :]
    if (m := re.search(r"\b(\w+)n[’']t\b", fact)) is not None:
        return fact[: m.start()] + m.group(1) + fact[m.end() :]
    if (m := _AUX.search(fact)) is not None:
        return fact[: m.end()] + " not" + fact[m.end() :]
    return None


def change_name(fact: str, names: list[str], avoid: str = "") -> str | None:
    from bot.text.speech import entities

    here = entities(fact)
    for m in re.finditer(r"(?<=\s)([A-Z][a-z]+(?:\s+[A-Z][a-z]+)*)", fact):
        original = m.group(1)
        if original in _MONTHS or len(original) < 4:
            continue
        for other in names:
            if other != original and not (entities(other) & here) and other != avoid:
                return fact[: m.start(1)] + other + fact[m.end(1) :]
    return None


def change_speaker(fact: str, speakers: list[str]) -> str | None:
    from bot.text.speech import find_attributions, same_actor

    found = [a for a in find_attributions(fact) if a.kind == "name" and a.actor in fact]
    if not found:
        return None
    actor = found[0].actor
    for other in speakers:
        if not same_actor(other, actor) and other not in fact:
            return fact.replace(actor, other, 1)
    return None


def add_clause(fact: str, n: int) -> str:
    """The fact with one invented clause appended after a comma (a model's embellishment)."""
    return f"{fact.rstrip(' .')}, {_ADDED_CLAUSES[n % len(_ADDED_CLAUSES)]}."


def build_claims(limit: int | None) -> list[tuple[str, str, bool]]:
    """(kind, claim, should be supported) for each fact and each change that applies to it."""
    from bot.claims.clauses import split_claims
    from bot.text.speech import find_attributions

    pool = facts(None)
    speakers = sorted(
        {a.actor for f in pool for a in find_attributions(f) if a.kind == "name"} - {""},
        key=lambda s: (len(s), s),
    )
    people = [s for s in speakers if len(s.split()) >= 2][:80]
    out: list[tuple[str, str, bool]] = []
    for n, fact in enumerate(facts(limit)):
        rotated = people[n % len(people) :] + people[: n % len(people)]
        out.append(("verbatim", fact, True))
        clauses = split_claims(fact)
        if len(clauses) > 1 and len(clauses[0].split()) >= 6:
            out.append(("main_clause", clauses[0].rstrip(".") + ".", True))
        if (p := paraphrase(fact)) is not None:
            out.append(("paraphrase", p, True))
        changes = {
            "name": change_name(fact, rotated),
            "number": change_number(fact),
            "date": change_date(fact),
            "negation": change_negation(fact),
            "speaker": change_speaker(fact, rotated),
            "added_clause": add_clause(fact, n),
        }
        out += [(kind, text, False) for kind, text in changes.items() if text and text != fact]
    return out


@contextlib.contextmanager
def _environment(args: argparse.Namespace) -> Iterator[Any]:
    """A fresh store of ``--articles``, or the existing ``--store-home`` store."""
    if args.store_home is None:
        from bot.eval.environment import fresh_environment

        with fresh_environment(args.articles) as env:
            yield SimpleNamespace(bot=env.bot, articles=f"{env.articles} MultiHop-RAG articles")
        return
    from bot.service import Briefbot
    from bot.settings import Settings

    bot = Briefbot(settings=Settings(home=args.store_home, collection=args.collection))
    count = bot.store.article_count()
    yield SimpleNamespace(bot=bot, articles=f"{args.store_home} ({count} articles)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="facts to build claims from (default: all)")
    parser.add_argument("--articles", type=Path, default=ARTICLES)
    parser.add_argument("--out", type=Path, default=DOCS / "claims.md")
    parser.add_argument("--dump", type=Path, help="write every claim and verdict as JSONL")
    parser.add_argument(
        "--store-home",
        type=Path,
        help="check against this existing store instead (e.g. a bench_retrieval.py "
        "DIR/size-100000: re-dated copies of the same articles) and write the fragment "
        "claims-<passages>.md",
    )
    parser.add_argument("--collection", default="bench", help="collection in --store-home")
    args = parser.parse_args(argv)

    from bot.claims.checker import Verdict, check

    claims = build_claims(args.limit)
    results: dict[str, list[bool]] = defaultdict(list)
    seconds: list[float] = []
    rows_out = []
    with _environment(args) as env:
        check("Warm-up claim about a company.", env.bot)
        for kind, claim, expected in claims:
            t0 = time.perf_counter()
            result = check(claim, env.bot)
            seconds.append(time.perf_counter() - t0)
            ok = (result.verdict is Verdict.SUPPORTED) == expected
            results[kind].append(ok)
            rows_out.append(
                {"kind": kind, "claim": claim, "verdict": result.verdict.value, "ok": ok}
                | {"reason": result.reason}
            )
        articles = env.articles
        passages = env.bot.store.passage_count()
    if args.dump:
        args.dump.write_text("".join(json.dumps(r) + "\n" for r in rows_out), encoding="utf-8")

    def share(kinds: tuple[str, ...]) -> tuple[int, float]:
        values = [v for k in kinds for v in results.get(k, [])]
        return len(values), (sum(values) / len(values) if values else float("nan"))

    rows = []
    for kind in SUPPORTED_KINDS + UNSUPPORTED_KINDS:
        n, value = share((kind,))
        what = "accepted" if kind in SUPPORTED_KINDS else "rejected"
        rows.append([kind, what, n, value])
    n_s, accepted = share(SUPPORTED_KINDS)
    n_u, rejected = share(UNSUPPORTED_KINDS)
    rows += [
        ["all supported", "accepted", n_s, accepted],
        ["all unsupported", "rejected", n_u, rejected],
    ]
    ms = [s * 1000 for s in seconds]
    subset = f" (first {args.limit} facts: a smoke run, not the measurement)" if args.limit else ""
    fragment = "\n\n".join(
        x
        for x in [
            "## Claim checking",
            f"`{command_line()}`{subset}",
            f"{machine_summary()}. Store: {articles}; every claim is "
            "checked against the whole store (hybrid retrieval by the claim itself). "
            "Construction: `bench/CLAIMS.md`. Targets: ≥ 0.90 accepted, ≥ 0.95 rejected, "
            "p50 ≤ 300 ms.",
            noisy_note(),
            md_table(["kind", "measure", "claims", "share"], rows),
            md_table(
                ["latency per claim", "p50 ms", "p90 ms", "max ms"],
                [["check", percentile(ms, 50), percentile(ms, 90), max(ms)]],
            ),
        ]
        if x
    )
    name = "claims" if args.store_home is None else f"claims-{passages}"
    out = args.out if args.store_home is None else args.out.with_name(f"{name}.md")
    if args.store_home is not None:
        fragment = fragment.replace(
            "## Claim checking", f"## Claim checking at {passages} passages"
        )
    write_fragment(out, name, fragment, title="Claim-checking benchmarks")
    print(fragment)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
