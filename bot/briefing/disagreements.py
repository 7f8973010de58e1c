"""Where sources disagree: two publishers' sentences on the same subject that give different
figures, or frame it with opposing words (rejection vs openness, rise vs fall, ...)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.briefing.candidates import CitationPool, Sentence, similarity
from bot.briefing.model import Disagreement
from bot.briefing.publishers import publisher_key
from bot.settings import BriefingSettings
from bot.text.dates import find_dates
from bot.text.figures import figure_contexts, is_negated
from bot.text.speech import actor_key, clean_name, entities, is_nationality
from bot.text.words import SUBJECT_STOPWORDS, claim_stem, claim_stems, claim_terms

# Opposing framings: a sentence using a word of one side and another source's sentence on the
# same subject using a word of the other side.
FRAMING_PAIRS: tuple[tuple[frozenset[str], frozenset[str], str], ...] = (
    (
        frozenset(
            {
                "rejected",
                "rejects",
                "reject",
                "refused",
                "refuses",
                "dismissed",
                "dismisses",
                "ruled out",
                "rebuffed",
            }
        ),
        frozenset(
            {
                "accept",
                "accepts",
                "accepted",
                "inevitable",
                "ready",
                "open to",
                "welcomed",
                "welcomes",
                "agreed",
                "prepare",
                "prepared",
            }
        ),
        "rejection vs openness",
    ),
    (
        frozenset(
            {
                "hostile",
                "hostility",
                "threat",
                "threats",
                "aggression",
                "aggressive",
                "deceit",
                "deceptive",
            }
        ),
        frozenset(
            {
                "no hostile",
                "peace",
                "peaceful",
                "diplomacy",
                "dialogue",
                "mutual respect",
                "cooperation",
            }
        ),
        "hostility vs diplomacy",
    ),
    (
        frozenset({"confrontation", "war", "conflict", "escalation"}),
        frozenset({"dialogue", "talks", "negotiations", "negotiating table", "de-escalation"}),
        "confrontation vs dialogue",
    ),
    (
        frozenset({"denied", "denies", "deny", "false", "baseless"}),
        frozenset({"confirmed", "confirms", "admitted", "acknowledged"}),
        "denial vs confirmation",
    ),
    (
        frozenset(
            {
                "illegal",
                "unlawful",
                "violated",
                "violates",
                "monopoly",
                "monopolist",
                "anticompetitive",
                "anti-competitive",
            }
        ),
        frozenset(
            {
                "legal",
                "lawful",
                "competition",
                "competitive",
                "fair",
                "valid alternative",
                "the best",
            }
        ),
        "wrongdoing vs legitimacy",
    ),
    (
        frozenset({"rise", "rises", "rose", "increase", "increased", "surge", "surged", "grew"}),
        frozenset(
            {"fall", "falls", "fell", "decrease", "decreased", "drop", "dropped", "declined"}
        ),
        "rise vs fall",
    ),
)


def framing_words(sentence: str) -> dict[str, tuple[set[str], set[str]]]:
    """For each framing pair, the words of each side the sentence uses."""
    low = " " + re.sub(r"[^\w\s'’-]", " ", sentence.lower()) + " "
    out: dict[str, tuple[set[str], set[str]]] = {}
    for left, right, label in FRAMING_PAIRS:
        a = {w for w in left if f" {w} " in low}
        b = {w for w in right if f" {w} " in low}
        # "no hostile intentions" is the diplomatic side, not the hostile one
        if "no hostile" in b:
            a.discard("hostile")
        if a or b:
            out[label] = (a, b)
    return out


def _is_year(value: str) -> bool:
    return bool(re.fullmatch(r"(?:19|20)\d\d", value))


def figure_conflict(a: str, b: str) -> tuple[str, set[str]] | None:
    """("six, 2006 vs 2017", shared context stems) when two sentences give different figures
    for the same thing: figures of the same kind (year/quantity) whose neighbouring words
    overlap, or a figure one sentence counts where the other says there were none."""
    fa = figure_contexts(a, [(m.start, m.end) for m in find_dates(a) if m.kind != "since"])
    fb = figure_contexts(b, [(m.start, m.end) for m in find_dates(b) if m.kind != "since"])
    pairs: list[tuple[str, str, set[str]]] = []
    for raw_a, val_a, ctx_a in fa:
        for raw_b, val_b, ctx_b in fb:
            if val_a == val_b or _is_year(val_a) != _is_year(val_b):
                continue
            shared = ctx_a & ctx_b
            if shared:
                pairs.append((raw_a, raw_b, shared))
    # "six missile tests" against "has not carried out any nuclear tests"
    for mine, other_text, flip in ((fa, b, False), (fb, a, True)):
        this_text = b if flip else a
        if is_negated(this_text) or not is_negated(other_text):
            continue
        other_stems = claim_stems(other_text)
        for raw, val, ctx in mine:
            if not _is_year(val) and len(ctx & other_stems) >= 2:
                shared = ctx & other_stems
                pairs.append(("none", raw, shared) if flip else (raw, "none", shared))
    if not pairs:
        return None

    def in_order(values: list[str], text: str) -> list[str]:
        unique = list(dict.fromkeys(values))
        return sorted(unique, key=lambda v: (v != "none", text.find(v)))

    left = in_order([p[0] for p in pairs], a)
    right = in_order([p[1] for p in pairs], b)
    shared = set().union(*(p[2] for p in pairs))
    return f"{', '.join(left)} vs {', '.join(right)}", shared


def select_disagreements(
    sentences: Sequence[Sentence],
    limits: BriefingSettings,
    pool: CitationPool,
    used: set[tuple[str, int]],
) -> list[Disagreement]:
    """Pairs of sentences from different publishers on the same subject (a shared name, similar
    meaning) that give different figures or use opposing framing words."""
    info = {
        s.key: (framing_words(s.text), entities(s.text), {t.stem for t in claim_terms(s.text)})
        for s in sentences
    }
    candidates: list[tuple[float, Sentence, Sentence, str, str, str]] = []
    considered = list(sentences)[:80]
    for i, a in enumerate(considered):
        for b in considered[i + 1 :]:
            if a.article.id == b.article.id or publisher_key(a.article) == publisher_key(b.article):
                continue
            wa, ea, ta = info[a.key]
            wb, eb, tb = info[b.key]
            shared_entities = ea & eb
            shared_terms = ta & tb
            if not shared_entities:
                continue
            sim = similarity(a, b)
            if sim >= 0.5 and len(shared_terms) >= 2:
                conflict = figure_conflict(a.text, b.text)
                if conflict is not None:
                    detail, context = conflict
                    subject = _subject(shared_entities, context, a)
                    candidates.append((sim + 0.3, a, b, "figures", subject, detail))
                    continue
            if sim < 0.45:
                continue
            for label in sorted(wa.keys() & wb.keys()):
                left_a, right_a = wa[label]
                left_b, right_b = wb[label]
                if (left_a and not right_a and right_b and not left_b) or (
                    right_a and not left_a and left_b and not right_b
                ):
                    words_a = ", ".join(sorted(left_a or right_a))
                    words_b = ", ".join(sorted(left_b or right_b))
                    subject = _subject(shared_entities, shared_terms, a, label)
                    candidates.append((sim, a, b, "framing", subject, f"{words_a} vs {words_b}"))
                    break
    candidates.sort(key=lambda c: (-c[0], c[1].key, c[2].key))
    out: list[Disagreement] = []
    for _, a, b, kind, subject, detail in candidates:
        if len(out) >= limits.disagreements:
            break
        if a.key in used or b.key in used:
            continue
        first, second = sorted((a, b), key=lambda s: (s.article.published_at or "", s.article.id))
        if first is not a:
            left, right = detail.split(" vs ", 1)
            detail = f"{right} vs {left}"
        used.update({a.key, b.key})
        out.append(Disagreement(kind, subject, pool.add(first), pool.add(second), detail))
    return out


def _subject(
    shared_entities: set[str], shared_terms: set[str], a: Sentence, label: str = ""
) -> str:
    """The names both sentences share, then a few shared words (figures) or the framing."""
    names: list[str] = []
    for m in _NAMES.finditer(a.text):
        name = clean_name(m.group(0))
        if name and is_nationality(name):
            continue
        if name and actor_key(name) in shared_entities and name not in names:
            names.append(name)
    names = [n for n in names if not any(n != o and n in o for o in names)][:2]
    if label:
        tail = label
    else:
        words: list[str] = []
        for match in re.finditer(r"[\w’'-]+", a.text):
            word = match.group()
            if word.casefold() in SUBJECT_STOPWORDS or word[0].isdigit() or word[0].isupper():
                continue
            if claim_stem(word) in shared_terms and word.casefold() not in {
                w.casefold() for w in words
            }:
                words.append(word)
        tail = " ".join(words[:4])
    head = " and ".join(names)
    return f"{head}: {tail}" if head and tail else head or tail or "the same subject"


_NAMES = re.compile(r"\b[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*")
