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

    @classmethod
    def read(cls, question: str, history: Sequence[tuple[str, str]] = ()) -> Question:
        text = re.sub(r"\s+", " ", question or "").strip()
        query = standalone_query(text, history) if text else text
        terms = tuple(claim_terms(text))
        focus = text if terms else query
        focus_terms = terms if focus == text else tuple(claim_terms(focus))
        return cls(
            text=text,
            query=query,
            terms=terms,
            focus=focus,
            focus_terms=focus_terms,
            focus_named=tuple(names_and_numbers(focus_terms)),
        )
