"""The short answer, settled by code from verified quotes: a name, a number, a date, yes or no.

``settle(bot, question, evidence)`` reads the question's kind (``Question.kind``) and looks for
the answer where that kind says it must be:

- **who / which**: the proper names (``bot.text.speech.entities``) of the passage sentences
  that bear on the question, less the names the question itself gives and the publishers; the
  name found in the most articles (weighted by how well each sentence bears on the question)
  is the answer, shown with the quotes that contain it; initials ("SBF") vote for the one
  candidate they abbreviate; the name is shown in the fullest form the articles write (one
  more name word, a sentence-case title included), never with a word they also write in lower
  case ("Google Search" is Google's search); "what type of …" / "what are the entities …" asks
  for a kind, answered with the plural common noun most of the best sentences use
  ("sportsbooks"), when one clearly leads;
- **how many**: the figures (``bot.text.figures``) of the best sentence that holds one the
  question does not give; **when**: its dates (``bot.text.dates.find_dates``, resolved
  against the article's date);
- **said** ("What did X say about Y", "… according to X"): the sentences whose speaker
  (``bot.text.speech.span_speakers``) is X, best on Y first — X's own words, never the
  narrator's;
- **yes/no, both sources, before/after**: the question is cut into its sides (one per named
  publication, ``HybridRetriever.analyse``; "A and B say X and Y, respectively" is two sides,
  ``respective_claims``; "the report published on <day>" scopes the side's search to that
  day's articles first and is no part of its claim, ``publication_day``); each side is a claim
  checked by the claim checker (``bot.claims.checker.check``) against that side's own sources,
  searched deeper when named (``AnswerSettings.side_passages_named``), its names read in the
  quote's whole article (title and text, the article's short form "Bankman-Fried" included)
  while its other words must be in the quote. A side contradicted (another figure, date,
  negation or an opposite predicate) → they do not say it: "No" needs such evidence, an
  unsupported side is never "No". Every side supported, or at least *reported* (a passage of
  its sources holds the side's names and most of its terms, or a sentence close to it by
  meaning, and no opposite of its predicates: ``AnswerSettings.side_*``) → they do;
  "inconsistent/discrepancy" questions flip the word; before/after compares the publication
  dates of the articles behind each side. Anything else leaves the short answer None, and the
  answer shows what each source says.

Code decides; no model is asked. A short answer is only returned with the quotes it comes from.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING

from bot.answer.evidence import Evidence, metadata_text
from bot.answer.extractive import balanced_span, quote_line
from bot.answer.question import Question
from bot.claims import DEFAULT_MAX_CHARS, best_quote_span, clause_window
from bot.claims.checker import ClaimCheck, ClaimChecker, Verdict, check, names_written
from bot.text.dates import display_label, find_dates, find_question_dates, parse_article_date
from bot.text.figures import figure_contexts, figures
from bot.text.similarity import cosine
from bot.text.speech import (
    TITLES,
    actor_key,
    clean_name,
    entities,
    is_nationality,
    same_actor,
)
from bot.text.speech import span_speakers as speakers_of
from bot.text.untrusted import looks_like_instruction
from bot.text.words import (
    Term,
    claim_stems,
    claim_terms,
    coverage,
    names_and_numbers,
    opposite_stems,
    with_capitals,
    word_set,
)
from bot.types import Citation, SearchFilters
from vectorstore.models import ScoredChunk
from vectorstore.sentences import sentence_spans

if TYPE_CHECKING:
    from bot.retrieval.query import QueryAnalysis
    from bot.service import Briefbot

log = logging.getLogger(__name__)

YES, NO = "Yes", "No"


@dataclass
class Settled:
    """What code found: the short answer (None when unsettled), its sentences and quotes."""

    short_answer: str | None
    text: str
    citations: list[Citation] = field(default_factory=list)
    used: list[ScoredChunk] = field(default_factory=list)


@dataclass(frozen=True)
class _Sentence:
    passage: ScoredChunk
    start: int
    end: int
    score: float

    @property
    def text(self) -> str:
        assert self.passage.article is not None
        return self.passage.article.text[self.start : self.end]


def _sentences(evidence: Sequence[Evidence], passages: int = 8) -> list[_Sentence]:
    """The sentences of the best passages, best bearing on the question first; injected
    instructions are never evidence."""
    out = []
    for ev in evidence[:passages]:
        article = ev.passage.article
        assert article is not None
        for start, end, score in ev.sentences:
            if not looks_like_instruction(article.text[start:end]):
                out.append(_Sentence(ev.passage, start, end, score))
    out.sort(key=lambda s: -s.score)
    return out


def quotable_span(text: str, start: int, end: int, focus: str) -> tuple[int, int] | None:
    """A quote of ``text[start:end]`` at most ``DEFAULT_MAX_CHARS`` long (an over-long sentence
    cut to its clause window on ``focus``) with balanced quotation marks, or None."""
    if end - start > DEFAULT_MAX_CHARS:
        start, end = clause_window(text, start, end, focus, DEFAULT_MAX_CHARS)
    span = balanced_span(text, start, end)
    if span is None or span[1] - span[0] > DEFAULT_MAX_CHARS:
        return None
    return span


def _quotes(
    picks: Sequence[_Sentence], limit: int = 2, focus: str = ""
) -> tuple[str, list[Citation], list]:
    """Lines ``Source: “…” [n]`` for the picked sentences (balanced marks, distinct spans)."""
    lines: list[str] = []
    citations: list[Citation] = []
    used: list[ScoredChunk] = []
    seen: set[tuple[str, int, int]] = set()
    for pick in picks:
        if len(citations) >= limit:
            break
        article = pick.passage.article
        assert article is not None
        span = quotable_span(article.text, pick.start, pick.end, focus or pick.text)
        if span is None or (article.id, *span) in seen:
            continue
        if any(a == article.id and s < span[1] and span[0] < e for a, s, e in seen):
            continue
        line, citation = quote_line(len(citations) + 1, pick.passage, *span)
        if not citation.verified:
            continue
        seen.add((article.id, *span))
        lines.append(line)
        citations.append(citation)
        used.append(pick.passage)
    return "\n".join(lines), citations, used


def _lead(short: str | None, body: str) -> str:
    """The answer's sentences (the short answer is a field of its own, shown first)."""
    return body


# ---- names -------------------------------------------------------------------------------

_NOT_NAMES = word_set(
    """monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december week"""
)
_CAPITALISED_RUN = re.compile(r"[A-Z][\w'’\-]*(?:\s+(?:(?:of|de|the|for)\s+)?[A-Z0-9][\w'’\-]*)*")


_TITLE_WORDS = re.compile(rf"^(?:(?:{TITLES})\s+)+", re.IGNORECASE)


def name_mentions(sentence: str) -> list[tuple[str, bool]]:
    """The proper names of a sentence as written, each with whether it opens the sentence
    (then its first word may be any capitalised word: "Additionally", "Using …"): runs of
    capitalised words that ``bot.text.speech.entities`` (the one definition of a name) also
    reads as names, less a leading title ("CEO Caroline Ellison") and possessives."""
    keys = entities(sentence)
    out = []
    for match in _CAPITALISED_RUN.finditer(sentence):
        offset = match.start()
        for piece in re.split(r"(['’]s)\b\s*", match.group()):
            if not piece or piece in ("'s", "’s"):
                offset += len(piece)
                continue
            name = clean_name(re.sub(r"^(?:(?:of|the|for|de)\s+)+", "", piece.rstrip("'’")))
            opening = offset == 0
            offset += len(piece)
            if not name or actor_key(name) not in keys | {actor_key(piece)}:
                continue
            name = re.sub(r"^(?:(?:of|the|for|de)\s+)+", "", _TITLE_WORDS.sub("", name)).strip()
            if name and not is_nationality(name) and name.casefold() not in _NOT_NAMES:
                out.append((name, opening and not name.isupper()))
    return out


def _words(name: str) -> frozenset[str]:
    """A name as its words ("Kim Jong-un" and "Kim Jong Un" are both kim, jong, un)."""
    return frozenset(actor_key(w) for w in re.split(r"[\s\-‐]+", name) if actor_key(w))


def _given_names(question: Question, sources: Sequence[str]) -> set[str]:
    """Name words the question itself gives, and the publishers: never the answer."""
    given = set(claim_stems(question.text)) | entities(question.text)
    for source in sources:
        given |= entities(source) | {actor_key(source)}
    return given


_CLASS_ASKED = re.compile(
    r"^\s*(?:what|which)\s+(?:are\s+the\s+)?(?:(?:types?|kinds?|sorts?)\s+of\b|entities\b)",
    re.IGNORECASE,
)
_PLURAL = re.compile(r"\b[a-z]{3,}(?<![su]s)(?<!ss)s\b")


def _class_noun(question: Question, sentences: Sequence[_Sentence]) -> Settled | None:
    """ "What type of establishments …" / "What are the entities that …" asks for a kind of
    thing, not a name: the plural common noun the best sentences use most ("sportsbooks"),
    one the question does not give, clearly ahead of the next (else no answer)."""
    asked = claim_stems(question.text)
    question_words = re.findall(r"[a-z]+", question.text.casefold())
    counts: dict[str, int] = {}
    for s in sentences[:12]:
        opening_lowered = s.text[:1].lower() + s.text[1:]  # "Sportsbooks adjust …"
        for word in set(_PLURAL.findall(opening_lowered)):
            # "bets" is given by "betting": a word of the question's own family
            if not claim_stems(word) & asked and not any(
                w.startswith(word[:-1]) for w in question_words
            ):
                counts[word] = counts.get(word, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < 3 or (len(ranked) > 1 and ranked[1][1] >= ranked[0][1]):
        return None
    noun = ranked[0][0]
    picks = [s for s in sentences[:12] if re.search(rf"\b{noun}\b", s.text)]
    body, citations, used = _quotes(_one_per_article(picks), focus=question.focus)
    if not citations:
        return None
    display = noun.capitalize()
    return Settled(display, _lead(display, body), citations, used)


def _entity(question: Question, evidence: Sequence[Evidence]) -> Settled | None:
    sentences = _sentences(evidence)
    if not sentences:
        return None
    if _CLASS_ASKED.search(question.text):
        return _class_noun(question, sentences)
    floor = sentences[0].score * 0.6
    sources = {s.passage.article.source or "" for s in sentences if s.passage.article}
    given = _given_names(question, sorted(sources))
    kind_is_person = question.kind == "who"
    acronyms: dict[str, list[_Sentence]] = {}
    best: dict[frozenset[str], dict[str, float]] = {}  # name words -> article id -> score
    forms: dict[frozenset[str], dict[str, int]] = {}
    mid_sentence = {
        actor_key(n) for s in sentences for n, opening in name_mentions(s.text) if not opening
    }
    for s in sentences:
        if s.score < floor:
            continue
        for name, opening in name_mentions(s.text):
            if opening and actor_key(name) not in mid_sentence:
                # a capitalised opening word is not a name unless seen inside a sentence
                name = name.split(" ", 1)[1] if " " in name else ""
            if kind_is_person and name.isupper():
                # an acronym names an organisation, not "the individual" (unless it stands
                # for a person's name: "SBF", merged below)
                acronyms.setdefault(name, []).append(s)
                continue
            words = _words(name)
            if not words or words <= given or actor_key(name) in given:
                continue
            assert s.passage.article is not None
            per_article = best.setdefault(words, {})
            aid = s.passage.article.id
            per_article[aid] = max(per_article.get(aid, 0.0), s.score)
            forms.setdefault(words, {})
            forms[words][name] = forms[words].get(name, 0) + 1
    _merge_acronyms(acronyms, best, forms)
    votes, subjects = _subject_votes(question, sentences[:3])
    for words, bonus in votes.items():
        if words in best:
            best[words]["subject"] = bonus
    if not best:
        return None
    # "Bankman-Fried" counts for "Sam Bankman-Fried": a name's votes go to the longer names
    # that contain all its words.
    totals: dict[frozenset[str], float] = {}
    for words in best:
        merged: dict[str, float] = {}
        for other, per_article in best.items():
            if words <= other or other <= words:
                for aid, score in per_article.items():
                    merged[aid] = max(merged.get(aid, 0.0), score)
        totals[words] = sum(merged.values()) + 0.01 * len(words)
    winner = max(totals, key=lambda w: totals[w])
    common = _lower_case_words(evidence)
    shorter = [o for o in totals if o < winner and (winner - o) <= common]
    if shorter:  # "Google Search" is Google's search: the name is "Google"
        winner = max(shorter, key=lambda w: (totals[w], len(w)))
    longer = [o for o in totals if winner < o and not (o - winner) <= common]
    if longer:  # "Kim" stands for "Kim Jong Un": show the fullest form the sources give
        winner = max(longer, key=lambda w: (totals[w], len(w)))
    display = _fullest_form(winner, forms, evidence, common)
    picks = [
        s
        for s in sentences
        if any(winner <= _words(n) or _words(n) <= winner for n, _ in name_mentions(s.text))
    ]
    # the sentence where the answer is the subject of the question's verb leads
    picks = _one_per_article(
        sorted(picks, key=lambda s: (s not in subjects, _headline(s.text), -s.score))
    )
    body, citations, used = _quotes(picks, focus=question.focus)
    if not citations:
        return None
    return Settled(display, _lead(display, body), citations, used)


def _initials(name: str) -> str:
    """ "Sam Bankman-Fried" → "SBF"."""
    return "".join(w[0] for w in re.split(r"[\s\-‐]+", name) if w).upper()


def _merge_acronyms(
    acronyms: dict[str, list[_Sentence]],
    best: dict[frozenset[str], dict[str, float]],
    forms: dict[frozenset[str], dict[str, int]],
) -> None:
    """ "SBF" is "Sam Bankman-Fried" when exactly one candidate of two or more words has those
    initials: the acronym's sentences vote for that name."""
    for acronym, said in acronyms.items():
        if len(acronym) < 2:
            continue
        owners = [w for w in best if len(w) >= 2 and any(_initials(n) == acronym for n in forms[w])]
        if len(owners) != 1:
            continue
        per_article = best[owners[0]]
        for s in said:
            aid = s.passage.chunk.article_id
            per_article[aid] = max(per_article.get(aid, 0.0), s.score)


def _fullest_form(
    winner: frozenset[str],
    forms: dict[frozenset[str], dict[str, int]],
    evidence: Sequence[Evidence],
    common: set[str],
) -> str:
    """The name as the sources write it most fully: "Bankman-Fried" is shown as "Sam
    Bankman-Fried", "Alameda" as "Alameda Research" when the articles give the longer form (one
    more name word before or after it). A sentence's opening word counts as that word only
    when the articles also write it capitalised inside a sentence ("Sam", never "Using")."""
    display = max(forms[winner], key=lambda n: (forms[winner][n], len(n)))
    fuller: dict[str, int] = {}
    opening_forms: dict[str, int] = {}
    inside: set[str] = set()
    seen: set[str] = set()
    for ev in evidence[:8]:
        article = ev.passage.article
        assert article is not None
        if article.id in seen:
            continue
        seen.add(article.id)
        texts = [article.text[a:b] for a, b in sentence_spans(article.text, 0, len(article.text))]
        if article.title and not _title_case(article.title):
            texts.append(article.title)
        for text in texts:
            for name, opening in name_mentions(text):
                words = _words(name)
                if not opening:
                    inside |= words
                if not (winner < words and len(words) - len(winner) == 1):
                    continue
                if name.endswith(display) or name.startswith(display + " "):
                    counts = opening_forms if opening else fuller
                    counts[name] = counts.get(name, 0) + 1
    for name, count in opening_forms.items():
        if _words(name) - winner <= inside:
            fuller[name] = fuller.get(name, 0) + count
    # a word after the name that the articles also write in lower case is a common noun
    # ("Google Search" is Google's search), not part of the name ("Alameda Research")
    fuller = {
        n: c
        for n, c in fuller.items()
        if n.endswith(display) or actor_key(n.split()[-1]) not in common
    }
    return max(fuller, key=lambda n: (fuller[n], n.endswith(display))) if fuller else display


def _lower_case_words(evidence: Sequence[Evidence]) -> set[str]:
    """The words the evidence's articles write in lower case (common nouns, verbs): "search"
    tells that "Google Search" is Google's search, not a longer name of Google."""
    texts = {
        ev.passage.article.id: ev.passage.article.text for ev in evidence[:8] if ev.passage.article
    }
    return {w for text in texts.values() for w in re.findall(r"\b[a-z][a-z]+\b", text)}


def _title_case(title: str) -> bool:
    """A headline In Title Case: its capitals do not tell names from other words."""
    words = re.findall(r"[A-Za-z][\w'’\-]*", title)
    return sum(w[0].isupper() for w in words) > len(words) / 2


def _subject_votes(
    question: Question, sentences: Sequence[_Sentence]
) -> tuple[dict[frozenset[str], float], list[_Sentence]]:
    """ "Who rejected X?": in the best sentences, the name right before the question's verb
    ("Kim Jong Un rejected …") is the one asked for — a vote as strong as a sentence."""
    match = re.match(
        r"\s*(?:who|which\s+\w+)\s+(?:(?:has|had|have|was|is|did)\s+)?(\w+)",
        question.text,
        re.IGNORECASE,
    )
    if match is None:
        return {}, []
    verb = claim_terms(match.group(1))
    if not verb:
        return {}, []
    votes: dict[frozenset[str], float] = {}
    subjects: list[_Sentence] = []
    for s in sentences:
        text = s.text
        for token in re.finditer(r"[\w'’\-]+", text):
            if claim_terms(token.group()) and claim_terms(token.group())[0].stem == verb[0].stem:
                before = name_mentions(text[: token.start()])
                if before:
                    words = _words(before[-1][0])
                    votes[words] = max(votes.get(words, 0.0), s.score)
                    subjects.append(s)
                break
    return votes, subjects


def _headline(text: str) -> bool:
    """A headline or fragment (no closing punctuation): a poor quote when a sentence says it."""
    return not re.search(r"[.!?…][\"'”’»)]*\s*$", text)


def _one_per_article(picks: Sequence[_Sentence]) -> list[_Sentence]:
    """The best sentence of each article first, then the rest."""
    seen: set[str] = set()
    first, rest = [], []
    for pick in picks:
        aid = pick.passage.chunk.article_id
        (rest if aid in seen else first).append(pick)
        seen.add(aid)
    return first + rest


# ---- numbers and dates ---------------------------------------------------------------------


def _number(question: Question, evidence: Sequence[Evidence]) -> Settled | None:
    """The figure that counts what the question asks about: among the best sentences' figures,
    the one whose neighbouring words share most stems with the question ("how many homes" →
    "4,000 homes"), earlier sentences first on a tie."""
    given = set(figures(question.text))
    asked = claim_stems(question.text)
    best: tuple[tuple[int, int, int], str, _Sentence] | None = None
    for rank, s in enumerate(_sentences(evidence)[:6]):
        for order, (raw, _value, context) in enumerate(figure_contexts(s.text)):
            if raw in given or re.fullmatch(r"(19|20)\d\d", raw):
                continue
            key = (-len(context & asked), rank, order)
            if best is None or key < best[0]:
                best = (key, raw, s)
    if best is None:
        return None
    _, found, s = best
    body, citations, used = _quotes([s], limit=1, focus=question.focus)
    if not citations:
        return None
    return Settled(found, _lead(found, body), citations, used)


def _date(question: Question, evidence: Sequence[Evidence]) -> Settled | None:
    asked = {d.label.lower() for d in find_dates(question.text)}
    for s in _sentences(evidence)[:6]:
        article = s.passage.article
        assert article is not None
        day = parse_article_date(article.published_at)
        found = [d for d in find_dates(s.text, day) if d.label.lower() not in asked]
        if found:
            label = display_label(found[0])
            body, citations, used = _quotes([s], limit=1, focus=question.focus)
            if citations:
                return Settled(label, _lead(label, body), citations, used)
    return None


# ---- someone's own words -------------------------------------------------------------------


def _said(question: Question, evidence: Sequence[Evidence]) -> Settled | None:
    """X's own words on the question: sentences anywhere in the best articles whose speaker is
    X and which hold the question's other words; X's own words (a sentence that is mostly
    quotation) before the narrator's report of them. The short answer stays None (what someone
    said is not a few words); the quote is the answer."""
    speaker = question.speaker
    if not speaker:
        return None
    speaker_stems = claim_stems(speaker)
    topic = [t for t in question.focus_terms if t.stem not in speaker_stems]
    if not topic:
        return None
    picks: list[tuple[float, float, _Sentence]] = []
    seen: set[str] = set()
    for ev in evidence[:6]:
        article = ev.passage.article
        assert article is not None
        if article.id in seen:
            continue
        seen.add(article.id)
        for start, end in sentence_spans(article.text, 0, len(article.text)):
            text = article.text[start:end]
            on_topic = coverage(topic, claim_stems(text))
            if on_topic <= 0 or looks_like_instruction(text):
                continue
            if any(same_actor(speaker, who) for who in speakers_of(article.text, start, end)):
                pick = _Sentence(ev.passage, start, end, on_topic)
                picks.append((on_topic, _quoted_share(pick), pick))
    if not picks:
        return None
    best = max(p[0] for p in picks)
    ranked = sorted((p for p in picks if p[0] >= best * 0.8), key=lambda p: (-p[1], -p[0]))
    body, citations, used = _quotes([p[2] for p in ranked], limit=1, focus=question.focus)
    if not citations:
        return None
    return Settled(None, body, citations, used)


def _quoted_share(sentence: _Sentence) -> float:
    """How much of the sentence (balanced within its paragraph) is inside quotation marks."""
    article = sentence.passage.article
    assert article is not None
    span = balanced_span(article.text, sentence.start, sentence.end) or (
        sentence.start,
        sentence.end,
    )
    text = article.text[span[0] : span[1]]
    inside = sum(len(m.group()) for m in re.finditer(r"“[^”]*”|\"[^\"]*\"", text))
    return round(inside / max(1, len(text)), 1)


# ---- yes / no ------------------------------------------------------------------------------

_CONFLICT = re.compile(
    r"\binconsisten|\bdiscrepan|\bcontradict|\bno\s+change\b|\bnot\s+(?:consistent|the same)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Side:
    claim: str
    sources: tuple[str, ...]
    published: date | None = None
    """The day the side's article was published, when the question names it ("the TechCrunch
    report published on October 6, 2023"): where to look, not what the article says."""


_PUBLISHED_ON = re.compile(
    r"\b(?:published|released|posted|dated|reported|written)\s+(?:on\s+)?$"
    # "the report by <publication> on <day>" (the publication's name already taken out)
    r"|\b(?:report|article|story|piece|coverage)\s+(?:(?:by|from|in)\s+)?on\s+$",
    re.IGNORECASE,
)


_ARTICLE_AFTER = re.compile(r"\s*,?\s*(?:article|report|piece|story|coverage)\b", re.IGNORECASE)


def publication_day(text: str) -> tuple[str, date | None]:
    """ "… report published on October 6, 2023" → the text without "published on October 6,
    2023" and that day: a date the question gives for an article's publication scopes the
    search; it is no claim the article's sentences must repeat (every such date is taken out;
    the first is the side's)."""
    first: date | None = None
    for mention in sorted(find_question_dates(text), key=lambda m: -m.start):
        if mention.day is None or mention.year is None or mention.month is None:
            continue
        before = _PUBLISHED_ON.search(text[: mention.start])
        if before is not None:
            cut = before.start()
        elif _ARTICLE_AFTER.match(text[mention.end :]):  # "their December 19, 2023, article"
            cut = mention.start
        else:
            continue
        rest = text[mention.end :].lstrip(" ,")
        text = " ".join(f"{text[:cut].rstrip()} {rest}".strip(" ,").split())
        first = date(mention.year, mention.month, mention.day)
    return text, first


def _dated_side(text: str, sources: tuple[str, ...]) -> _Side:
    """A side from its question text: the publication date taken out, the scaffolding too."""
    undated, day = publication_day(text)
    claim = side_claim(undated)
    return _Side(claim if claim_terms(claim) else side_claim(text), sources, day)


def side_claim(text: str) -> str:
    """A side of a question as a claim: the question's scaffolding ("Does the article from …
    suggest that") taken out, the content kept."""
    text = re.sub(r"['‘’\"“”]", " ", text)
    text = text.strip(" ,;?")
    kept = text
    for _ in range(3):  # leading scaffolding only ("Does the article suggest that X …")
        m = re.match(
            r"^(?:(?:does|do|did|is|are|was|were|has|have|had|the|an?|articles?|reports?|"
            r"from|by|both|also|another|while|whereas|and|or|same|source|that|other|one|"
            r"suggests?|suggested|indicates?|indicated|implies|imply|claims?|"
            r"mention(?:s|ed)?|discuss(?:es|ed)?|describes?|described|reported|published)\s+)+",
            kept,
            re.IGNORECASE,
        )
        if not m:
            break
        kept = kept[m.end() :]
    return " ".join(kept.split())


_RESPECTIVELY = re.compile(r",?\s*\brespectively\b", re.IGNORECASE)
_COORDINATION = re.compile(r"\s*,?\s+(?:and|or)\s+|\s*,\s*", re.IGNORECASE)
# Where a coordinated list's first item begins: after the last preposition, copula or reporting
# verb before it ("driven by [profit maximization] and [anticompetitive behavior]").
_LIST_OPENER = re.compile(
    r"\b(?:by|to|of|for|on|in|with|as|from|about|that|is|are|was|were|be|been|being|has|have|"
    r"had|imply|implies|suggest|suggests|indicate|indicates|report|reports|show|shows)\s+",
    re.IGNORECASE,
)


def respective_claims(claim: str, parts: int) -> list[str] | None:
    """ "X is driven by A and B, respectively" said of two sources is two claims, "X is driven
    by A" and "X is driven by B": the list before "respectively" shared out in order. None when
    the claim has no "respectively" or its final list does not have ``parts`` items."""
    match = _RESPECTIVELY.search(claim)
    if match is None or parts < 2:
        return None
    body = claim[: match.start()].rstrip(" ,")
    openers = list(_LIST_OPENER.finditer(body))
    if not openers:
        return None
    prefix, listed = body[: openers[-1].end()], body[openers[-1].end() :]
    items = [i.strip() for i in _COORDINATION.split(listed) if i.strip()]
    if len(items) != parts:
        return None
    rest = claim[match.end() :].strip(" ,")
    return [" ".join(f"{prefix}{item} {rest}".split()) for item in items]


def _mention_groups(analysis: QueryAnalysis, sources: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The publications a clause names, one group per mention in order ("The Age and
    TechCrunch" → (The Age,), (TechCrunch,)); a mention may stand for several feeds."""
    groups: list[tuple[str, ...]] = []
    for mention in analysis.sources:
        if set(mention.sources) <= set(sources) and mention.sources not in groups:
            groups.append(mention.sources)
    return groups


def _sides(bot: Briefbot, question: Question) -> list[_Side]:
    """The question's sides: one per clause that names publications; a clause naming several
    publications "respectively" is one side per publication."""
    analysis = bot.retriever.analyse(question.text)
    clauses = [(c.text, c.sources) for c in analysis.clauses if c.sources]
    if not clauses:
        clauses = [(analysis.topic or question.text, analysis.named_sources())]
    sides: list[_Side] = []
    for text, sources in clauses:
        if not claim_terms(text):
            continue
        groups = _mention_groups(analysis, sources)
        shared = respective_claims(side_claim(text), len(groups))
        if shared:
            sides.extend(_dated_side(c, g) for c, g in zip(shared, groups, strict=True))
        else:
            sides.append(_dated_side(_RESPECTIVELY.sub("", text), sources))
    return sides


@dataclass
class _SideResult:
    """One side of a yes/no question: the checker's verdict over that side's own sources, and
    whether those sources at least report on it (passage holding its names and most terms)."""

    check: ClaimCheck
    passages: list[ScoredChunk]
    reported: bool

    @property
    def verdict(self) -> Verdict:
        return self.check.verdict


def _check_side(bot: Briefbot, side: _Side, filters: SearchFilters | None) -> _SideResult:
    scope = SearchFilters(
        sources=side.sources or (filters.sources if filters else ()),
        since=filters.since if filters else None,
        until=filters.until if filters else None,
    )
    thresholds = bot.settings.answer
    depth = thresholds.side_passages_named if side.sources else thresholds.side_passages
    scopes = [scope]
    if side.published is not None:  # the article the question dates comes first
        scopes.insert(0, replace(scope, since=side.published, until=side.published))
    passages: list[ScoredChunk] = []
    for where in scopes:
        for p in bot.retriever.retrieve(side.claim, k=depth, filters=where):
            if p.article is not None and all(p.chunk.id != q.chunk.id for q in passages):
                passages.append(p)
    passages = passages[:depth]
    result = check(
        side.claim,
        passages,
        embeddings=bot.sentence_embeddings,
        thresholds=bot.settings.claims,
        names_in_articles=bool(side.sources),
    )
    terms = claim_terms(side.claim)
    names = names_and_numbers(terms)
    numbers = [t for t in names if t.weight >= 2.0]
    reported = False
    names_reader = ClaimChecker(names_in_articles=True)
    for p in passages[:3]:
        assert p.article is not None
        stems = with_capitals(claim_stems(p.article.text + "\n" + metadata_text(p)))
        # its names' words, or its names as the article writes them ("Bankman-Fried")
        named = max(
            coverage(names, stems) if names else 1.0,
            min(
                names_written(side.claim, p.article, names_reader),
                coverage(numbers, stems) if numbers else 1.0,
            ),
        )
        if named < thresholds.side_names or _says_opposite(terms, stems):
            continue
        if coverage(terms, stems) >= thresholds.side_coverage or (
            _closest_sentence(bot, side.claim, p) >= thresholds.side_similarity
        ):
            reported = True
            break
    return _SideResult(result, passages, reported or result.supported)


def _says_opposite(terms: Sequence[Term], stems: set[str]) -> bool:
    """Does a text (its ``stems``) hold the opposite of a predicate of the side that it lacks
    ("victory" where the side says "loss")? Then it does not report the side, however many of
    its other words it holds."""
    return any(stems & opposite_stems(t.stem) for t in terms if t.stem not in stems)


def _closest_sentence(bot: Briefbot, claim: str, passage: ScoredChunk) -> float:
    """MiniLM similarity of ``claim`` to the passage sentence closest to it (a paraphrase)."""
    article = passage.article
    assert article is not None
    spans = sentence_spans(article.text, passage.chunk.start, passage.chunk.end)
    if not spans:
        return 0.0
    embeddings = bot.sentence_embeddings
    claim_vector = embeddings.embed_query(claim)
    vectors = embeddings.embed_documents([article.text[a:b] for a, b in spans])
    return max(cosine(claim_vector, v) for v in vectors)


def _side_lines(
    bot: Briefbot, sides: Sequence[_Side], results: Sequence[_SideResult]
) -> tuple[str, list[Citation], list[ScoredChunk]]:
    """What each side's sources say: the checker's quote when it found one, else the sentence
    of the side's best passage that bears most on it (shown as what that source says, with
    no claim that it settles the side)."""
    lines: list[str] = []
    citations: list[Citation] = []
    used: list[ScoredChunk] = []
    for side, result in zip(sides, results, strict=True):
        spans = [
            (result.passages[i], c.start, c.end)
            for c, i in zip(result.check.citations, result.check.passages, strict=True)
        ]
        if not spans and result.passages:
            passage = result.passages[0]
            assert passage.article is not None
            try:
                start, end = best_quote_span(
                    passage.article, passage.chunk, side.claim, embeddings=bot.sentence_embeddings
                )
            except ValueError:
                continue
            spans = [(passage, start, end)]
        for passage, start, end in spans:
            assert passage.article is not None
            span = quotable_span(passage.article.text, start, end, side.claim)
            if span is None or any(
                c.article_id == passage.article.id and c.start == span[0] for c in citations
            ):
                continue
            line, cited = quote_line(len(citations) + 1, passage, *span)
            if cited.verified:
                lines.append(line)
                citations.append(cited)
                used.append(passage)
    return "\n".join(lines), citations, used


def _yes_no(bot: Briefbot, question: Question, filters: SearchFilters | None) -> Settled | None:
    sides = [s for s in _sides(bot, question) if s.claim]
    if not sides:
        return None
    results = [_check_side(bot, side, filters) for side in sides]
    verdicts = [r.verdict for r in results]
    log.info("yes/no sides %s: %s", [s.claim for s in sides], [v.value for v in verdicts])
    text = question.text
    # "consistent or inconsistent?" asks about agreement, whichever word comes second
    conflict_asked = bool(_CONFLICT.search(text)) and not _OPTIONS.search(text)
    short: str | None = None
    if Verdict.CONTRADICTED in verdicts:
        short = YES if conflict_asked else NO
    elif all(r.reported for r in results):
        short = NO if conflict_asked else YES
    body, citations, used = _side_lines(bot, sides, results)
    if not citations:
        return None
    return Settled(_as_option(text, short), _lead(short, body), citations, used)


_OPTIONS = re.compile(
    r"\b(consistent|similar|the same|aligned)\s+or\s+(inconsistent|different|changed?)\b",
    re.IGNORECASE,
)


def _as_option(question: str, short: str | None) -> str | None:
    """ "…, consistent or inconsistent?" is answered with the option, not yes or no."""
    match = _OPTIONS.search(question)
    if short is None or match is None:
        return short
    return match.group(1 if short == YES else 2).capitalize()


def _order(bot: Briefbot, question: Question, filters: SearchFilters | None) -> Settled | None:
    """Was X reported before Y: the publication dates of the articles that support (or, failing
    the checker, report) X and Y."""
    match = re.search(r"\b(before|after)\b", question.text, re.IGNORECASE)
    if match is None:
        return None
    analysis = bot.retriever.analyse(question.text)
    cut = match.start()
    halves = (question.text[:cut], question.text[match.end() :])
    sides = []
    for lo, half in ((0, halves[0]), (match.end(), halves[1])):
        inside = [m for m in analysis.sources if lo <= m.start < lo + len(half)]
        named = tuple(dict.fromkeys(s for m in inside for s in m.sources))
        for mention in sorted(inside, key=lambda m: -m.start):  # the publication is no claim
            half = half[: mention.start - lo] + " " + half[mention.end - lo :]
        sides.append(_dated_side(half, named))
    results = [_check_side(bot, side, filters) for side in sides]
    body, citations, used = _side_lines(bot, sides, results)
    if not citations:
        return None
    short = None
    if all(r.reported for r in results):
        first, second = (_side_date(r) for r in results)
        if first and second and first != second:
            earlier = first < second
            short = YES if earlier == (match.group(1).lower() == "before") else NO
    return Settled(short, _lead(short, body), citations, used)


def _side_date(result: _SideResult) -> date | None:
    """When the side was reported: the date of the article whose quote supports it, else of
    the side's best passage."""
    if result.check.citations:
        return parse_article_date(result.check.citations[0].published_at)
    article = result.passages[0].article if result.passages else None
    return parse_article_date(article.published_at) if article else None


# ---- dispatch ------------------------------------------------------------------------------


def settle(
    bot: Briefbot,
    question: Question,
    evidence: Sequence[Evidence],
    filters: SearchFilters | None = None,
) -> Settled | None:
    """The answer code can give by itself for this kind of question, or None (then the model
    writes and its sentences are checked)."""
    kind = question.kind
    if kind in ("who", "which"):
        return _entity(question, evidence)
    if kind == "how_many":
        return _number(question, evidence)
    if kind == "when":
        return _date(question, evidence)
    if kind == "said":
        return _said(question, evidence)
    if kind in ("yes_no", "compare"):
        return _yes_no(bot, question, filters)
    if kind == "order":
        return _order(bot, question, filters)
    return None
