"""The briefing's sections from ranked candidate sentences: actors' positions (attributed
statements), what to watch (sentences that look ahead) and dated developments. A sentence is
used in one section only (``used``)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from bot.briefing.candidates import CitationPool, Sentence, article_spans
from bot.briefing.model import Development, Position, WatchItem
from bot.settings import BriefingSettings
from bot.text.dates import DateMention, display_label, future_cue, parse_article_date, sort_key
from bot.text.speech import actor_key, find_attributions, resolve_role


def _attributed(s: Sentence) -> list[tuple[str, str | None, bool]]:
    """(actor, role, direct) of a sentence, pronouns and described roles resolved in its article."""
    out = []
    for a in find_attributions(s.text):
        actor, role = a.actor, a.role
        if a.kind == "pronoun":
            actor = _previous_speaker(s)
            if actor is None:
                continue
        elif a.kind == "role":
            resolved = resolve_role(actor, s.article.text)
            if resolved:
                role = role or actor
                actor = resolved
            elif not any(w[:1].isupper() for w in actor.split()):
                continue  # "the official agency": nobody in particular
        out.append((actor, role, a.direct))
    return out


def _previous_speaker(s: Sentence) -> str | None:
    """The last named speaker in the three sentences before ``s`` (for "he added")."""
    spans = article_spans(s.article)
    before = [sp for sp in spans if sp[1] <= s.start][-3:]
    for start, end in reversed(before):
        for a in find_attributions(s.article.text[start:end]):
            if a.kind == "name":
                return a.actor
            if a.kind == "role":
                resolved = resolve_role(a.actor, s.article.text)
                if resolved:
                    return resolved
    return None


def select_positions(
    sentences: Sequence[Sentence],
    limits: BriefingSettings,
    pool: CitationPool,
    used: set[tuple[str, int]],
) -> list[Position]:
    """Actors and their attributed sentences, most relevant actors first."""
    mentions: dict[str, list[tuple[Sentence, str, str | None, bool]]] = defaultdict(list)
    for s in sentences:
        attributed = _attributed(s)
        if not attributed:
            continue
        actor, role, direct = attributed[0]  # the speaker, not the outlet that reported it
        mentions[actor_key(actor)].append((s, actor, role, direct))
    merged = _merge_actor_variants(mentions)
    ranked = []
    for _key, items in merged.items():
        names = [a for _, a, _, _ in items]
        display = max(set(names), key=lambda n: (len(n.split()) > 1, names.count(n), len(n), n))
        roles = [r for _, _, r, _ in items if r]
        role = _short_role(roles[0]) if roles else None
        score = sum(s.relevance for s, *_ in items) + 0.1 * sum(1 for *_, d in items if d)
        ranked.append((score, display, role, items))
    ranked.sort(key=lambda r: (-r[0], r[1]))
    out: list[Position] = []
    for _, display, role, items in ranked:
        if len(out) >= limits.positions:
            break
        chosen = []
        for s, _, _, _direct in sorted(
            items, key=lambda i: (not i[3], -i[0].relevance, i[0].start)
        ):
            if s.key in used or len(chosen) >= limits.quotes_per_position:
                continue
            chosen.append(s)
        if not chosen:
            continue
        used.update(s.key for s in chosen)
        chosen.sort(key=lambda s: (s.article.published_at or "", s.article.id, s.start))
        out.append(Position(display, tuple(pool.add(s) for s in chosen), role))
    return out


def _merge_actor_variants(
    mentions: dict[str, list[tuple[Sentence, str, str | None, bool]]],
) -> dict[str, list[tuple[Sentence, str, str | None, bool]]]:
    """'Kim' joins 'Kim Jong Un' (a one-word name that is the first or last word of a longer one)."""
    full_names: dict[str, list[str]] = defaultdict(list)
    for key, items in mentions.items():
        for _, actor, _, _ in items:
            words = actor.split()
            if 1 < len(words) <= 4 and not _ORGANISATION.search(actor):
                full_names[actor_key(words[0])].append(key)
                full_names[actor_key(words[-1])].append(key)
    merged: dict[str, list] = defaultdict(list)
    for key, items in mentions.items():
        single = all(len(a.split()) == 1 and not a.isupper() for _, a, _, _ in items)
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


def select_watch(
    sentences: Sequence[Sentence],
    dated: dict[tuple[str, int], DateMention | None],
    limits: BriefingSettings,
    pool: CitationPool,
    used: set[tuple[str, int]],
) -> list[WatchItem]:
    """Forward-looking sentences: plans, schedules, modal verbs, dates after publication."""
    ranked = []
    for s in sentences:
        if s.key in used:
            continue
        cue = future_cue(s.text)
        mention = dated[s.key]
        future_date = mention is not None and mention.future is True
        if cue is None and not future_date:
            continue
        strength = cue[1] if cue else 1
        label = cue[0] if cue else (mention.label if mention else "")
        if future_date and mention is not None:
            label = f"{label}, {mention.label}" if cue else mention.label
            strength += 1
        elif mention is not None and cue and mention.kind in ("weekday", "relative"):
            label = f"{label}, {mention.label}"
        if cue and mention is not None and mention.label.casefold() in cue[0].casefold():
            label = cue[0]
        ranked.append((s.relevance + 0.08 * strength, s, label))
    ranked.sort(key=lambda r: (-r[0], r[1].key))
    out: list[WatchItem] = []
    per_article: dict[str, int] = defaultdict(int)
    for _, s, label in ranked:
        if len(out) >= limits.watch:
            break
        if per_article[s.article.id] >= limits.per_article_per_section:
            continue
        per_article[s.article.id] += 1
        used.add(s.key)
        out.append(WatchItem(label, pool.add(s)))
    return out


def select_developments(
    sentences: Sequence[Sentence],
    dated: dict[tuple[str, int], DateMention | None],
    limits: BriefingSettings,
    pool: CitationPool,
    used: set[tuple[str, int]],
) -> list[Development]:
    """Dated events in chronological order: dates in the text, else the article's date for the
    article's most relevant sentence."""
    ranked: list[tuple[float, Sentence, str, tuple[int, int, int, int], str | None]] = []
    lead_used: set[str] = set()
    for s in sentences:
        if s.key in used:
            continue
        mention = dated[s.key]
        if mention is not None and mention.future is not True:
            key = sort_key(mention, 0)
            ranked.append((s.relevance + 0.05, s, display_label(mention), key, mention.iso))
            continue
        published = parse_article_date(s.article.published_at)
        if mention is None and published is not None and s.article.id not in lead_used:
            lead_used.add(s.article.id)  # sentences come best first: this is the article's lead
            iso = published.isoformat()
            key = (published.year, published.month, published.day, 0)
            ranked.append((s.relevance, s, iso, key, iso))
    ranked.sort(key=lambda r: (-r[0], r[1].key))
    chosen = []
    per_article: dict[str, int] = defaultdict(int)
    for item in ranked:
        if len(chosen) >= limits.developments:
            break
        s = item[1]
        if per_article[s.article.id] >= limits.per_article_per_section:
            continue
        per_article[s.article.id] += 1
        chosen.append(item)
    out = []
    for rank, (_, s, label, key, iso) in enumerate(chosen):
        used.add(s.key)
        order = _global_order(s)
        out.append(Development(label, (key[0], key[1], key[2], order), pool.add(s), iso, rank))
    out.sort(key=lambda d: d.sort_key)
    return out


def _global_order(s: Sentence) -> int:
    """Tie-break for equal or unknown dates: article date, then position in the article."""
    published = parse_article_date(s.article.published_at)
    day = published.toordinal() if published else 999_999
    return day * 10_000 + min(s.order, 9_999)
