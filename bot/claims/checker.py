"""Does the evidence support this sentence? One check for answers, briefings and users' drafts.

``check(sentence, evidence)`` returns a :class:`ClaimCheck`: ``supported`` (each claim of the
sentence rests on a verbatim quote), ``contradicted`` (a quote states a different figure or date
for the same thing, or the opposite), or ``unsupported``. Evidence is a list of passages
(``ScoredChunk`` with its article) or a ``Briefbot`` whose store is searched with the claim
itself. Code decides; no model is asked.

How one claim meets one candidate quote (1–2 sentences of a passage, ranked by
``quotes.score_spans``; an over-long sentence is cut to its best ``clause_window``):

- **content**: the weighted share of the claim's terms (``bot.text.words.claim_terms``) the
  quote holds must reach :attr:`ClaimSettings.min_coverage`, or :attr:`ClaimSettings.min_paraphrase`
  when the two are similar by meaning (MiniLM cosine ≥ :attr:`ClaimSettings.min_similarity`);
  and each clause of the claim (``clauses.clause_parts``, two content words or more) on its own
  reaches :attr:`ClaimSettings.min_clause_coverage`: a true sentence with an invented clause
  appended keeps most of its words, but the clause is not in the source;
- **names**: every proper name of the claim (a run of capitalised words, ``words.name_runs``;
  titles such as "President" or "Mr" are not names) is in the quote, the publisher, or the
  resolved speaker of the quote: word for word, as the same country (capital, country, short
  form or government, ``words.PLACE_ALIASES``: "Washington" = "the United States"), or by a
  short form the quote uses for it (a name of the quote that begins or ends the claim's:
  "Biden" for "Joe Biden", "Kim" for "Kim Jong Un"; never for places) when the article writes
  the full name too (title or text: the source itself ties the two). With
  ``names_in_articles`` (the sides of a yes/no question, whose sources are named) a name may
  be anywhere in the quote's article, or be the article's own short form that ends it; the
  claim's other words must then be in the quote, and such a quote never contradicts;
- **numbers**: every figure of the claim (``figures.figure_contexts``) is in the quote; a quote
  figure counting the same thing with another value is a contradiction;
- **dates**: every date of the claim (``dates.find_dates``) agrees with a date of the quote,
  resolved against the article's date, or with the article's date; a quote date of the same
  kind that disagrees is a contradiction;
- **negation**: for each clause of the claim, the clause of the quote that matches it
  (``clauses.matching_clause``) holds as many negations (``words.negations``: "absence of",
  "lack of" and "non-" count, so "the absence of a remedy" meets "there is no remedy");
  otherwise a contradiction; so is a quote clause holding the opposite of a predicate the
  claim has and it lacks ("a loss" against "a victory", ``words.opposite_stems``);
- **speaker**: when the claim says who spoke (``speech.claimed_speaker``) and the quote names
  its speaker (``speech.span_speakers``: attributions in the span or its paragraph, "he"
  resolved backwards), they are the same actor; text the claim puts in quotation marks must be
  in the quote (``quotations``).

A contradiction needs everything else to hold (names, the rest of the content). A sentence no
single quote supports is split into claims (``clauses.split_claims``) and supported when each
claim is, by quotes from any sources. Every returned quote passed ``verify_citation``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.claims.citations import make_citation
from bot.claims.clauses import clause_parts, matching_clause, split_claims
from bot.claims.quotations import find_unsupported_quotations
from bot.claims.quotes import DEFAULT_MAX_CHARS, clause_window, score_spans
from bot.settings import ClaimSettings
from bot.text.dates import DateMention, find_dates, parse_article_date
from bot.text.figures import figure_contexts
from bot.text.similarity import cosine
from bot.text.speech import claimed_speaker, same_actor, span_speakers
from bot.text.words import (
    Term,
    claim_stems,
    claim_terms,
    coverage,
    name_runs,
    negations,
    opposite_stems,
    place_key,
)
from bot.types import Citation, SearchFilters
from vectorstore.models import Article, ScoredChunk

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from bot.service import Briefbot

log = logging.getLogger(__name__)


class Verdict(StrEnum):
    SUPPORTED = "supported"
    UNSUPPORTED = "unsupported"
    CONTRADICTED = "contradicted"


@dataclass(frozen=True)
class ClaimCheck:
    """The verdict on one sentence and the verbatim quotes behind it."""

    sentence: str
    verdict: Verdict
    citations: tuple[Citation, ...] = ()
    """Supporting quotes (one per claim of the sentence), or the conflicting quote."""
    passages: tuple[int, ...] = ()
    """For given passages: the index of each citation's passage (same order)."""
    claims: tuple[str, ...] = ()
    """The claims the sentence was checked as (one, or its clauses)."""
    reason: str = ""
    """Why it is not supported (the first failed test of the best quote), else empty."""

    @property
    def supported(self) -> bool:
        return self.verdict is Verdict.SUPPORTED

    def to_dict(self) -> dict:
        """The ``briefbot check --json`` shape of one sentence."""
        return {
            "text": self.sentence,
            "verdict": self.verdict.value,
            "citations": [
                {"quote": c.quote, "article_id": c.article_id, "start": c.start, "end": c.end}
                for c in self.citations
            ],
        }


@dataclass(frozen=True)
class _Judgement:
    verdict: Verdict
    passage: int
    start: int
    end: int
    score: float
    reason: str = ""


@dataclass
class _Claim:
    """One claim read once: its terms, names, figures, dates, speaker, polarity."""

    text: str
    terms: list[Term]
    core: list[Term]
    """The terms outside figures and dates: what a conflicting quote must share."""
    names: list[tuple[str, ...]]
    """Its proper names as runs of stems (``words.name_runs``), the speaker's too."""
    figures: list[tuple[str, str, set[str]]]
    dates: list[DateMention]
    speaker: str | None
    polarity: list[tuple[list[Term], int]]
    """Each clause's terms other than names and numbers, and its count of negations."""
    vector: list[float] | None = None
    quoted: bool = field(default=False)

    @classmethod
    def read(cls, text: str) -> _Claim:
        dates = [d for d in find_dates(text) if d.kind not in ("weekday", "relative")]
        spans = [(d.start, d.end) for d in dates]
        undated = "".join(
            " " if any(s <= i < e for s, e in spans) else ch for i, ch in enumerate(text)
        )
        terms = claim_terms(text)
        figures = figure_contexts(text, skip=spans)
        core = [t for t in claim_terms(undated) if t.weight < 2.0]
        speaker = _whole_name_speaker(text, claimed_speaker(text))
        names = name_runs(undated)
        if speaker:  # the speaker's names, unless the sentence already names them
            for run in name_runs(speaker) or [tuple(t.stem for t in claim_terms(speaker))]:
                if not any(_within(run, other) for other in names):
                    names.append(run)
        return cls(
            text=text,
            terms=terms,
            core=core,
            names=list(dict.fromkeys(n for n in names if n)),
            figures=figures,
            dates=dates,
            speaker=speaker,
            polarity=[  # a clause's predicate, not its names, finds the quote clause to compare
                (clause_terms, negations(part))
                for part in clause_parts(text)
                if len(clause_terms := [t for t in claim_terms(part) if t.weight <= 1.0]) >= 2
            ],
            quoted=bool(find_unsupported_quotations(text, [""])),
        )


def _turned_around(quote: str, terms: list[Term], negation_count: int) -> bool:
    """Does the quote's clause that matches a claim clause say the opposite: another number of
    negations, or an opposite predicate ("rejected" for "accepted") where the claim's own
    predicate is absent?"""
    clause = matching_clause(quote, terms)
    if negations(clause) != negation_count:
        return True
    stems = claim_stems(clause)
    return any(stems & opposite_stems(term.stem) for term in terms if term.stem not in stems)


def _opposite_said(quote: str, terms: list[Term]) -> bool:
    """Does the quote's clause that matches the claim hold the opposite of a predicate the claim
    has and the clause lacks ("a loss for the Cowboys" against "a victory for the Cowboys"),
    for claims too short for :func:`_turned_around`'s clause test?"""
    clause = claim_stems(matching_clause(quote, terms))
    return any(clause & opposite_stems(t.stem) for t in terms if t.stem not in clause)


def _within(short: tuple[str, ...], run: tuple[str, ...]) -> bool:
    """Does ``short`` begin or end ``run`` (or equal it)?"""
    return len(short) <= len(run) and (run[: len(short)] == short or run[-len(short) :] == short)


def _whole_name_speaker(text: str, speaker: str | None) -> str | None:
    """The claimed speaker, unless it stops inside a name: "the United" of "the United States
    has offered" is not someone who "states" (a reporting verb is not capitalised)."""
    if not speaker:
        return None
    at = text.find(speaker)
    rest = text[at + len(speaker) :].lstrip() if at >= 0 else ""
    return None if rest[:1].isupper() else speaker


def _named(
    run: tuple[str, ...],
    stems: set[str],
    runs: list[tuple[str, ...]],
    article_runs: frozenset[tuple[str, ...]] = frozenset(),
) -> bool:
    """Is the claim's name ``run`` among the quote's ``stems`` and name ``runs``: word for word,
    as the same country, or by a shorter name of the quote that begins or ends it ("Biden",
    "Kim") where the article (``article_runs``: its title's and text's names) writes the full
    name too — the source itself ties the short form to that name."""
    if all(stem in stems for stem in run):
        return True
    place = place_key(run)
    if place is not None:  # capitalised names only: the pronoun "us" is not the US
        return any(place_key(r[:n]) == place for r in runs for n in range(1, len(r) + 1))
    if not any(_inside(run, r) for r in article_runs):
        return False
    return any(len(r) < len(run) and place_key(r) is None and _within(r, run) for r in runs)


def _inside(run: tuple[str, ...], longer: tuple[str, ...]) -> bool:
    """Is ``run`` a contiguous part of ``longer`` (or equal to it)?"""
    n = len(run)
    return any(longer[i : i + n] == run for i in range(len(longer) - n + 1))


def _date_agrees(claim: DateMention, other: DateMention) -> bool | None:
    """True when ``other`` names the same day/month/year as far as both say, False when it
    names another, None when they cannot be compared."""
    pairs = [(claim.year, other.year), (claim.month, other.month), (claim.day, other.day)]
    compared = [(a, b) for a, b in pairs if a is not None and b is not None]
    if not compared:
        return None
    return all(a == b for a, b in compared)


def _published_mention(article: Article) -> DateMention | None:
    day = parse_article_date(article.published_at)
    if day is None:
        return None
    return DateMention(day.isoformat(), 0, 0, day.year, day.month, day.day)


class ClaimChecker:
    """Checks claims against passages; holds the embeddings and thresholds one run shares."""

    def __init__(
        self,
        embeddings: Embeddings | None = None,
        thresholds: ClaimSettings | None = None,
        *,
        names_in_articles: bool = False,
    ) -> None:
        self.embeddings = embeddings
        self.thresholds = thresholds or ClaimSettings()
        self.names_in_articles = names_in_articles
        """When set, a claim's name may be written anywhere in the quote's article (title or
        text), not only in the quote: the claim of a question's side names what its source's
        article is about ("Beyoncé's Renaissance film") while the sentence that carries the
        claim says "the film". Its other words must then be in the quote, and such a quote
        never contradicts the claim."""
        self._names: dict[tuple[str, int], frozenset[tuple[str, ...]]] = {}
        self._stems: dict[tuple[str, int], set[str]] = {}

    # -- one claim against one quote --

    def _article_names(self, article: Article) -> frozenset[tuple[str, ...]]:
        """The names an article writes in full (title and text), read once per article."""
        key = (article.id, len(article.text))
        if key not in self._names:
            if len(self._names) > 256:
                self._names.clear()
            title = f"{article.title}." if article.title else ""
            self._names[key] = frozenset(name_runs(f"{title}\n{article.text}"))
        return self._names[key]

    def _judge(
        self, claim: _Claim, passage: int, article: Article, start: int, end: int
    ) -> _Judgement:
        def verdict(v: Verdict, score: float, reason: str = "") -> _Judgement:
            return _Judgement(v, passage, start, end, score, reason)

        quote = article.text[start:end]
        speakers = span_speakers(article.text, start, end)
        stems = claim_stems(quote)
        context = " ".join([*speakers, article.source or ""])
        around = stems | claim_stems(context)
        runs = name_runs(quote) + name_runs(context)
        named = self._article_names(article)
        found = [n for n in claim.names if _named(n, around, runs, named)]
        missing_names = [n for n in claim.names if n not in found]
        elsewhere = [n for n in missing_names if self._named_in_article(n, article)]
        if elsewhere:  # named by the articles: the quote must carry the rest of the claim
            missing_names = [n for n in missing_names if n not in elsewhere]
            found += elsewhere
        around |= {stem for n in found for stem in n}  # said in other words counts as said
        quote_runs = name_runs(quote)
        stems |= {stem for n in found if _named(n, stems, quote_runs, named) for stem in n}
        stems |= {stem for n in elsewhere for stem in n}  # named by the article
        cover = coverage(claim.terms, stems)
        if elsewhere:  # the predicate must be in the sentence that carries the claim
            cover = min(cover, coverage([t for t in claim.terms if t.weight <= 1.0], stems))
        if missing_names:
            missing = " ".join(missing_names[0])
            return verdict(Verdict.UNSUPPORTED, cover, f"name not in quote: {missing}")
        if claim.speaker and speakers and not any(same_actor(claim.speaker, s) for s in speakers):
            return verdict(Verdict.UNSUPPORTED, cover, f"quote is not {claim.speaker}'s")
        if claim.quoted and find_unsupported_quotations(claim.text, [quote]):
            return verdict(Verdict.UNSUPPORTED, cover, "quotation not in quote")

        conflict = ""
        quote_dates = [
            d
            for d in find_dates(quote, parse_article_date(article.published_at))
            if d.kind not in ("weekday", "relative")
        ]
        quote_figures = figure_contexts(quote, skip=[(d.start, d.end) for d in quote_dates])
        values = {value for _, value, _ in quote_figures}
        for raw, value, context in claim.figures:
            if value in values:
                continue
            if any(ctx & context and v != value for _, v, ctx in quote_figures):
                conflict = conflict or f"the source gives another figure than {raw}"
            else:
                return verdict(Verdict.UNSUPPORTED, cover, f"figure not in quote: {raw}")
        published = _published_mention(article)
        for mention in claim.dates:
            same_kind = [d for d in quote_dates if (d.kind == "since") == (mention.kind == "since")]
            agreements = [_date_agrees(mention, d) for d in same_kind]
            if True in agreements:
                continue
            if False in agreements:
                conflict = conflict or f"the source gives another date than {mention.label}"
            elif published is None or not _date_agrees(mention, published):
                return verdict(Verdict.UNSUPPORTED, cover, f"date not in quote: {mention.label}")
        if any(_turned_around(quote, t, n) for t, n in claim.polarity) or _opposite_said(
            quote, claim.core
        ):
            conflict = conflict or "the source says the opposite"

        if conflict:
            # a quote that does not itself name what the claim names is about something else
            # of its article: it can carry the claim, never turn it around
            if not elsewhere and coverage(claim.core, around) >= self.thresholds.min_contradiction:
                return verdict(Verdict.CONTRADICTED, cover, conflict)
            return verdict(Verdict.UNSUPPORTED, cover, conflict)
        # a predicate with an opposite ("accepted", "rose") is the claim's point: a quote that
        # shares every other word but not it does not support it
        unsaid = [t.stem for t in claim.terms if opposite_stems(t.stem) and t.stem not in stems]
        if unsaid:
            return verdict(Verdict.UNSUPPORTED, cover, f"predicate not in quote: {unsaid[0]}")
        # every clause is said, not only most of the sentence's words: an appended clause of
        # new words ("…, which was made up entirely of its own products") is the writer's own
        added = next(
            (
                ts
                for ts, _ in claim.polarity
                if coverage(ts, around) < self.thresholds.min_clause_coverage
            ),
            None,
        )
        if added is not None:
            return verdict(Verdict.UNSUPPORTED, cover, f"clause not in quote: {added[0].stem}…")
        if cover >= self.thresholds.min_coverage:
            return verdict(Verdict.SUPPORTED, cover)
        if cover >= self.thresholds.min_paraphrase and self.embeddings is not None:
            if claim.vector is None:
                claim.vector = self.embeddings.embed_query(claim.text)
            similarity = cosine(claim.vector, self.embeddings.embed_documents([quote])[0])
            if similarity >= self.thresholds.min_similarity:
                return verdict(Verdict.SUPPORTED, 0.5 * (cover + similarity))
        return verdict(Verdict.UNSUPPORTED, cover, "the quote does not say it")

    def _named_in_article(self, run: tuple[str, ...], article: Article) -> bool:
        """With ``names_in_articles``: is the name written in the quote's article (title or
        text)?"""
        if not self.names_in_articles:
            return False
        runs = self._article_names(article)
        if _named(run, self._article_stems(article), list(runs), runs):
            return True
        # the article's own short form of the name: the words that end it ("Bankman-Fried"
        # for "Sam Bankman-Fried", "Seahawks" for "Seattle Seahawks"), never a first name; or
        # its initials as a name of the article ("NMPA" for "National Music Publishers
        # Association")
        initials = "".join(stem[0] for stem in run if stem)
        if len(run) >= 2 and (initials,) in runs:
            return True
        return any(len(r) < len(run) and run[-len(r) :] == r and place_key(r) is None for r in runs)

    def _article_stems(self, article: Article) -> set[str]:
        """The stems of an article's title and text, read once per article."""
        key = (article.id, len(article.text))
        if key not in self._stems:
            if len(self._stems) > 256:
                self._stems.clear()
            self._stems[key] = claim_stems(f"{article.title or ''}\n{article.text}")
        return self._stems[key]

    # -- one claim against the passages --

    def _best(
        self, claim: _Claim, passages: Sequence[ScoredChunk], prefer: Sequence[int] = ()
    ) -> _Judgement | None:
        """The supporting quote (from a preferred passage if one supports), else the
        conflicting one, else the closest failure."""
        judged: list[tuple[bool, _Judgement]] = []
        for index, passage in enumerate(passages):
            article = passage.article
            if article is None:
                continue
            ranked = score_spans(article, passage.chunk, claim.text, claim_read=claim.terms)
            for span in ranked[: self.thresholds.candidates]:
                if span.lexical <= 0:
                    break
                start, end = span.start, span.end
                if end - start > DEFAULT_MAX_CHARS:
                    start, end = clause_window(
                        article.text, start, end, claim.text, DEFAULT_MAX_CHARS
                    )
                judgement = self._judge(claim, index, article, start, end)
                judged.append((index in prefer, judgement))
                if judgement.verdict is Verdict.SUPPORTED and (index in prefer or not prefer):
                    return judgement
        for wanted in (Verdict.SUPPORTED, Verdict.CONTRADICTED, Verdict.UNSUPPORTED):
            matches = [(p, j) for p, j in judged if j.verdict is wanted]
            if matches:
                return max(matches, key=lambda m: (m[0], m[1].score))[1]
        return None

    def check(
        self,
        sentence: str,
        passages: Sequence[ScoredChunk],
        *,
        prefer: Sequence[int] = (),
        retrieve: Retrieve | None = None,
    ) -> ClaimCheck:
        """The verdict on ``sentence`` over ``passages`` (``prefer``: indexes of the passages
        the writer cited, tried first). ``retrieve`` finds more passages for each clause."""
        text = " ".join(sentence.split())
        whole = _Claim.read(text)
        if not whole.terms:
            return ClaimCheck(text, Verdict.UNSUPPORTED, claims=(text,), reason="no content")
        best = self._best(whole, passages, prefer)
        if best is not None and best.verdict is Verdict.SUPPORTED:
            return self._result(text, [best], passages, (text,))
        pieces = split_claims(text)
        whole_result = self._result(text, [best] if best else [], passages, (text,))
        if len(pieces) == 1:
            return whole_result
        found: list[_Judgement | None] = []
        all_passages = list(passages)
        for piece in pieces:
            claim = _Claim.read(piece)
            pool = all_passages
            if retrieve is not None:
                extra = [p for p in retrieve(piece) if _key(p) not in {_key(q) for q in pool}]
                pool = all_passages = all_passages + extra
            found.append(self._best(claim, pool, prefer) if claim.terms else None)
        by_clause = self._result(text, found, all_passages, tuple(pieces))
        if by_clause.verdict is Verdict.UNSUPPORTED and whole_result.citations:
            return whole_result  # the whole sentence is contradicted by one quote
        return by_clause

    def _result(
        self,
        text: str,
        found: Sequence[_Judgement | None],
        passages: Sequence[ScoredChunk],
        claims: tuple[str, ...],
    ) -> ClaimCheck:
        if any(j is not None and j.verdict is Verdict.CONTRADICTED for j in found):
            verdict = Verdict.CONTRADICTED
            shown = [j for j in found if j is not None and j.verdict is Verdict.CONTRADICTED]
        elif found and all(j is not None and j.verdict is Verdict.SUPPORTED for j in found):
            verdict = Verdict.SUPPORTED
            shown = [j for j in found if j is not None]
        else:
            failed = [j for j in found if j is not None and j.verdict is Verdict.UNSUPPORTED]
            reason = failed[0].reason if failed else "no passage says it"
            return ClaimCheck(text, Verdict.UNSUPPORTED, claims=claims, reason=reason)
        citations: list[Citation] = []
        indexes: list[int] = []
        seen: set[tuple[str, int, int]] = set()
        for judgement in shown:
            article = passages[judgement.passage].article
            assert article is not None
            key = (article.id, judgement.start, judgement.end)
            if key in seen:
                continue
            seen.add(key)
            citation = make_citation(len(citations) + 1, article, judgement.start, judgement.end)
            if not citation.verified:  # never shown: the promise is the quote
                return ClaimCheck(text, Verdict.UNSUPPORTED, claims=claims, reason="unverified")
            citations.append(citation)
            indexes.append(judgement.passage)
        reason = shown[0].reason if verdict is Verdict.CONTRADICTED else ""
        return ClaimCheck(text, verdict, tuple(citations), tuple(indexes), claims, reason)


def names_written(claim: str, article: Article, checker: ClaimChecker | None = None) -> float:
    """The share of ``claim``'s proper names that ``article`` writes (title or text), by the
    checker's own rule for names (:meth:`ClaimChecker._named_in_article`: word for word, the
    same country, or the article's short form); 1.0 when the claim names nothing."""
    runs = _Claim.read(claim).names
    if not runs:
        return 1.0
    checker = checker or ClaimChecker(names_in_articles=True)
    return sum(checker._named_in_article(run, article) for run in runs) / len(runs)


def _key(passage: ScoredChunk) -> str:
    return passage.chunk.id


class Retrieve:
    """Passages for a claim from a Briefbot's store (hybrid search under ``filters``)."""

    def __init__(
        self, bot: Briefbot, filters: SearchFilters | None = None, k: int | None = None
    ) -> None:
        self.bot = bot
        self.filters = filters
        self.k = k or bot.settings.claims.passages

    def __call__(self, claim: str) -> list[ScoredChunk]:
        return self.bot.retriever.retrieve(claim, k=self.k, filters=self.filters)


def check(
    sentence: str,
    evidence: Sequence[ScoredChunk] | Briefbot,
    *,
    embeddings: Embeddings | None = None,
    filters: SearchFilters | None = None,
    prefer: Sequence[int] = (),
    thresholds: ClaimSettings | None = None,
    names_in_articles: bool = False,
) -> ClaimCheck:
    """Check ``sentence`` against ``evidence``: given passages, or a ``Briefbot`` whose store
    is searched with the sentence (and each of its clauses) under ``filters``. With a
    ``Briefbot`` the store's cached sentence embeddings judge paraphrases unless
    ``embeddings`` is given. ``prefer``: indexes of given passages the writer cited.
    ``names_in_articles``: the claim's names may be anywhere in the quote's article
    (:attr:`ClaimChecker.names_in_articles`; for the sides of a question, whose sources are
    named)."""
    if isinstance(evidence, Sequence):
        checker = ClaimChecker(embeddings, thresholds, names_in_articles=names_in_articles)
        return checker.check(sentence, evidence, prefer=prefer)
    checker = ClaimChecker(
        embeddings or evidence.sentence_embeddings, thresholds or evidence.settings.claims
    )
    retrieve = Retrieve(evidence, filters)
    return checker.check(sentence, retrieve(sentence), retrieve=retrieve)
