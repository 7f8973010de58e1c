"""Greedy coverage and repeat interleaving pick what their plain definitions pick.

``fusion.greedy_coverage`` re-scores lazily (a heap of stale gains) and
``fusion.interleave_repeats`` stops its scan early; both must equal the straightforward
algorithms written below (every group re-scored each round; every pending id scanned), on
random rankings with ties, zero weights and unsorted input.
"""

from __future__ import annotations

import random

import pytest

from bot.retrieval.fusion import greedy_coverage, interleave_repeats


def _naive_coverage(facets, group_of, order, k0, depth, weights, tiebreak):  # type: ignore[no-untyped-def]
    first_id: dict[str, str] = {}
    for item in order:
        first_id.setdefault(group_of[item], item)
    groups = list(first_id)
    position = {g: i for i, g in enumerate(groups)}
    relevance: dict[str, dict[str, float]] = {}
    for name, ranking in facets.items():
        weight = weights.get(name, 1.0)
        if weight <= 0:
            continue
        scores: dict[str, float] = {}
        for rank, item in enumerate(dict.fromkeys(ranking), start=1):
            group = group_of.get(item)
            if group is not None and group in position:
                scores[group] = max(scores.get(group, 0.0), weight / (k0 + rank))
        relevance[name] = scores
    served = dict.fromkeys(relevance, 0.0)
    picked: list[str] = []
    remaining = list(groups)
    while remaining and len(picked) < depth:

        def gain(group: str) -> float:
            value = tiebreak.get(first_id[group], 0.0)
            for name, scores in relevance.items():
                if group in scores and scores[group] > served[name]:
                    value += scores[group] - served[name]
            return value

        best = max(remaining, key=lambda g: (gain(g), -position[g]))
        picked.append(best)
        remaining.remove(best)
        for name, scores in relevance.items():
            if best in scores:
                served[name] = max(served[name], scores[best])
    return [first_id[g] for g in picked + remaining]


def _naive_interleave(firsts, rest, scores, group_of, penalty):  # type: ignore[no-untyped-def]
    out: list[str] = []
    placed: dict[str, int] = {}
    pending = list(rest)

    def eligible(item: str, threshold: float | None) -> bool:
        n = placed.get(group_of[item], 0)
        return bool(n) and (threshold is None or scores[item] * penalty**n > threshold)

    def flush(threshold: float | None) -> None:
        while True:
            mover = next((item for item in pending if eligible(item, threshold)), None)
            if mover is None:
                return
            pending.remove(mover)
            out.append(mover)
            placed[group_of[mover]] = placed.get(group_of[mover], 0) + 1

    for item in firsts:
        flush(scores.get(item, 0.0))
        out.append(item)
        placed[group_of[item]] = placed.get(group_of[item], 0) + 1
    flush(None)
    return out + pending


@pytest.mark.parametrize("seed", range(6))
def test_lazy_coverage_and_bounded_interleave_equal_their_definitions(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(300):
        n = rng.randint(1, 50)
        ids = [f"c{i}" for i in range(n)]
        group_of = {i: f"g{rng.randrange(rng.randint(1, 20))}" for i in ids}
        scores = {i: rng.choice([rng.random(), 0.5, 0.25, 1 / 61]) for i in ids}  # ties
        order = sorted(ids, key=lambda x: (-scores[x], x))
        facets = {f"f{j}": rng.sample(ids, rng.randint(0, n)) for j in range(rng.randint(1, 6))}
        weights = {f: rng.choice([1.0, 0.5, 0.0]) for f in facets}
        depth = rng.randint(1, 25)
        tiebreak = scores if rng.random() < 0.5 else {}
        got = greedy_coverage(facets, group_of, order, 2.0, depth, weights, tiebreak)
        assert got == _naive_coverage(facets, group_of, order, 2.0, depth, weights, tiebreak)

        seen = set(got)
        rest = [c for c in order if c not in seen]
        if rng.random() < 0.2:
            rng.shuffle(rest)  # not best first: the early stop must not apply
        penalty = rng.choice([0.5, 0.9, 1.0, 0.0, 1.5])
        assert interleave_repeats(got, rest, scores, group_of, penalty) == _naive_interleave(
            got, rest, scores, group_of, penalty
        )
