"""Does the evidence support this sentence? Quotes chosen by code and checked verbatim.

- ``quotes``: which 1–2 whole sentences of a passage best support a claim (``score_spans``,
  ``best_quote_span``, ``clause_window``);
- ``citations``: the single check behind every quote shown or exported (``verify_citation``:
  ``article.text[start:end] == quote``) and ``make_citation``;
- ``quotations``: text the model put in quotation marks that no source contains;
- ``checker``: the one claim check (``check(sentence, evidence) -> ClaimCheck``: supported,
  unsupported or contradicted, with its verified quotes) every answer, briefing and draft uses;
- ``clauses``: the claims a sentence joins; ``markers``: ``[n]`` markers read off a sentence;
- ``draft``: a user's draft checked sentence by sentence (``check_draft``: CLI and web app).
"""

from bot.claims.checker import ClaimCheck, Verdict, check
from bot.claims.citations import make_citation, verify_citation
from bot.claims.draft import check_draft, draft_sentences
from bot.claims.markers import split_markers
from bot.claims.quotations import (
    find_unsupported_quotations,
    normalise_for_match,
    strip_unsupported_quotations,
)
from bot.claims.quotes import (
    DEFAULT_MAX_CHARS,
    SpanScore,
    best_quote_span,
    clause_window,
    score_spans,
)

__all__ = [
    "DEFAULT_MAX_CHARS",
    "ClaimCheck",
    "SpanScore",
    "Verdict",
    "check",
    "check_draft",
    "draft_sentences",
    "split_markers",
    "best_quote_span",
    "clause_window",
    "find_unsupported_quotations",
    "make_citation",
    "normalise_for_match",
    "score_spans",
    "strip_unsupported_quotations",
    "verify_citation",
]
