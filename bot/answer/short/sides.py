"""Yes/no, "do both sources …" and "was X reported before Y": the question cut into sides,
each checked against its own sources."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from bot.answer.evidence import metadata_text
from bot.answer.extractive import quote_line
from bot.answer.question import Question
from bot.answer.short.settled import Settled, quotable_span
from bot.claims import best_quote_span
from bot.claims.checker import ClaimCheck, ClaimChecker, Verdict, check, names_written
from bot.text.dates import find_question_dates, parse_article_date
from bot.text.similarity import cosine
from bot.text.words import (
    Term,
    claim_stems,
    claim_terms,
    coverage,
    names_and_numbers,
    negated,
    opposite_stems,
    with_capitals,
)
from bot.types import Citation, SearchFilters
from vectorstore.models import ScoredChunk
from vectorstore.sentences import sentence_spans

if TYPE_CHECKING:
    from bot.retrieval.query import QueryAnalysis
    from bot.service import Briefbot

log = logging.getLogger(__name__)

YES, NO = "Yes", "No"


@dataclass(frozen=True)
class _Side:
    claim: str
    sources: tuple[str, ...]
    published: date | None = None
    """The day the side's article was published, when the question names it ("the TechCrunch
    report published on October 6, 2023"): where to look, not what the article says."""
    context: str = ""
    """For a clause that names no publication ("specifically mentioning his two touchdowns"):
    the clause it continues, searched with it (who "his" is), never part of its claim."""


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


def _dated_side(text: str, sources: tuple[str, ...], context: str = "") -> _Side:
    """A side from its question text: the publication date taken out, the scaffolding too."""
    undated, day = publication_day(text)
    claim = side_claim(undated)
    return _Side(claim if claim_terms(claim) else side_claim(text), sources, day, context)


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
            r"mention(?:s|ed|ing)?|discuss(?:es|ed|ing)?|describ(?:e|es|ed|ing)|reported|"
            # a clause that names no publication: "with one discussing …", "and the other
            # detailing …", "while also characterizing …", "specifically mentioning …"
            r"published|with|specifically|detail(?:s|ed|ing)|characteri[sz](?:e|es|ed|ing)|"
            r"depict(?:s|ed|ing)?|indicating|suggesting|on|about|regarding|concerning)\s+)+",
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
    """The question's sides: one per clause; a clause naming several publications
    "respectively" is one side per publication. A clause that names none ("and did the same
    source also report a win for the Eagles") is asked of the publications named before it (of
    all the question names when none is): every part of the question is checked, or a "Yes"
    would rest on half of it."""
    analysis = bot.retriever.analyse(question.text)
    clauses: list[tuple[str, tuple[str, ...], str]] = []
    if any(c.sources for c in analysis.clauses):
        named, before = analysis.named_sources(), ""
        for c in analysis.clauses:
            if c.sources:
                named, before = c.sources, side_claim(publication_day(c.text)[0])
            clauses.append((c.text, c.sources or named, "" if c.sources else before))
    if not clauses:
        clauses = [(analysis.topic or question.text, analysis.named_sources(), "")]
    sides: list[_Side] = []
    for text, sources, context in clauses:
        if not claim_terms(text):
            continue
        groups = _mention_groups(analysis, sources)
        shared = respective_claims(side_claim(text), len(groups))
        if shared:
            sides.extend(_dated_side(c, g) for c, g in zip(shared, groups, strict=True))
        else:
            sides.append(_dated_side(_RESPECTIVELY.sub("", text), sources, context))
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
        query = f"{side.context} {side.claim}".strip()
        for p in bot.retriever.retrieve(query, k=depth, filters=where):
            if p.article is not None and all(p.chunk.id != q.chunk.id for q in passages):
                passages.append(p)
    return _judged(bot, side.claim, passages[:depth], names_in_articles=bool(side.sources))


def _judged(
    bot: Briefbot, claim: str, passages: list[ScoredChunk], names_in_articles: bool
) -> _SideResult:
    """A side's claim against its passages: the checker's verdict, and whether they at least
    report it (supported, or ``_reports`` by one of the first three unless negated)."""
    result = check(
        claim,
        passages,
        embeddings=bot.sentence_embeddings,
        thresholds=bot.settings.claims,
        names_in_articles=names_in_articles,
    )
    terms = claim_terms(claim)
    reported = result.supported
    if not reported and not _blind_spot(claim):
        reported = any(_reports(bot, claim, terms, p) for p in passages[:3])
    return _SideResult(result, passages, reported)


def _blind_spot(claim: str) -> bool:
    """Is the side's point what word coverage and MiniLM similarity cannot see, a negation?
    "Sportsbooks do not adjust odds" shares every word with "sportsbooks adjust odds", and
    embeddings barely tell them apart: such a side counts only when the claim checker, which
    compares negations, supports it."""
    return negated(claim)


def _reports(bot: Briefbot, claim: str, terms: Sequence[Term], passage: ScoredChunk) -> bool:
    """Does ``passage`` report the side: its names in the passage's article (title and text,
    or as the article writes them, "Bankman-Fried"), and in the passage itself most of its
    terms or a sentence close by meaning, with its predicates that have an opposite
    ("victory", "exclude") written there, or a word alike ("won"): neither coverage nor MiniLM
    tells "failed to identify" from "identified". The passage is what is quoted; the rest of a
    long article may say anything."""
    thresholds = bot.settings.answer
    article = passage.article
    assert article is not None
    names = names_and_numbers(terms)
    numbers = [t for t in names if t.weight >= 2.0]
    in_article = with_capitals(claim_stems(article.text + "\n" + metadata_text(passage)))
    named = max(
        coverage(names, in_article) if names else 1.0,
        min(
            names_written(claim, article, ClaimChecker(names_in_articles=True)),
            coverage(numbers, in_article) if numbers else 1.0,
        ),
    )
    if named < thresholds.side_names:
        return False
    stems = with_capitals(claim_stems(passage.chunk.text + "\n" + metadata_text(passage)))
    if any(opposite_stems(t.stem) and not stems & _alike(t.stem) for t in terms):
        return False
    return coverage(terms, stems) >= thresholds.side_coverage or (
        _closest_sentence(bot, claim, passage) >= thresholds.side_similarity
    )


def _alike(stem: str) -> set[str]:
    """``stem`` and the predicates that say the same as it in the opposite-predicate table
    ("victory": win, won, gain), the opposites of its opposites."""
    return {stem}.union(*(opposite_stems(o) for o in opposite_stems(stem)))


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


def settle_yes_no(
    bot: Briefbot, question: Question, filters: SearchFilters | None
) -> Settled | None:
    sides = [s for s in _sides(bot, question) if s.claim]
    if not sides:
        return None
    results = [_check_side(bot, side, filters) for side in sides]
    too_few_sources = False
    if _EVERY_SOURCE.search(question.text) and len(sides) == 1 and not sides[0].sources:
        # "do both sources report X?": one side per independent source, each checked alone
        sides, results = _per_source(bot, sides[0], results[0], _EVERY_SOURCE_COUNT)
        too_few_sources = len(results) < _EVERY_SOURCE_COUNT
    verdicts = [r.verdict for r in results]
    log.info("yes/no sides %s: %s", [s.claim for s in sides], [v.value for v in verdicts])
    short: str | None = None
    if too_few_sources:
        pass  # only one source bears on it: never "both", and no "No" either
    elif relation_asked(question.text):
        pass  # each side checked alone shows what it says, not how the sides relate
    elif Verdict.CONTRADICTED in verdicts:
        short = NO
    elif all(r.reported for r in results):
        short = YES
    body, citations, used = _side_lines(bot, sides, results)
    if not citations:
        return None
    return Settled(short, body, citations, used)


_EVERY_SOURCE = re.compile(
    r"\b(?:both|all|each|every)\s+(?:of\s+the\s+)?(?:two\s+)?(?:the\s+)?"
    r"(?:sources?|articles?|reports?|outlets?|publications?|papers?|stories|story)\b",
    re.IGNORECASE,
)
_EVERY_SOURCE_COUNT = 2
"""Independent sources that must each report a side before "both sources" can be Yes."""


def _per_source(
    bot: Briefbot, side: _Side, result: _SideResult, count: int
) -> tuple[list[_Side], list[_SideResult]]:
    """A side no question words tie to a publication, split by independent source
    (``IndependentSources``: copies and one publisher's articles count once) among the passages
    found for it, the first ``count`` sources in the order found, each checked on its own
    passages: "do both sources report X" is a side per source, not one quote from either."""
    from bot.briefing.publishers import IndependentSources

    passages = [p for p in result.passages if p.article is not None]
    independent = IndependentSources(p.article for p in passages)  # type: ignore[misc]
    by_source: dict[str, list[ScoredChunk]] = {}  # in the order found
    for p in passages:
        by_source.setdefault(independent.of(p.article.id), []).append(p)  # type: ignore[union-attr]
    sides, results = [], []
    for key, own in list(by_source.items())[:count]:
        sides.append(replace(side, sources=(independent.name(key),)))
        results.append(_judged(bot, side.claim, own, names_in_articles=False))
    return sides, results


_RELATION = re.compile(
    r"\b(?:identical(?:ly)?|similar(?:ly|ity)?|alike|same|"
    r"differ(?:s|ed|ent|ently|ence|ences)?|chang(?:e|es|ed)|"
    r"(?:in)?consisten(?:t|cy|tly)|discrepanc(?:y|ies)|align(?:s|ed|ment)?|contrast|"
    r"contradict(?:s|ed|ion|ory)?)\b",
    re.IGNORECASE,
)
# "the same source", "the same day": which article is meant, not how two articles relate
_SAME_REFERENCE = re.compile(
    r"\bsame\s+(?:news\s+)?(?:source|outlet|publication|publisher|site|website|newspaper|"
    r"author|day|date|topic|article|report|network)s?\b",
    re.IGNORECASE,
)


def relation_asked(question: str) -> bool:
    """Does the question ask how its sides relate: the same, identical, similar, different,
    changed, consistent? Each side checked alone shows what each source says, never that the
    two say it alike or differently ("did A describe X identically to how B describes Y" has
    both sides true and the answer no; the checker does not weigh a word such as
    "inconsistent" either), so neither "Yes" nor "No" follows from the sides: the answer
    shows what each source says."""
    return bool(_RELATION.search(_SAME_REFERENCE.sub(" ", question)))


_ASKED_AFTER_LEAD = re.compile(r",\s*(?=(?:did|was|were|had|has|have|is|are)\b)", re.IGNORECASE)
"""Where "Before A, did B?" turns from the event it dates against to what it asks about."""


def settle_order(
    bot: Briefbot, question: Question, filters: SearchFilters | None
) -> Settled | None:
    """Was X reported before Y: the publication dates of the articles that support (or, failing
    the checker, report) X and Y."""
    text = question.text
    match = re.search(r"\b(before|after)\b", text, re.IGNORECASE)
    if match is None:
        return None
    analysis = bot.retriever.analyse(text)
    spans = [(0, match.start()), (match.end(), len(text))]
    asked = _ASKED_AFTER_LEAD.search(text, match.end()) if match.start() == 0 else None
    if asked is not None:  # "Before A, did B?" asks whether B came before A
        spans = [(asked.end(), len(text)), (match.end(), asked.start())]
    sides = []
    for lo, hi in spans:
        half = text[lo:hi]
        inside = [m for m in analysis.sources if lo <= m.start < hi]
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
    return Settled(short, body, citations, used)


def _side_date(result: _SideResult) -> date | None:
    """When the side was reported: the date of the article whose quote supports it, else of
    the side's best passage."""
    if result.check.citations:
        return parse_article_date(result.check.citations[0].published_at)
    article = result.passages[0].article if result.passages else None
    return parse_article_date(article.published_at) if article else None
