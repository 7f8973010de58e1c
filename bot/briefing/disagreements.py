"""Where sources disagree: two independent sources (``publishers.IndependentSources``) giving
conflicting values for the same attribute of the same thing — a figure, a date, yes against no —
as the claim checker shows it: a sentence of one source is ``contradicted`` by a quote of another.

Nothing else is a disagreement. In particular:

- copies of one story (same publisher, or SimHash near duplicates) are one source and never
  disagree with each other;
- two statements of one actor (Kim in June, Kim in September) are that actor's positions, not
  a disagreement between sources;
- opposing words of two actors (a rejection here, an offer there) are their positions: a
  "yes against no" contradiction counts only between the sources' own reporting, never when
  either side is someone's quoted or reported speech.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.briefing.candidates import CitationPool, Sentence
from bot.briefing.evidence import Evidence
from bot.briefing.model import Disagreement
from bot.claims.checker import ClaimChecker, Verdict
from bot.settings import BriefingSettings
from bot.text.dates import find_dates
from bot.text.figures import figure_contexts
from bot.text.speech import (
    actor_key,
    clean_name,
    entities,
    find_attributions,
    is_nationality,
    same_actor,
)
from bot.text.words import SUBJECT_STOPWORDS, claim_stem, claim_stems

FIGURE, DATE, POLARITY = "figure", "date", "yes or no"

_QUOTE_MARKS = re.compile('[“”"«»„]')


def conflict_kind(reason: str) -> str:
    """The kind of conflicting value behind a ``contradicted`` verdict's reason."""
    if "figure" in reason:
        return FIGURE
    if "date" in reason:
        return DATE
    return POLARITY


UNNAMED = "?"


def speakers(text: str) -> list[str]:
    """Who the sentence reports as speaking (empty for the source's own reporting); a sentence
    in quotation marks, or "he said", with no named speaker is still speech (``UNNAMED``)."""
    found = [a.actor for a in find_attributions(text) if a.kind != "pronoun"]
    if not found and (_QUOTE_MARKS.search(text) or find_attributions(text)):
        return [UNNAMED]
    return found


def is_disagreement(kind: str, mine: str, theirs: str) -> bool:
    """A contradiction the checker found is a disagreement between sources unless it sets one
    actor's statement against another statement of the same actor, or sets speech against
    speech/reporting on a yes-or-no (that is two positions, shown under Positions)."""
    who_mine, who_theirs = speakers(mine), speakers(theirs)
    named = [(a, b) for a in who_mine for b in who_theirs if UNNAMED not in (a, b)]
    if any(same_actor(a, b) for a, b in named):
        return False
    return not (kind == POLARITY and (who_mine or who_theirs))


def select_disagreements(
    sentences: Sequence[Sentence],
    evidence: Evidence,
    checker: ClaimChecker,
    limits: BriefingSettings,
    pool: CitationPool,
    used: set[tuple[str, int]],
) -> list[Disagreement]:
    """Each of the best ``limits.disagreement_candidates`` sentences checked against every other
    independent source's passages; a ``contradicted`` verdict that :func:`is_disagreement`
    accepts becomes a disagreement (one per pair of sources and per sentence)."""
    out: list[Disagreement] = []
    pairs: set[tuple[str, str]] = set()
    for s in list(sentences)[: limits.disagreement_candidates]:
        if len(out) >= limits.disagreements:
            break
        if s.key in used:
            continue
        mine = evidence.sources.of(s.article.id)
        for other in evidence.sources.source_keys():
            if other == mine or tuple(sorted((mine, other))) in pairs:
                continue
            passages = evidence.passages_near(other, s.text)
            if not passages:
                continue
            result = checker.check(s.text, passages)
            if result.verdict is not Verdict.CONTRADICTED or not result.citations:
                continue
            quote = result.citations[0]
            kind = conflict_kind(result.reason)
            if not is_disagreement(kind, s.text, quote.quote):
                continue
            article = evidence.articles[quote.article_id]
            if (article.id, quote.start) in used:
                continue
            left = pool.add(s)
            right = pool.add_span(article, quote.start, quote.end)
            first, second = sorted(
                (left, right),
                key=lambda m: (pool.citations[m].published_at or "", pool.citations[m].article_id),
            )
            a_text, b_text = pool.citations[first].quote, pool.citations[second].quote
            out.append(
                Disagreement(
                    attribute=_subject(a_text, b_text),
                    left=first,
                    right=second,
                    kind=kind,
                    detail=_values(kind, a_text, b_text),
                )
            )
            used.update({s.key, (article.id, quote.start)})
            pairs.add(tuple(sorted((mine, other))))
            break
    return out


def _values(kind: str, a: str, b: str) -> str:
    """The conflicting values as each side gives them ("12 vs 40", "2019 vs 2020", "yes vs no")."""
    if kind == FIGURE:
        fa, fb = figure_contexts(a), figure_contexts(b)
        left = [raw for raw, v, ctx in fa if any(ctx & c and v != w for _, w, c in fb)]
        right = [raw for raw, v, ctx in fb if any(ctx & c and v != w for _, w, c in fa)]
    elif kind == DATE:
        da, db = find_dates(a), find_dates(b)
        left = [d.label for d in da if d.label not in {e.label for e in db}]
        right = [d.label for d in db if d.label not in {e.label for e in da}]
    else:
        return "yes vs no"
    if not left or not right:
        return ""
    return f"{', '.join(dict.fromkeys(left))} vs {', '.join(dict.fromkeys(right))}"


_NAMES = re.compile(r"\b[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*")


def _subject(a: str, b: str) -> str:
    """What both sentences are about: the names they share, then a few shared words."""
    shared_entities = entities(a) & entities(b)
    shared_terms = claim_stems(a) & claim_stems(b)
    names: list[str] = []
    for m in _NAMES.finditer(a):
        name = clean_name(m.group(0))
        if not name or is_nationality(name):
            continue
        if actor_key(name) in shared_entities and name not in names:
            names.append(name)
    names = [n for n in names if not any(n != o and n in o for o in names)][:2]
    words: list[str] = []
    for match in re.finditer(r"[\w’'-]+", a):
        word = match.group()
        if word.casefold() in SUBJECT_STOPWORDS or word[0].isdigit() or word[0].isupper():
            continue
        if claim_stem(word) in shared_terms and word.casefold() not in {
            w.casefold() for w in words
        }:
            words.append(word)
    head, tail = " and ".join(names), " ".join(words[:4])
    return f"{head}: {tail}" if head and tail else head or tail or "the same subject"
