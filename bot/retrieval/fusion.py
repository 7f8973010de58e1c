"""Reciprocal rank fusion over several ranked lists of ids, and diversity-aware selection."""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class RankedList:
    """One retriever's ranking (best first) and its weight in the fusion."""

    name: str
    ids: Sequence[str]
    weight: float = 1.0


def rrf(lists: Iterable[RankedList], k0: float = 60.0) -> dict[str, float]:
    """Weighted reciprocal rank fusion: ``sum(weight / (k0 + rank))`` with ranks from 1.

    An id appearing twice in one list counts once, at its best rank.
    """
    scores: dict[str, float] = {}
    for ranked in lists:
        seen: set[str] = set()
        for rank, item in enumerate(ranked.ids, start=1):
            if item in seen:
                continue
            seen.add(item)
            scores[item] = scores.get(item, 0.0) + ranked.weight / (k0 + rank)
    return scores


def order_by_score(scores: dict[str, float]) -> list[str]:
    """Ids by descending score; ties broken by id so that the order is deterministic."""
    return sorted(scores, key=lambda item: (-scores[item], item))


def greedy_coverage(
    facets: dict[str, Sequence[str]],
    group_of: dict[str, str],
    order: Sequence[str],
    k0: float = 2.0,
    depth: int = 20,
    weights: dict[str, float] | None = None,
    tiebreak: dict[str, float] | None = None,
) -> list[str]:
    """Order groups (articles) so that every facet's best group comes early.

    ``facets`` maps a facet name to its ranking of ids (best first); ``group_of`` maps an id to
    its group. A group's relevance to a facet is ``weight / (k0 + rank)`` of its best id there.
    Greedily, for ``depth`` picks, the next group is the one adding the most to
    ``sum over facets of the best relevance picked so far`` (plus ``tiebreak[id]``), so a facet
    already served by a pick adds nothing more and the next pick serves another facet. Groups
    not picked follow in ``order``. Returns one id per group: the group's first id in ``order``.
    """
    weights = weights or {}
    tiebreak = tiebreak or {}
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
    # per group, only the facets it appears in (most groups appear in one or two)
    entries: dict[str, list[tuple[str, float]]] = {g: [] for g in groups}
    for name, scores in relevance.items():
        for group, value in scores.items():
            entries[group].append((name, value))

    # Lazy greedy: a group's gain only shrinks as facets are served, so a gain computed earlier
    # is an upper bound; the heap's top is re-scored and taken once it still beats every bound
    # (the same picks as re-scoring every group each round, ties to the earlier position).
    def gain(group: str) -> float:
        value = tiebreak.get(first_id[group], 0.0)
        for name, relevance_value in entries[group]:
            if relevance_value > served[name]:
                value += relevance_value - served[name]
        return value

    heap = [(-gain(g), position[g], g) for g in groups]
    heapq.heapify(heap)
    remaining = set(groups)
    picked: list[str] = []
    while heap and len(picked) < depth:
        _, at, group = heapq.heappop(heap)
        fresh = (-gain(group), at, group)
        if heap and fresh > heap[0]:
            heapq.heappush(heap, fresh)
            continue
        picked.append(group)
        remaining.discard(group)
        for name, value in entries[group]:
            served[name] = max(served[name], value)
    picked += [g for g in groups if g in remaining]
    return [first_id[g] for g in picked]


def interleave_repeats(
    firsts: Sequence[str],
    rest: Sequence[str],
    scores: dict[str, float],
    group_of: dict[str, str],
    repeat_penalty: float = 0.5,
) -> list[str]:
    """Merge groups' further ids into an order of their first ids.

    ``firsts`` (one id per group, already ordered) is kept as is; an id of ``rest`` (best
    first) goes in front of the next first id as soon as its group is present and its score
    times ``repeat_penalty ** n`` (n = ids of its group already placed) beats that first id's
    score. So a second passage only outranks another article when it is clearly stronger.
    """
    out: list[str] = []
    placed: dict[str, int] = {}
    pending = list(rest)
    # ``rest`` is normally best first: then no id past the first one not above a threshold can
    # beat it (repeat_penalty <= 1), and the scan for the next mover stops there.
    stops = 0 <= repeat_penalty <= 1 and all(
        scores[a] >= scores[b] for a, b in zip(pending, pending[1:], strict=False)
    )

    def flush(threshold: float) -> None:
        moved = True
        while moved:
            moved = False
            for i, item in enumerate(pending):
                if stops and scores[item] <= threshold:
                    break
                n = placed.get(group_of[item], 0)
                if n and scores[item] * repeat_penalty**n > threshold:
                    out.append(item)
                    placed[group_of[item]] = n + 1
                    del pending[i]
                    moved = True
                    break

    for item in firsts:
        flush(scores.get(item, 0.0))
        out.append(item)
        placed[group_of[item]] = placed.get(group_of[item], 0) + 1
    rest_out = []
    for item in pending:  # every group placed so far takes its remaining ids, in order
        if placed.get(group_of[item], 0):
            out.append(item)
            placed[group_of[item]] += 1
        else:
            rest_out.append(item)
    return out + rest_out


def diversify(
    ranked: Sequence[tuple[str, K]],
    k: int,
    max_per_group: int,
    repeat_penalty: float = 0.5,
    scores: dict[str, float] | None = None,
) -> list[str]:
    """Pick ``k`` ids from ``ranked`` ((id, group) best first) covering distinct groups first.

    At most ``max_per_group`` ids per group. Without ``scores`` every group's first id comes
    before any group's second one; with ``scores``, the n-th id of a group competes with its
    score multiplied by ``repeat_penalty ** (n - 1)``.
    """
    if k <= 0 or max_per_group <= 0:
        return []
    seen: dict[K, int] = {}
    candidates: list[tuple[float, int, str]] = []
    for position, (item, group) in enumerate(ranked):
        n = seen.get(group, 0)
        if n >= max_per_group:
            continue
        seen[group] = n + 1
        if scores is None:
            key = float(n)  # by round, then by rank
            candidates.append((key, position, item))
        else:
            candidates.append((-scores[item] * repeat_penalty**n, position, item))
    candidates.sort()
    return [item for _, _, item in candidates[:k]]
