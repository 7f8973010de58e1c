"""The model's answer, sentence by sentence as it streams: each kept only when the claim checker
(``bot.claims.checker.check``) finds it supported by verbatim quotes, markers renumbered."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.answer.question import Question
from bot.claims import normalise_for_match, strip_unsupported_quotations
from bot.claims.checker import ClaimCheck, Verdict, check
from bot.claims.markers import split_markers
from bot.llm.prompts import NO_ANSWER
from bot.settings import AnswerSettings, ClaimSettings
from bot.text.similarity import cosine
from bot.text.untrusted import injected_payloads, looks_like_instruction
from bot.text.words import Term
from bot.text.words import claim_terms as read_terms
from vectorstore.models import ScoredChunk

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)


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


def _leading_parts(claim: str) -> list[str]:
    """The claim's leading clauses, longest first (at least four words each): a sentence whose
    last clause the sources do not support can still be kept without that clause."""
    out = []
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


@dataclass
class _Accepted:
    claim: str
    markers: list[int]


class AnswerBuilder:
    """Turns the model's streamed text into checked sentences with renumbered markers.

    A sentence is kept only when the claim checker finds it supported by the shown passages (a
    quote for each claim it joins); the passages its markers name are tried first, and a wrong
    marker is replaced by the passage that supports it. Unsupported and contradicted sentences
    are dropped. Each distinct quote is one marker, numbered in order of first use.
    """

    def __init__(
        self,
        passages: Sequence[ScoredChunk],
        question: Question,
        on_token: Callable[[str], None] | None = None,
        embeddings: Embeddings | None = None,
        thresholds: AnswerSettings | None = None,
        claim_settings: ClaimSettings | None = None,
    ) -> None:
        self.passages = list(passages)
        self.question = question
        self.focus = question.focus
        self.focus_terms = question.focus_terms
        self.thresholds = thresholds or AnswerSettings()
        self.claim_settings = claim_settings or ClaimSettings()
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
            or len(self.accepted) >= self.thresholds.max_sentences
            or self.raw_sentences >= self.thresholds.max_raw_sentences
            or (not self.accepted and self.raw_sentences >= self.thresholds.max_failed_start)
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

    def _check(self, claim: str, cited: list[int]) -> ClaimCheck:
        """The checker's verdict on ``claim`` over the shown passages, the cited ones first;
        when the whole claim is not supported, its longest supported leading part."""
        result = check(
            claim,
            self.passages,
            embeddings=self.embeddings,
            prefer=cited,
            thresholds=self.claim_settings,
        )
        if result.supported or result.verdict is Verdict.CONTRADICTED:
            return result
        for prefix in _leading_parts(claim):
            part = check(
                prefix,
                self.passages,
                embeddings=self.embeddings,
                prefer=cited,
                thresholds=self.claim_settings,
            )
            if part.supported:
                log.info("kept the supported part of %r: %r", claim, prefix)
                return part
        return result

    def _on_topic(self, claim: str, claim_terms: list[Term]) -> bool:
        """Does the sentence bear on the question (shares a content word, or is similar)?"""
        focus = {t.stem for t in self.focus_terms}
        if not focus or focus & {t.stem for t in claim_terms}:
            return True
        if self.embeddings is None:
            return False
        if self._focus_vec is None:
            self._focus_vec = self.embeddings.embed_query(self.focus)
        similarity = cosine(self._focus_vec, self.embeddings.embed_query(claim))
        return similarity >= self.thresholds.on_topic_similarity

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
        claim_terms = read_terms(claim)
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
        result = self._check(claim, cited)
        if not result.supported:
            self._drop(sentence, f"{result.verdict.value}: {result.reason}")
            return
        claim = result.sentence
        found = [
            Support(index, c.start, c.end)
            for index, c in zip(result.passages, result.citations, strict=True)
        ]
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
