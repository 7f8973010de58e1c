"""A question read once: follow-ups joined by code, and the typed ``Question`` that travels down
the answer path (retrieval query, focus, and their claim terms, computed here and nowhere else).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.text.words import Term, claim_terms, names_and_numbers

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
    return len(claim_terms(question)) <= 1


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


QuestionKind = str
"""One of ``who``, ``which`` (a named thing), ``when``, ``how_many``, ``yes_no``, ``compare``
(do sources A and B both say …), ``order`` (was X reported before Y), ``said`` (what did X say /
according to X), ``open`` (anything else)."""

_AUX = r"(?:does|do|did|is|are|was|were|has|have|had|can|could|will|would|should)\b"
_YES_NO_START = re.compile(
    rf"^{_AUX}|^(?:between|after|before|following|considering|given|in)\b[^?]*,\s*{_AUX}",
    re.IGNORECASE,
)
_ORDER = re.compile(r"\b(?:before|after|earlier|later)\b", re.IGNORECASE)
_ORDER_ASK = re.compile(
    r"^(?:was|did|were|is)\b.*\b(?:reported|published|mentioned|report|discussed|covered)\b"
    r"[^?]*\b(?:before|after)\b",
    re.IGNORECASE,
)
# "Before the Times reported X on <day>, did the Sporting News describe Y?": which came first
_ORDER_LEAD = re.compile(
    r"^(?:before|after)\b[^?]*\b(?:reported|published|mentioned|discussed|covered)\b[^?]*,\s*"
    rf"{_AUX}",
    re.IGNORECASE,
)
_COMPARE = re.compile(
    r"\bboth\b|\bwhile\b|\bwhereas\b|\bcompared?\b|\bsame\b|\bsimilar|\bconsisten|"
    r"\bdiffer|\bchange|\bdiscrepan|\bcontrast|\baligned\b",
    re.IGNORECASE,
)
_SAID = re.compile(
    r"^what\s+(?:did|does|do|has|have)\s+(?P<who>.+?)\s+(?:say|said|tell|told|think|warn|"
    r"claim|argue|announce|write)\b|\baccording\s+to\s+(?P<who2>[^,?]+)",
    re.IGNORECASE,
)
_HOW_MANY = re.compile(
    r"\bhow\s+(?:many|much)\b|\bwhat\s+(?:number|percentage|share)\b|"
    r"^\s*what\s+(?:did|does|do|has|have|will|would)\s+[^?]+?\s+(?:pay|paid|spend|spent|cost|"
    r"earn|earned|raise|raised|charge|charged|owe|lose|lost|fetch|sell\s+for)\b|"
    r"^\s*what\s+(?:is|was|were|are)\s+the\s+(?:\w+\s+)?(?:price|cost|amount|sum|fine|salary|"
    r"budget|revenue|valuation|fee|bill|payment|deficit|tariff|rate)\b",
    re.I,
)
_WHEN = re.compile(
    r"^\s*when\b|\bwhat\s+(?:time|day|date|year|month)\b|\bwhich\s+(?:day|date|year)", re.I
)
_WHO = re.compile(r"^\s*(?:who|whom)\b|\bwho\s+is\b", re.IGNORECASE)
_WHICH = re.compile(
    r"^\s*(?:which|what)\s+(?:\w+\s+){0,2}?(?:company|companies|organi[sz]ation|person|"
    r"individual|entity|entities|type|types|kind|country|countries|team|player|firm|platform|network|city|"
    r"product|group|leader|official|source|publication|outlet|brand|service|app|agency)\b|"
    r"^\s*which\b|^\s*what\s+is\s+the\s+name\b",
    re.IGNORECASE,
)


def question_kind(text: str) -> tuple[QuestionKind, str | None]:
    """The kind of answer a question asks for, and for ``said`` the speaker it names.

    Read by rules over the question's opening words: what the short answer must be (a name, a
    number, a date, yes or no) and how code can settle it."""
    if _YES_NO_START.match(text):
        if (_ORDER_ASK.search(text) or _ORDER_LEAD.match(text)) and not _COMPARE.search(text):
            return "order", None
        if _COMPARE.search(text):
            return "compare", None
        return "yes_no", None
    if _HOW_MANY.search(text):
        return "how_many", None
    if _WHEN.search(text):
        return "when", None
    if _WHO.search(text):
        return "who", None
    if _WHICH.search(text):
        return "which", None
    said = _SAID.search(text)
    if said:
        who = (said.group("who") or said.group("who2") or "").strip(" '\"‘’“”")
        if who and who.lower() not in ("they", "he", "she", "it", "the sources", "you"):
            return "said", who
    return "open", None


@dataclass(frozen=True)
class Question:
    """What the answer path knows about a question, read once by :meth:`read`."""

    text: str
    """The question, whitespace normalised."""
    query: str
    """The retrieval query: the question, joined with what it follows up on."""
    terms: tuple[Term, ...]
    """Claim terms of the question's own words."""
    focus: str
    """What evidence and sentences are judged against: the question when it has content words
    of its own ("and the South?"), else the joined query ("what did he say next?")."""
    focus_terms: tuple[Term, ...]
    """Claim terms of ``focus``."""
    focus_named: tuple[Term, ...]
    """The names and numbers of ``focus`` (terms a source must contain)."""
    kind: QuestionKind = "open"
    """What kind of short answer the question asks for (:func:`question_kind`)."""
    speaker: str | None = None
    """For ``said`` questions: whose own words are asked for."""

    @classmethod
    def read(cls, question: str, history: Sequence[tuple[str, str]] = ()) -> Question:
        text = re.sub(r"\s+", " ", question or "").strip()
        query = standalone_query(text, history) if text else text
        terms = tuple(claim_terms(text))
        focus = text if terms else query
        focus_terms = terms if focus == text else tuple(claim_terms(focus))
        kind, speaker = question_kind(text)
        return cls(
            text=text,
            query=query,
            terms=terms,
            focus=focus,
            focus_terms=focus_terms,
            focus_named=tuple(names_and_numbers(focus_terms)),
            kind=kind,
            speaker=speaker,
        )
