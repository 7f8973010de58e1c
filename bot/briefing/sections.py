"""The briefing's sections from ranked candidate sentences: what to watch (sentences that look
ahead) and dated developments (actors' positions: ``positions.py``). A sentence is used in one
section only (``used``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from bot.briefing.candidates import CitationPool, Sentence
from bot.briefing.model import Development, WatchItem
from bot.settings import BriefingSettings
from bot.text.dates import DateMention, display_label, future_cue, parse_article_date, sort_key


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
