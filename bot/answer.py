"""Cited answers: retrieve, decide, let the model write, then let code check every word it can.

``answer_question`` runs in this order:

1. **Standalone query** — a follow-up ("and what did the South say?") is joined by code with the
   previous user question(s); the tiny embedded model is not trusted to rewrite questions.
2. **Retrieve** with ``bot.retriever.retrieve`` (hybrid dense + BM25, filters).
3. **Abstain early** when the evidence is weak: every passage sentence is scored against the
   question (MiniLM similarity) and the question's content words, names and numbers are looked up
   in the passages. Names/numbers the sources never mention, or low similarity with little word
   overlap, mean the sources do not answer — the model is not called.
4. **Model** (``ANSWER_PROMPT | llm``, streamed) sees numbered, neutralised ``<passage>`` blocks.
5. **Code checks each sentence** as it completes. It is kept only when one quote (1–2 whole
   sentences of a shown passage, chosen by code) contains most of its content words, all of its
   numbers and names, and the speaker it attributes words to — looked for first in the passage its
   ``[n]`` marker names (markers to missing passages are ignored), then in the others. A sentence
   whose trailing clause is unsupported is cut back to its supported part. Talk about "the
   passages", sentences off the question and sentences repeating an injected instruction are
   dropped; quotation marks around words no source contains are removed and the words reported in
   ``flagged_quotes``. Each distinct quote is one marker, numbered 1..N in order of first use.
   Accepted sentences stream to ``on_token`` as they pass, so what streams is ``Answer.answer``.
6. **Extractive fallback**: when no model sentence survives, the answer is built by code from
   the best-supporting passage sentences, quoted, with their markers. When the model says the
   sources do not answer, the answer abstains. Every citation is verified verbatim
   (``bot.quotes.make_citation``); an unverified one is never returned.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from bot.prompts import (
    ANSWER_PROMPT,
    NO_ANSWER,
    format_passages,
    injected_payloads,
    looks_like_instruction,
)
from bot.quotes import (
    DEFAULT_MAX_CHARS,
    Term,
    best_quote_span,
    clause_window,
    coverage,
    make_citation,
    names_and_numbers,
    normalise_for_match,
    score_spans,
    stems,
    strip_unsupported_quotations,
    terms,
)
from bot.types import Answer, Citation, SearchFilters
from vectorstore.models import ScoredChunk
from vectorstore.sentences import sentence_spans

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from bot.service import Briefbot

log = logging.getLogger(__name__)

# ---- calibration (see docs/bench/answer.md: seeds + MultiHop-RAG null queries) -----------------
SIM_STRONG = 0.55
"""A passage sentence this similar to the question is evidence on its own."""
SIM_MIN = 0.30
"""Below this best-sentence similarity the sources are taken not to answer."""
COVER_MIN = 0.42
"""Share (weighted) of the question's content words that the passages must contain."""
NAMES_MIN = 0.6
"""Share of the question's names and numbers the passages must contain."""
SUPPORT_MIN = 0.7
"""Share of a model sentence's content words its quote must contain: a small model's sentence
is kept only when it stays close to one quote; otherwise the answer is extractive."""
NAMES_SUPPORT_MIN = 1.0
"""Share of a model sentence's names its quote (or the article's title, source and date) must
contain; numbers must always all be in the quote itself."""
ON_TOPIC_SIM = 0.35
"""A model sentence sharing no word with the question must be at least this similar to it."""
EXTRA_QUOTE_RATIO = 0.85
"""An extractive answer adds a second quote only when it scores this close to the first."""
MAX_SENTENCES = 3
MAX_RAW_SENTENCES = 5
MAX_FAILED_START = 2
"""Stop generating when the model's first sentences are all rejected: the answer will be
extractive, and waiting for more of the same only adds latency."""
ANSWER_MAX_TOKENS = 200
STOP_SEQUENCES = ["</passage>", "<passage", "<p>", "\nQuestion:", "Passages (data"]

# ---- follow-up questions ------------------------------------------------------------------------

_ROLES = {"user", "human", "assistant", "ai", "bot", "system"}
_FOLLOW_UP_START = re.compile(
    r"^\s*(and|but|also|so|then|or|plus|what about|how about|what else|anything else|"
    r"and what|why not|same for)\b",
    re.IGNORECASE,
)
_ANAPHORA = re.compile(
    r"\b(he|she|they|him|her|them|his|hers|their|theirs|it|its|this|that|these|those|"
    r"there|latter|former|same|other side)\b",
    re.IGNORECASE,
)


def user_turns(history: Sequence[tuple[str, str]]) -> list[str]:
    """The user's earlier questions. ``history`` may hold ``(role, text)`` pairs (roles user,
    human, assistant, ai) or ``(question, answer)`` pairs."""
    turns: list[str] = []
    for first, second in history:
        if first.strip().lower() in _ROLES:
            if first.strip().lower() in ("user", "human"):
                turns.append(second)
        else:
            turns.append(first)
    return [t.strip() for t in turns if t and t.strip()]


def is_follow_up(question: str) -> bool:
    """Does the question lean on the conversation ('and the South?', 'what did he say?')."""
    if _FOLLOW_UP_START.search(question) or _ANAPHORA.search(question):
        return True
    return len(terms(question)) <= 1


def standalone_query(question: str, history: Sequence[tuple[str, str]] = ()) -> str:
    """The retrieval query: the question, plus the earlier question(s) it follows up on.

    Done by code on purpose: a 135M model rewriting questions drifts; joining the turns is
    predictable and the hybrid retriever matches the new words (BM25) in the old context.
    """
    turns = user_turns(history)
    if not turns or not is_follow_up(question):
        return question
    context = [turns[-1]]
    if len(turns) > 1 and is_follow_up(turns[-1]):
        context.insert(0, turns[-2])
    return f"{question} ({' '.join(context)})"


# ---- evidence -----------------------------------------------------------------------------------


@dataclass
class Evidence:
    """How well one retrieved passage bears on the question."""

    passage: ScoredChunk
    similarity: float  # best sentence similarity to the query
    coverage: float  # weighted share of the focus terms found in the passage (+ metadata)
    stems: set[str] = field(default_factory=set)
    sentences: list[tuple[int, int, float]] = field(default_factory=list)
    """(start, end, score) of each sentence of the passage: similarity + word overlap."""

    @property
    def relevance(self) -> float:
        return 0.5 * self.similarity + 0.5 * self.coverage


def _metadata_text(passage: ScoredChunk) -> str:
    article = passage.article
    if article is None:
        return ""
    parts = [article.title, article.source or "", article.published_at or ""]
    if article.published_at:
        try:
            day = date.fromisoformat(article.published_at[:10])
            parts.append(f"{day:%B} {day.day} {day.year}")
        except ValueError:
            pass
    return " ".join(parts)


def _cos(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(x * x for x in b))
    return dot / (na * nb) if na and nb else 0.0


_VECTOR_CACHE: OrderedDict[tuple[int, str], list[float]] = OrderedDict()
_VECTOR_CACHE_SIZE = 20_000
_VECTOR_LOCK = threading.Lock()


def embed_cached(embeddings: Embeddings, texts: Sequence[str]) -> list[list[float]]:
    """Sentence vectors, remembered per process: the same articles are asked about again and
    again, and embedding their sentences is most of the cost of deciding whether to answer."""
    key = id(embeddings)
    with _VECTOR_LOCK:
        missing = [t for t in dict.fromkeys(texts) if (key, t) not in _VECTOR_CACHE]
    fresh = embeddings.embed_documents(missing) if missing else []
    with _VECTOR_LOCK:
        for text, vector in zip(missing, fresh, strict=True):
            _VECTOR_CACHE[(key, text)] = vector
        out = []
        for text in texts:
            _VECTOR_CACHE.move_to_end((key, text))
            out.append(_VECTOR_CACHE[(key, text)])
        while len(_VECTOR_CACHE) > _VECTOR_CACHE_SIZE:
            _VECTOR_CACHE.popitem(last=False)
    return out


def assess(
    passages: Sequence[ScoredChunk], query: str, focus: str, embeddings: Embeddings
) -> list[Evidence]:
    """Evidence per passage, most relevant first."""
    focus_terms = terms(focus)
    sentences: list[tuple[int, int, int, str]] = []
    for n, p in enumerate(passages):
        assert p.article is not None
        for s, e in sentence_spans(p.article.text, p.chunk.start, p.chunk.end):
            if not looks_like_instruction(p.article.text[s:e]):  # injected text is no evidence
                sentences.append((n, s, e, p.article.text[s:e]))
    vectors = [embeddings.embed_query(query), *embed_cached(embeddings, [x[3] for x in sentences])]
    best = [0.0] * len(passages)
    per_passage: list[list[tuple[int, int, float]]] = [[] for _ in passages]
    for (n, s, e, text), vec in zip(sentences, vectors[1:], strict=True):
        sim = _cos(vectors[0], vec)
        best[n] = max(best[n], sim)
        per_passage[n].append((s, e, sim + 0.5 * coverage(focus_terms, stems(text))))
    out = []
    for n, p in enumerate(passages):
        passage_stems = stems(p.chunk.text + "\n" + _metadata_text(p))
        cov = coverage(focus_terms, passage_stems)
        out.append(Evidence(p, best[n], cov, passage_stems, per_passage[n]))
    out.sort(key=lambda ev: -ev.relevance)
    return out


@dataclass
class Decision:
    answerable: bool
    reason: str
    similarity: float = 0.0
    coverage: float = 0.0
    names: float = 1.0


def decide(evidence: Sequence[Evidence], focus: str) -> Decision:
    """Whether the passages can answer at all, before any model call."""
    if not evidence:
        return Decision(False, "nothing retrieved")
    all_stems = set().union(*(ev.stems for ev in evidence))
    sim = max(ev.similarity for ev in evidence)
    cov = coverage(terms(focus), all_stems)
    named = names_and_numbers(focus)
    names = coverage(named, all_stems) if named else 1.0
    if named and names < NAMES_MIN and sim < SIM_STRONG + 0.1:
        return Decision(False, "names/numbers not in sources", sim, cov, names)
    if sim >= SIM_STRONG:
        return Decision(True, "strong similarity", sim, cov, names)
    if sim >= SIM_MIN and cov >= COVER_MIN:
        return Decision(True, "similarity and word overlap", sim, cov, names)
    return Decision(False, "weak evidence", sim, cov, names)


def _select_for_model(evidence: Sequence[Evidence], top_k: int) -> list[Evidence]:
    """The passages worth showing, best first (a small model reads the first ones best)."""
    if not evidence:
        return []
    floor = evidence[0].relevance * 0.5
    chosen = [ev for ev in evidence if ev.relevance >= floor]
    return chosen[: max(1, top_k)]


def _excerpt(ev: Evidence, max_chars: int) -> str:
    """The passage's best sentences, in text order, within ``max_chars`` (small context models).

    Only the model's view is shortened: quotes are chosen by code from the whole passage.
    """
    article = ev.passage.article
    assert article is not None
    ranked = sorted(ev.sentences, key=lambda x: -x[2])
    keep: list[tuple[int, int, float]] = []
    used = 0
    for s, e, score in ranked:
        if keep and used + (e - s) > max_chars:
            continue
        keep.append((s, e, score))
        used += e - s + 1
    keep.sort()
    return " ".join(article.text[s:e] for s, e, _ in keep)


# ---- the model's sentences ----------------------------------------------------------------------

_MARKER = re.compile(
    r"\s*[\[【]\s*(?:passages?\s*|sources?\s*|#)?(\d{1,2}(?:\s*(?:,|;|and|&)\s*(?:passages?\s*)?"
    r"\d{1,2})*)\s*[\]】]",
    re.IGNORECASE,
)
_NO_ANSWER_RE = re.compile(
    r"(sources?|passages?|articles?|context)\s+(do|does|did)\s*(not|n't)\s+(say|answer|mention|"
    r"contain|provide|specify|state)|\b(there\s+is|i\s+have|i\s+found)\s+no\s+(relevant\s+)?"
    r"information\b|\bnot\s+(mentioned|stated)"
    r"\s+in\s+the\s+(sources?|passages?)|\bcannot\s+(be\s+)?(answer|determin)",
    re.IGNORECASE,
)
# The end of a sentence in streamed text: terminal punctuation (and any markers right after it)
# followed by the start of the next sentence, or a line break. The last sentence is taken whole
# when the stream ends.
_SENTENCE_END = re.compile(
    r"[.!?…][\"'”’»)]*(?:\s*[\[【][^\]】\n]{0,24}[\]】])*(?=\s+[\"“'‘(\[A-Z0-9])|\n+"
)
_META_TALK = re.compile(
    r"\b(the|this|these|that|those|each|every)\s+(given\s+|provided\s+)?(passage|passages|"
    r"source|sources|article|articles|context)\b|\bpassage\s*\d"
    r"|^\W*(it|this|that)\s+(refers?|is\s+referring|talks?|is\s+about|describes?|mentions?)\b",
    re.IGNORECASE,
)
_LIST_PREFIX = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*•])\s+")
_ABBREVIATION_END = re.compile(
    r"(?:\b[A-Z]|(?:\b\w\.)+\w|\b(?:Mr|Mrs|Ms|Dr|Prof|St|Gen|Sen|Rep|Gov|Jr|Sr|No|vs))\.$"
)
_ATTRIBUTION = re.compile(
    r"^(?P<who>[^,;:]{2,80}?)\s+(?:has\s+|had\s+|have\s+)?(?:said|says|say|stated|states|told|"
    r"tells|announced|announces|added|adds|reiterated|warned|warns|claimed|claims|insisted|"
    r"argued|noted|explained|assured|declared|stressed|called|considered|accused|reported|"
    r"reports|confirmed|denied|rejected)\b",
    re.IGNORECASE,
)


def split_markers(sentence: str) -> tuple[str, list[int]]:
    """The sentence without its ``[n]`` markers, and the marker numbers in order."""
    numbers: list[int] = []
    for match in _MARKER.finditer(sentence):
        numbers += [int(x) for x in re.findall(r"\d+", match.group(1))]
    claim = _MARKER.sub("", sentence)
    claim = re.sub(r"\s+([.,;:!?])", r"\1", claim)
    return re.sub(r"\s+", " ", claim).strip(), list(dict.fromkeys(numbers))


def says_no_answer(text: str) -> bool:
    norm = normalise_for_match(text)
    return norm.startswith(normalise_for_match(NO_ANSWER)[:-1]) or bool(_NO_ANSWER_RE.search(text))


def _with_markers(claim: str, markers: Iterable[int]) -> str:
    tags = "".join(f"[{m}]" for m in markers)
    match = re.search(r"[.!?…]+[\"'”’»)]*$", claim)
    if match:
        return f"{claim[: match.start()]} {tags}{claim[match.start() :]}"
    return f"{claim} {tags}."


_CLAUSE_BREAK = re.compile(r",\s+|;\s+|\s+[—–]\s+|\s+(?=(?:and|but|while|whereas|which)\s)")


def _claim_and_prefixes(claim: str) -> list[str]:
    """The claim, then its leading clauses, longest first (at least four words each): a sentence
    whose last clause the sources do not support can still be kept without that clause."""
    out = [claim]
    for match in reversed(list(_CLAUSE_BREAK.finditer(claim))):
        prefix = claim[: match.start()].rstrip(" ,;—–")
        if len(prefix.split()) >= 4:
            out.append(prefix + ".")
    return out


@dataclass(frozen=True)
class Support:
    """A quote of one shown passage that supports one sentence."""

    passage: int  # 0-based index into the shown passages
    start: int
    end: int
    coverage: float


@dataclass
class _Accepted:
    claim: str
    markers: list[int]


class AnswerBuilder:
    """Turns the model's streamed text into checked sentences with renumbered markers.

    A sentence is kept only when a quote (1–2 sentences of one shown passage, chosen by code)
    contains most of its content words, all of its numbers, most of its names, and the speaker
    it attributes words to; markers the model wrote are preferred, others are found by code.
    Each distinct quote is one marker, numbered in order of first use.
    """

    def __init__(
        self,
        passages: Sequence[ScoredChunk],
        focus: str,
        on_token: Callable[[str], None] | None = None,
        embeddings: Embeddings | None = None,
    ) -> None:
        self.passages = list(passages)
        self.focus = focus
        self.focus_terms = terms(focus)
        self.on_token = on_token
        self.embeddings = embeddings
        self.buffer = ""
        self.raw = ""
        self.accepted: list[_Accepted] = []
        self.supports: list[Support] = []  # marker n is supports[n - 1]
        self.flagged: list[str] = []
        self.emitted: list[str] = []
        self.model_abstained = False
        self.raw_sentences = 0
        self.dropped: list[tuple[str, str]] = []
        self._meta = [stems(_metadata_text(p)) for p in self.passages]
        self._articles = list(
            {p.article.id: p.article for p in self.passages if p.article}.values()
        )
        self._payloads = [
            normalise_for_match(x)
            for a in self._articles
            for x in injected_payloads(a.text)
            if len(x.strip()) >= 4
        ]
        self._focus_vec: list[float] | None = None

    @property
    def done(self) -> bool:
        return (
            self.model_abstained
            or len(self.accepted) >= MAX_SENTENCES
            or self.raw_sentences >= MAX_RAW_SENTENCES
            or (not self.accepted and self.raw_sentences >= MAX_FAILED_START)
        )

    def feed(self, text: str) -> None:
        self.raw += text
        self.buffer += text
        position = 0
        while not self.done:
            match = _SENTENCE_END.search(self.buffer, position)
            if match is None:
                return
            if _ABBREVIATION_END.search(self.buffer[: match.end()].rstrip()):
                position = match.end()
                continue
            sentence, self.buffer = self.buffer[: match.end()], self.buffer[match.end() :]
            position = 0
            self._sentence(sentence)

    def finish(self) -> None:
        if self.buffer.strip() and not self.done:
            self._sentence(self.buffer)
        self.buffer = ""

    def _drop(self, sentence: str, why: str) -> None:
        log.info("dropped model sentence (%s): %r", why, sentence)
        self.dropped.append((sentence, why))

    # -- checks --

    def _support(self, index: int, claim: str, claim_terms: list[Term]) -> Support | None:
        """The best quote of passage ``index`` that grounds ``claim``, if one does."""
        passage = self.passages[index]
        article = passage.article
        assert article is not None
        ranked = score_spans(article, passage.chunk, claim, question=self.focus)
        named = names_and_numbers(claim)
        numbers = [t for t in named if t.weight >= 2.0]
        who = _ATTRIBUTION.match(claim)
        speaker = names_and_numbers(who.group("who")) or terms(who.group("who")) if who else []
        for span in ranked[:4]:
            start, end = span.start, span.end
            if end - start > DEFAULT_MAX_CHARS:  # one long sentence: check the part quoted
                start, end = clause_window(article.text, start, end, claim, DEFAULT_MAX_CHARS)
            quote_stems = stems(article.text[start:end])
            with_meta = quote_stems | self._meta[index]
            cover = coverage(claim_terms, quote_stems)
            if cover < SUPPORT_MIN:
                continue
            if numbers and coverage(numbers, quote_stems) < 1.0:
                continue
            if named and coverage(named, with_meta) < NAMES_SUPPORT_MIN:
                continue
            if speaker and coverage(speaker, with_meta) < 0.99:
                continue
            return Support(index, start, end, cover)
        return None

    def _find_support(self, claim: str, cited: list[int]) -> list[Support]:
        """Quotes grounding ``claim``: from the passages the model cited, else the best other."""
        claim_terms = terms(claim)
        if not claim_terms:
            return []
        found = [s for i in cited if (s := self._support(i, claim, claim_terms)) is not None]
        if found:
            return found
        others = [i for i in range(len(self.passages)) if i not in cited]
        candidates = [s for i in others if (s := self._support(i, claim, claim_terms))]
        return sorted(candidates, key=lambda s: -s.coverage)[:1]

    def _on_topic(self, claim: str, claim_terms: list[Term]) -> bool:
        """Does the sentence bear on the question (shares a content word, or is similar)?"""
        focus = {t.stem for t in self.focus_terms}
        if not focus or focus & {t.stem for t in claim_terms}:
            return True
        if self.embeddings is None:
            return False
        if self._focus_vec is None:
            self._focus_vec = self.embeddings.embed_query(self.focus)
        return _cos(self._focus_vec, self.embeddings.embed_query(claim)) >= ON_TOPIC_SIM

    def _sentence(self, sentence: str) -> None:
        sentence = _LIST_PREFIX.sub("", sentence.strip())
        if not sentence:
            return
        self.raw_sentences += 1
        claim, markers = split_markers(sentence)
        if says_no_answer(claim):
            if not self.accepted:
                self.model_abstained = True
            else:
                self._drop(sentence, "abstention after an answer")
            return
        claim_terms = terms(claim)
        if len(claim.split()) < 3 or not claim_terms:
            self._drop(sentence, "no content")
            return
        norm = normalise_for_match(claim)
        if any(p in norm for p in self._payloads) or looks_like_instruction(claim):
            self._drop(sentence, "repeats an injected instruction")
            return
        if _META_TALK.search(claim):
            self._drop(sentence, "talks about the passages, not the news")
            return
        if not self._on_topic(claim, claim_terms):
            self._drop(sentence, "off the question")
            return
        claim, flagged = strip_unsupported_quotations(claim, self._articles)
        cited = [m - 1 for m in markers if 1 <= m <= len(self.passages)]
        found: list[Support] = []
        for candidate in _claim_and_prefixes(claim):
            found = self._find_support(candidate, cited)
            if found:
                if candidate != claim:
                    log.info("kept the supported part of %r: %r", claim, candidate)
                claim = candidate
                break
        if not found:
            self._drop(sentence, "no passage sentence supports it")
            return
        self.flagged += flagged
        numbers = []
        for support in found:
            key = (support.passage, support.start, support.end)
            known = [(s.passage, s.start, s.end) for s in self.supports]
            if key not in known:
                self.supports.append(support)
                known.append(key)
            numbers.append(known.index(key) + 1)
        numbers = sorted(set(numbers))
        self.accepted.append(_Accepted(claim, numbers))
        self._emit(_with_markers(claim, numbers))

    def _emit(self, text: str) -> None:
        piece = text if not self.emitted else " " + text
        self.emitted.append(piece)
        if self.on_token:
            self.on_token(piece)

    @property
    def text(self) -> str:
        return "".join(self.emitted)


# ---- extractive fallback ------------------------------------------------------------------------


_TIME = re.compile(
    r"\b(\d{1,2}(:\d{2})?\s*(a\.m\.|p\.m\.|am|pm)|\d{4}|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday|today|tomorrow|yesterday|morning|evening|night|week|month|year|"
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"since|until|after|before|ago)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\b(\d[\d.,]*|one|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|"
    r"thousands?|millions?|billions?)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+")


def answer_type_bonus(question: str, text: str) -> float:
    """A small preference for sentences holding the kind of thing the question asks for."""
    q = question.lower()
    if re.search(r"\bhow (many|much|often|long|far)\b|\bwhat (number|percentage|share)\b", q):
        return 0.1 if _NUMBER.search(text) else 0.0
    if re.search(r"\bwhen\b|\bwhat (time|day|date|year)\b", q):
        return 0.1 if _TIME.search(text) else 0.0
    if re.search(r"^\s*(who|whom|which (country|countries|leader|official|person))\b", q):
        return 0.05 if _NAME.search(text) else 0.0
    return 0.0


def _extractive(
    evidence: Sequence[Evidence], focus: str, embeddings: Embeddings | None, max_quotes: int = 2
) -> tuple[str, list[Citation], list[ScoredChunk]]:
    """An answer made only of quoted source sentences: used when the model gave nothing usable."""
    picks: list[tuple[float, ScoredChunk, tuple[int, int]]] = []
    for ev in evidence[:3]:
        article = ev.passage.article
        assert article is not None
        ranked = score_spans(article, ev.passage.chunk, focus, embeddings=embeddings)
        if ranked:
            best = max(
                ranked,
                key=lambda r: r.score + answer_type_bonus(focus, article.text[r.start : r.end]),
            )
            score = best.score + answer_type_bonus(focus, article.text[best.start : best.end])
            picks.append((score, ev.passage, (best.start, best.end)))
    picks.sort(key=lambda x: -x[0])
    chosen: list[tuple[ScoredChunk, tuple[int, int]]] = []
    for score, passage, span in picks:
        if len(chosen) >= max_quotes or (chosen and score < EXTRA_QUOTE_RATIO * picks[0][0]):
            break
        if any(
            p.chunk.article_id == passage.chunk.article_id and s[0] < span[1] and span[0] < s[1]
            for p, s in chosen
        ):
            continue
        chosen.append((passage, span))
    parts, citations, used = [], [], []
    for passage, (start, end) in chosen:
        article = passage.article
        assert article is not None
        if end - start > DEFAULT_MAX_CHARS:
            start, end = best_quote_span(article, passage.chunk, focus, embeddings=embeddings)
        citation = make_citation(len(citations) + 1, article, start, end)
        if not citation.verified:
            log.error("dropping unverified extractive citation of %s", article.id)
            continue
        shown = f"“{' '.join(citation.quote.split())}” [{citation.marker}]"
        source = " ".join((article.source or "").split())
        parts.append(f"{source}: {shown}" if source and len(source) <= 60 else shown)
        citations.append(citation)
        used.append(passage)
    return "\n".join(parts), citations, used


# ---- the entry point ----------------------------------------------------------------------------


def _abstain(question: str, on_token: Callable[[str], None] | None) -> Answer:
    if on_token:
        on_token(NO_ANSWER)
    return Answer(question=question, answer=NO_ANSWER, abstained=True)


def retrieve_for(
    bot: Briefbot,
    question: str,
    query: str,
    filters: SearchFilters | None,
) -> list[ScoredChunk]:
    """Passages for the (standalone) query; a follow-up also searches its own words alone, so
    that "and the South?" finds the South even when the earlier topic dominates the joined query.
    """
    k = bot.settings.top_k
    found = bot.retriever.retrieve(query, k=k, filters=filters)
    if query != question and terms(question):
        seen = {p.chunk.id for p in found}
        found += [
            p
            for p in bot.retriever.retrieve(question, k=k, filters=filters)
            if p.chunk.id not in seen
        ]
    return [p for p in found if p.article is not None]


def answer_question(
    bot: Briefbot,
    question: str,
    filters: SearchFilters | None = None,
    history: Sequence[tuple[str, str]] = (),
    on_token: Callable[[str], None] | None = None,
) -> Answer:
    """A cited answer to ``question`` from the articles in ``bot``'s store.

    ``history`` holds earlier turns as ``(role, text)`` or ``(question, answer)`` pairs.
    ``on_token`` receives the answer text as it becomes final: each model sentence once code has
    checked it (so what streams is exactly ``Answer.answer``), or an extractive answer or the
    abstention in one piece. Every returned citation is verified verbatim.
    """
    question = re.sub(r"\s+", " ", question or "").strip()
    if not question:
        return _abstain(question, on_token)
    query = standalone_query(question, history)
    # A follow-up with content words of its own ("and the South?") is judged on them; one
    # without ("what did he say next?") on the joined query.
    focus = question if terms(question) else query
    retrieved = retrieve_for(bot, question, query, filters)
    embeddings = bot.store.embeddings
    evidence = assess(retrieved, query, focus, embeddings) if retrieved else []
    decision = decide(evidence, focus)
    log.info(
        "question %r: %s (sim %.2f, cover %.2f, names %.2f)",
        question,
        decision.reason,
        decision.similarity,
        decision.coverage,
        decision.names,
    )
    if not decision.answerable:
        return _abstain(question, on_token)

    llm = bot.llm
    # Models with a small context (the embedded one) say how many passages and characters
    # they read well; others get every selected passage whole.
    max_passages = getattr(llm, "max_passages", None) or bot.settings.top_k
    chosen = _select_for_model(evidence, min(bot.settings.top_k, max_passages))
    passages = [ev.passage for ev in chosen]
    budget = getattr(llm, "passage_chars", None)
    views = [_excerpt(ev, budget) for ev in chosen] if budget else None
    builder = AnswerBuilder(passages, focus, on_token, embeddings)
    max_tokens = min(bot.settings.llm_max_tokens, ANSWER_MAX_TOKENS)
    chain = ANSWER_PROMPT | llm.bind(stop=STOP_SEQUENCES, max_tokens=max_tokens)
    stream = chain.stream({"passages": format_passages(passages, views), "question": question})
    try:
        for chunk in stream:
            builder.feed(chunk.content if isinstance(chunk.content, str) else "")
            if builder.done:
                break
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    builder.finish()
    log.debug("model output: %r", builder.raw)

    if builder.model_abstained and not builder.accepted:
        return _abstain(question, on_token)

    if not builder.accepted:
        text, citations, used = _extractive(evidence, focus, embeddings)
        if not citations:
            return _abstain(question, on_token)
        if on_token:
            on_token(text)
        rest = [p for p in passages if p not in used]
        return Answer(question, text, False, citations, [], used + rest)

    citations: list[Citation] = []
    text = builder.text
    for marker, support in enumerate(builder.supports, start=1):
        passage = passages[support.passage]
        assert passage.article is not None
        citation = make_citation(marker, passage.article, support.start, support.end)
        if not citation.verified:  # cannot happen short of a bug; never show it if it does
            log.error("dropping unverified citation [%d] of %s", marker, passage.article.id)
            text = text.replace(f"[{marker}]", "")
            continue
        citations.append(citation)
    if not citations:
        return _abstain(question, on_token)
    order = list(dict.fromkeys(s.passage for s in builder.supports))
    shown = [passages[i] for i in order] + [p for i, p in enumerate(passages) if i not in order]
    return Answer(question, text, False, citations, list(dict.fromkeys(builder.flagged)), shown)
