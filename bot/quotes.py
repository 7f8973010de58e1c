"""Quotes are chosen and checked by code, never written by the model.

A quote is one or two consecutive whole sentences of a passage (sentences as defined by
``vectorstore.sentences``), picked for how well they support a claim: content-word, number and
name overlap, plus embedding similarity when an ``Embeddings`` is given. A citation is verified by
one check only, :func:`verify_citation`: ``article_text[start:end] == quote``.

Text the model itself puts in quotation marks is checked too (:func:`find_unsupported_quotations`,
:func:`strip_unsupported_quotations`): a "quotation" found in no source is flagged and loses its
quotation marks, so it is never presented as something a source said.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from langchain_core.embeddings import Embeddings

from bot.prompts import looks_like_instruction
from bot.types import Citation
from vectorstore.models import Article, Chunk
from vectorstore.sentences import sentence_spans

log = logging.getLogger(__name__)

DEFAULT_MAX_CHARS = 300

# ---- words -------------------------------------------------------------------------------------

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "done",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "say",
        "says",
        "said",
        "tell",
        "tells",
        "told",
        "according",
        "think",
        "thinks",
        "thought",
        "happen",
        "happens",
        "happened",
        "know",
        "known",
        "please",
        "give",
        "gave",
        "mention",
        "mentioned",
        "describe",
        "described",
        "explain",
        "report",
        "reports",
        "reported",
        "article",
        "articles",
        "source",
        "sources",
        "passage",
        "passages",
        "news",
        "mr",
        "mrs",
        "ms",
        "s",
        "t",
        "don",
        "didn",
        "doesn",
        "isn",
        "wasn",
        "weren",
        "won",
        "wouldn",
    ]
)
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*%?|[^\W\d_](?:[\w'’]*\w)?", re.UNICODE)
_NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "first": "1st",
    "second": "2nd",
    "third": "3rd",
}


def stem(word: str) -> str:
    """A crude, deterministic stem so that 'rejects', 'rejected' and 'rejecting' meet."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.strip("'")
    if w in _NUMBER_WORDS:
        return _NUMBER_WORDS[w]
    for suffix in ("ings", "ing", "ies", "ied", "es", "ed", "ly", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            w = w[: -len(suffix)]
            break
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


@dataclass(frozen=True)
class Term:
    stem: str
    weight: float  # numbers 2, names 1.5, other content words 1


_DOTTED_ACRONYM = re.compile(r"\b(?:[A-Z]\.){2,}")
_NAME_RUN = re.compile(r"\b[A-Z][\w]*(?:\s+(?:of\s+|the\s+)?[A-Z][\w]*)+")


def _undot(text: str) -> str:
    """'U.S.' -> 'US' so that both spellings meet."""
    return _DOTTED_ACRONYM.sub(lambda m: m.group().replace(".", ""), text)


def terms(text: str) -> list[Term]:
    """Content terms of ``text`` (stopwords dropped), each once, with a weight."""
    seen: dict[str, Term] = {}
    for index, match in enumerate(_TOKEN.finditer(_undot(text))):
        word = match.group()
        lower = word.lower().replace("’", "'")
        if lower in STOPWORDS or lower.removesuffix("'s") in STOPWORDS:
            continue
        if word[0].isdigit() or lower in _NUMBER_WORDS:
            weight = 2.0
        elif word[0].isupper() and (index > 0 or word.isupper()) or _is_acronym(word):
            weight = 1.5
        elif len(lower) <= 2:
            continue
        else:
            weight = 1.0
        key = stem(word)
        if key and (key not in seen or seen[key].weight < weight):
            seen[key] = Term(key, weight)
    return list(seen.values())


def _is_acronym(word: str) -> bool:
    return len(word) >= 2 and word.isupper()


def stems(text: str) -> set[str]:
    """All stems in ``text`` (stopwords included: cheap membership tests), plus the initials of
    runs of capitalised words ('United States' also yields 'us')."""
    text = _undot(text)
    found = {stem(m.group()) for m in _TOKEN.finditer(text)}
    for run in _NAME_RUN.finditer(text):
        words = [w for w in run.group().split() if w[0].isupper() and w.lower() not in STOPWORDS]
        found.add("".join(w[0] for w in words).lower())
    return found


def coverage(claim_terms: Sequence[Term], text_stems: set[str]) -> float:
    """Weighted share of ``claim_terms`` found in ``text_stems`` (0 when there are no terms)."""
    total = sum(t.weight for t in claim_terms)
    if total == 0:
        return 0.0
    return sum(t.weight for t in claim_terms if t.stem in text_stems) / total


def names_and_numbers(text: str) -> list[Term]:
    """The terms of ``text`` a source must contain for a claim to be grounded (weight > 1)."""
    return [t for t in terms(text) if t.weight > 1.0]


# ---- span choice -------------------------------------------------------------------------------


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0


def _sentence_quality(text: str) -> float:
    """Headlines, bylines and link boilerplate make poor quotes; full sentences are preferred."""
    words = len(text.split())
    factor = 1.0
    if words < 5:
        factor *= 0.6
    if not re.search(r"[.!?…][\"'”’»)\]]*$", text):
        factor *= 0.7
    return factor


@dataclass(frozen=True)
class SpanScore:
    start: int
    end: int
    score: float
    lexical: float
    semantic: float


def score_spans(
    article: Article,
    chunk: Chunk,
    claim: str,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    embeddings: Embeddings | None = None,
    question: str | None = None,
) -> list[SpanScore]:
    """Every candidate quote (one sentence, or two consecutive sentences that fit ``max_chars``)
    of ``chunk`` scored against ``claim`` (and, with less weight, ``question``); best first.

    Instruction-like sentences (prompt injection) are never candidates.
    """
    text = article.text
    spans = sentence_spans(text, chunk.start, chunk.end)
    usable = [not looks_like_instruction(text[s:e]) for s, e in spans]
    if not any(usable):
        return []
    claim_terms = terms(claim)
    question_terms = terms(question) if question else []
    candidates: list[tuple[int, int, int]] = [(i, i, 1) for i in range(len(spans)) if usable[i]]
    candidates += [
        (i, i + 1, 2)
        for i in range(len(spans) - 1)
        if usable[i] and usable[i + 1] and spans[i + 1][1] - spans[i][0] <= max_chars
    ]
    texts = [text[spans[i][0] : spans[j][1]] for i, j, _ in candidates]
    semantic = [0.0] * len(texts)
    if embeddings is not None:
        probes = [claim] + ([question] if question else [])
        vectors = embeddings.embed_documents(probes + texts)
        claim_vec = vectors[0]
        question_vec = vectors[1] if question else None
        for n, vec in enumerate(vectors[len(probes) :]):
            sim = _cosine(claim_vec, vec)
            if question_vec is not None:
                sim = 0.75 * sim + 0.25 * _cosine(question_vec, vec)
            semantic[n] = max(0.0, sim)
    scored = []
    for (i, j, n_sent), quote, sem in zip(candidates, texts, semantic, strict=True):
        quote_stems = stems(quote)
        lexical = coverage(claim_terms, quote_stems)
        if question_terms:
            lexical = 0.75 * lexical + 0.25 * coverage(question_terms, quote_stems)
        score = (0.6 * lexical + 0.4 * sem) if embeddings is not None else lexical
        quality = min(_sentence_quality(text[s:e]) for s, e in spans[i : j + 1])
        score *= quality
        if n_sent == 2:
            score -= 0.06  # a second sentence must earn its place
        length = spans[j][1] - spans[i][0]
        if length > max_chars:  # only single sentences get here: prefer shorter good ones
            score -= 0.1 * min(1.0, (length - max_chars) / max_chars)
        scored.append(SpanScore(spans[i][0], spans[j][1], score, lexical, sem))
    scored.sort(key=lambda s: (-s.score, s.end - s.start, s.start))
    return scored


def best_quote_span(
    article: Article,
    chunk: Chunk,
    claim: str,
    max_chars: int = DEFAULT_MAX_CHARS,
    *,
    embeddings: Embeddings | None = None,
    question: str | None = None,
) -> tuple[int, int]:
    """(start, end) in ``article.text`` of the 1–2 consecutive sentences of ``chunk`` that best
    support ``claim``, at most ``max_chars`` long unless one sentence alone is longer (then the
    best clause window of that sentence, cut at a comma/semicolon/dash where possible).

    Raises ``ValueError`` when the chunk has no quotable sentence (empty, or only text addressed
    to an AI model).
    """
    ranked = score_spans(
        article, chunk, claim, max_chars=max_chars, embeddings=embeddings, question=question
    )
    if not ranked:
        raise ValueError(f"passage {chunk.id} has no quotable sentence")
    best = ranked[0]
    if best.end - best.start <= max_chars:
        return best.start, best.end
    return clause_window(article.text, best.start, best.end, claim, max_chars)


def clause_window(text: str, start: int, end: int, claim: str, max_chars: int) -> tuple[int, int]:
    """The part of one over-long sentence that best covers ``claim`` within ``max_chars``."""
    cuts = [start]
    cuts += [m.end() for m in re.finditer(r"[,;:—–]\s+|\s+[—–]\s+", text[start:end])]
    cuts = sorted({start} | {start + c for c in cuts[1:]} | {end})
    claim_terms = terms(claim)
    best: tuple[float, int, int] | None = None
    for a in range(len(cuts) - 1):
        for b in range(a + 1, len(cuts)):
            s, e = cuts[a], cuts[b]
            if e - s > max_chars:
                break
            score = coverage(claim_terms, stems(text[s:e])) - 0.0001 * (e - s)
            if best is None or score > best[0]:
                best = (score, s, e)
    if best is None:  # no clause fits: cut at the last word boundary before the cap
        cut = text.rfind(" ", start, start + max_chars)
        return start, cut if cut > start else start + max_chars
    _, s, e = best
    while e > s and (text[e - 1].isspace() or text[e - 1] in ",;:—–"):
        e -= 1
    while s < e and text[s].isspace():
        s += 1
    return s, e


# ---- citations ---------------------------------------------------------------------------------


def verify_citation(citation: Citation, article_text: str) -> bool:
    """The single check behind every quote: the stored text at the span equals the quote."""
    start, end = citation.start, citation.end
    return (
        0 <= start < end <= len(article_text)
        and bool(citation.quote.strip())
        and article_text[start:end] == citation.quote
    )


def make_citation(marker: int, article: Article, start: int, end: int) -> Citation:
    """A citation of ``article.text[start:end]``; ``verified`` is the result of actually
    running :func:`verify_citation` on it."""
    quote = article.text[max(0, start) : max(0, end)]
    draft = Citation(
        marker=marker,
        quote=quote,
        article_id=article.id,
        title=article.title,
        source=article.source,
        published_at=article.published_at,
        url=article.url,
        start=start,
        end=end,
        verified=False,
    )
    verified = verify_citation(draft, article.text)
    if not verified:
        log.warning(
            "citation [%d] of %s at %d:%d failed verification", marker, article.id, start, end
        )
    return Citation(**{**draft.to_dict(), "verified": verified})


# ---- quotations written by the model -----------------------------------------------------------

# “…”, „…“, «…», ‹…›, "…", and '…' / ‘…’ when not an apostrophe (no letter right before the opener).
_QUOTATION = re.compile(
    r"“(?P<a>[^”\n]+)”|„(?P<b>[^“”\n]+)[“”]|«\s?(?P<c>[^»\n]+?)\s?»|‹(?P<d>[^›\n]+)›"
    r"|(?<![\w\"])\"(?P<e>[^\"\n]+)\"(?![\w])"
    r"|(?<![\w‘’'])‘(?P<f>[^’\n]+)’(?![\w])"
    r"|(?<![\w'’])'(?P<g>[^'\n]+)'(?![\w])"
)
_QUOTE_CHARS = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‹": "'", "›": "'"}
)


def normalise_for_match(text: str) -> str:
    """Case-folded, NFKC, straight quotes, single spaces: the comparison form for quotations."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTE_CHARS)
    return re.sub(r"\s+", " ", text).strip().casefold()


def _quotation_found(quoted: str, haystacks: Sequence[str]) -> bool:
    parts = [p for p in re.split(r"\.\.\.|…", quoted) if p.strip()]
    parts = [normalise_for_match(p).strip(" .,;:!?'\"-–—") for p in parts]
    parts = [p for p in parts if p]
    if not parts:
        return True  # nothing quoted but punctuation
    return any(all(p in hay for p in parts) for hay in haystacks)


def _quotations(answer_text: str) -> Iterable[re.Match[str]]:
    for match in _QUOTATION.finditer(answer_text):
        quoted = next(g for g in match.groups() if g is not None)
        # a single quoted word is a term in scare quotes, not a quotation of a source
        if len(quoted.split()) >= 2:
            yield match


def strip_unsupported_quotations(
    answer_text: str, articles: Iterable[Article | str]
) -> tuple[str, list[str]]:
    """``answer_text`` with the quotation marks removed from every quotation that appears in
    none of ``articles`` (compared after :func:`normalise_for_match`), and those quotations."""
    haystacks = [normalise_for_match(a if isinstance(a, str) else a.text) for a in articles]
    flagged: list[str] = []
    pieces: list[str] = []
    cursor = 0
    for match in _quotations(answer_text):
        quoted = next(g for g in match.groups() if g is not None)
        if _quotation_found(quoted, haystacks):
            continue
        flagged.append(quoted.strip())
        pieces.append(answer_text[cursor : match.start()])
        pieces.append(quoted.strip())
        cursor = match.end()
    pieces.append(answer_text[cursor:])
    return "".join(pieces), flagged


def find_unsupported_quotations(answer_text: str, articles: Iterable[Article | str]) -> list[str]:
    """Text the model put in quotation marks (“…”, "…", «…», ‘…’) that no given article contains
    (whitespace, case and curly/straight quotes normalised). Use
    :func:`strip_unsupported_quotations` to also remove their quotation marks from the answer."""
    return strip_unsupported_quotations(answer_text, articles)[1]
