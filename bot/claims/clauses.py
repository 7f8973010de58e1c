"""Clauses of a sentence: the pieces a claim check grounds one quote at a time.

A sentence that joins two sources ("Kim called the offer a facade, while Washington said it had
no hostile intentions") is supported when each clause is; a quote is compared with a claim on
the clause of the quote that matches it best (a negation elsewhere in the quote says nothing
about this claim).
"""

from __future__ import annotations

import re

from bot.text.words import Term, claim_stems, coverage

# Between two claims: a semicolon, a dash, or a comma before a joining word.
_CLAIM_BREAK = re.compile(
    r"\s*;\s+|\s+[—–]\s+|,\s+(?=(?:while|whereas|but|and|although|though|yet)\s)"
    r"|\s+(?=(?:while|whereas)\s)"
)
_LEADING_JOIN = re.compile(r"^(?:while|whereas|but|and|although|though|yet)\s+", re.IGNORECASE)
# Inside a quote: every comma, colon, semicolon, line or sentence end, dash or contrast word.
_QUOTE_BREAK = re.compile(
    r"[,;:]\s+|\s*\n+\s*|(?<=[.!?])\s+|\s+[—–]\s+|\s+(?=(?:but|while|whereas|although)\s)"
)

MIN_CLAUSE_WORDS = 3


def split_claims(sentence: str) -> list[str]:
    """The claims a sentence joins, leading joining words dropped; a piece shorter than
    :data:`MIN_CLAUSE_WORDS` words stays with the piece before it. One piece when nothing
    splits."""
    pieces: list[str] = []
    cursor = 0
    for match in _CLAIM_BREAK.finditer(sentence):
        pieces.append(sentence[cursor : match.start()])
        cursor = match.end()
    pieces.append(sentence[cursor:])
    out: list[str] = []
    for piece in pieces:
        piece = _LEADING_JOIN.sub("", piece.strip(" ,;"))
        if out and len(piece.split()) < MIN_CLAUSE_WORDS:
            out[-1] = f"{out[-1]}, {piece}"
        elif piece:
            out.append(piece)
    if len(out) > 1 and len(out[0].split()) < MIN_CLAUSE_WORDS:
        out[1] = f"{out[0]}, {out[1]}"
        out = out[1:]
    return out or [sentence.strip()]


def clause_parts(text: str) -> list[str]:
    """``text`` cut at every comma, colon, semicolon, line or sentence end, dash and contrast
    word."""
    return [p for p in _QUOTE_BREAK.split(text) if p.strip()] or [text]


def matching_clause(quote: str, terms: list[Term]) -> str:
    """The clause of ``quote`` that holds most of ``terms`` (the whole quote when it has one)."""
    return max(clause_parts(quote), key=lambda p: coverage(terms, claim_stems(p)))
