"""Actors' positions: each actor's own words, from the article's attributed statements.

A candidate sentence counts for an actor only where ``bot.text.attribution`` finds a statement
(direct or reported speech) of that actor in it; the quote shown is the statement's citation
span (the words with their attribution, "“...,” he insisted."), never the reporter's narrative
around it. Actors are named as the text names them; described speakers without a name
("diplomatic sources") do not get a position.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from bot.briefing.candidates import CitationPool, Sentence
from bot.briefing.model import Position
from bot.settings import BriefingSettings
from bot.text.attribution import Statement, statements_at
from bot.text.speech import actor_key

_Mention = tuple[Sentence, Statement]


def _own_words(s: Sentence) -> list[Statement]:
    """The named speakers' statements whose words lie in the sentence."""
    return [st for st in statements_at(s.article.text, s.start, s.end) if st.named]


def select_positions(
    sentences: Sequence[Sentence],
    limits: BriefingSettings,
    pool: CitationPool,
    used: set[tuple[str, int]],
) -> list[Position]:
    """Actors and their statements, most relevant actors first."""
    mentions: dict[str, list[_Mention]] = defaultdict(list)
    for s in sentences:
        for st in _own_words(s):
            mentions[actor_key(st.speaker)].append((s, st))
    merged = _merge_actor_variants(mentions)
    ranked = []
    for _key, items in merged.items():
        names = [st.speaker for _, st in items]
        display = max(set(names), key=lambda n: (len(n.split()) > 1, names.count(n), len(n), n))
        roles = [st.role for _, st in items if st.role]
        role = _short_role(roles[0]) if roles else None
        score = sum(s.relevance for s, _ in items) + 0.1 * sum(
            1 for _, st in items if st.kind == "direct"
        )
        ranked.append((score, display, role, items))
    ranked.sort(key=lambda r: (-r[0], r[1]))
    out: list[Position] = []
    for _, display, role, items in ranked:
        if len(out) >= limits.positions:
            break
        chosen: list[tuple[Sentence, Statement]] = []
        spans: set[tuple[str, int, int]] = set()
        for s, st in sorted(
            items, key=lambda i: (i[1].kind != "direct", -i[0].relevance, i[1].cite_start)
        ):
            span = (s.article.id, st.cite_start, st.cite_end)
            if s.key in used or span in spans or len(chosen) >= limits.quotes_per_position:
                continue
            spans.add(span)
            chosen.append((s, st))
        if not chosen:
            continue
        used.update(s.key for s, _ in chosen)
        chosen.sort(
            key=lambda i: (i[0].article.published_at or "", i[0].article.id, i[1].cite_start)
        )
        markers = tuple(pool.add_span(s.article, st.cite_start, st.cite_end) for s, st in chosen)
        out.append(Position(display, tuple(dict.fromkeys(markers)), role))
    return out


def _merge_actor_variants(mentions: dict[str, list[_Mention]]) -> dict[str, list[_Mention]]:
    """'Kim' joins 'Kim Jong Un' (a one-word name that is the first or last word of a longer one)."""
    full_names: dict[str, list[str]] = defaultdict(list)
    for key, items in mentions.items():
        for _, st in items:
            words = st.speaker.split()
            if 1 < len(words) <= 4 and not _ORGANISATION.search(st.speaker):
                full_names[actor_key(words[0])].append(key)
                full_names[actor_key(words[-1])].append(key)
    merged: dict[str, list[_Mention]] = defaultdict(list)
    for key, items in mentions.items():
        single = all(len(st.speaker.split()) == 1 and not st.speaker.isupper() for _, st in items)
        targets = sorted(set(full_names.get(key, []))) if single else []
        target = targets[0] if len(targets) == 1 else key
        merged[target].extend(items)
    return merged


_ORGANISATION = re.compile(
    r"\b(?:Department|Ministry|Council|Agency|Institute|Court|Commission|Committee|Office|House|"
    r"Party|Union|Nations|Bank|Fund|Organi[sz]ation|Association|University|Group|Inc|Corp|Ltd|"
    r"Government|Administration|Army|Force|Forces|Parliament|Assembly|Senate|Congress|News)\b"
)


def _short_role(role: str) -> str:
    role = " ".join(role.split())
    if len(role) <= 48:
        return role
    cut = role.rfind(" ", 0, 46)
    return role[: cut if cut > 0 else 46].rstrip(" ,;") + "…"
