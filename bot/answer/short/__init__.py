"""The short answer, settled by code from verified quotes: a name, a number, a date, yes or no.

``settle(bot, question, evidence)`` reads the question's kind (``Question.kind``) and looks for
the answer where that kind says it must be:

- **who / which**: the proper names (``bot.text.speech.entities``) of the passage sentences
  that bear on the question, less the names the question itself gives and the publishers; the
  name found in the most articles (weighted by how well each sentence bears on the question)
  is the answer, shown with the quotes that contain it; initials ("SBF") vote for the one
  candidate they abbreviate; the name is of the kind the question asks for ("who", "which
  individual" → a person; "which company/team" → an organisation): a candidate the entity
  recogniser labels in every mention as another kind (a place, a person, a date or event) or,
  for a person, one the articles call by the other pronoun than the question's ("his" vs
  "Ellison … she", more than once and more often) is never the answer; the name is shown in
  the fullest form the articles write (one more name word, a sentence-case title or a proper
  noun opening the whole entity included), never with a word they also write in lower case
  ("Google Search" is Google's search); "what type of …" / "what are the entities …" asks for
  a kind, answered with the plural common noun (its singular counted too) most of the best
  sentences use ("sportsbooks"), when one clearly leads; when the question names
  publications, the name the most of them write leads ("Amazon" before a Wired-only sale);
- **how many**: the figures (``bot.text.figures``) of the best sentence that holds one the
  question does not give; **when**: its dates (``bot.text.dates.find_dates``, resolved
  against the article's date);
- **said** ("What did X say about Y", "… according to X"): the sentences whose speaker
  (``bot.text.speech.span_speakers``) is X, best on Y first — X's own words, never the
  narrator's;
- **yes/no, both sources, before/after**: the question is cut into its sides (one per clause,
  ``HybridRetriever.analyse``; a clause naming no publication is asked of the ones named
  before it and searched with the clause it continues; "A and B say X and Y, respectively" is
  two sides, ``respective_claims``; "the report published on <day>" scopes the side's search
  to that day's articles first and is no part of its claim, ``publication_day``); each side is
  a claim checked by the claim checker (``bot.claims.checker.check``) against that side's own
  sources, searched deeper when named (``AnswerSettings.side_passages_named``), its names read
  in the quote's whole article (title and text, the article's short form "Bankman-Fried"
  included) while its other words must be in the quote. A question asking how its sides relate
  (the same, identical, different, changed, consistent: ``relation_asked``) gets no yes or no
  from them: each side alone shows what it says, not how two compare. Otherwise a side
  contradicted (another figure, date, negation or an opposite predicate) → they do not say it:
  "No" needs such evidence, an unsupported side is never "No". Every side supported, or at
  least *reported* (its names in a passage's article and, in the passage itself, most of its
  terms or a sentence close to it by meaning, its predicates that have an opposite written
  there; a negated side only when supported: ``AnswerSettings.side_*``) → they do;
  before/after ("X before Y", "Before X, did Y?") compares the publication dates of the
  articles behind each side. Anything else leaves the short answer None, and the answer shows
  what each source says.

Code decides; no model is asked. A short answer is only returned with the quotes it comes from.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.answer.evidence import Evidence
from bot.answer.question import Question
from bot.answer.short.amounts import settle_date, settle_number
from bot.answer.short.names import settle_name
from bot.answer.short.said import settle_said
from bot.answer.short.settled import Settled, quotable_span
from bot.answer.short.sides import (
    publication_day,
    respective_claims,
    settle_order,
    settle_yes_no,
    side_claim,
)
from bot.types import SearchFilters

if TYPE_CHECKING:
    from bot.service import Briefbot

__all__ = [
    "Settled",
    "publication_day",
    "quotable_span",
    "respective_claims",
    "settle",
    "side_claim",
]


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
        return settle_name(question, evidence)
    if kind == "how_many":
        return settle_number(question, evidence)
    if kind == "when":
        return settle_date(question, evidence)
    if kind == "said":
        return settle_said(question, evidence)
    if kind in ("yes_no", "compare"):
        return settle_yes_no(bot, question, filters)
    if kind == "order":
        return settle_order(bot, question, filters)
    return None
