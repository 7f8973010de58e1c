"""The bottom line: the model writes 2–3 sentences from the reserved quotes, and code keeps each
sentence only when it cites given quotes, adds no name, number or quotation they lack, and the
claim checker (``bot.claims.check``) finds it supported by those quotes — its markers then come
from the checker (a sentence joining two quotes cites both; a wrong marker is re-anchored). A
sentence that fails is replaced by a reserved quote itself; when none passes, the quotes
themselves are the bottom line."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

from langchain_core.messages import HumanMessage, SystemMessage

from bot.briefing.candidates import CitationPool
from bot.briefing.model import MARKER, inline_quote
from bot.claims import normalise_for_match, strip_unsupported_quotations
from bot.claims.checker import ClaimChecker
from bot.llm.prompts import SUMMARY_SYSTEM, SUMMARY_USER
from bot.settings import BriefingSettings
from bot.text.nlp import parse
from bot.text.untrusted import neutralise
from bot.text.words import CLAIM_STOPWORDS, claim_stem, claim_stems, names_and_numbers, word_set
from bot.types import Citation
from vectorstore.sentences import sentence_spans

if TYPE_CHECKING:
    from bot.service import Briefbot

log = logging.getLogger(__name__)


def write_bottom_line(
    bot: Briefbot,
    topic: str,
    pool: CitationPool,
    markers: Sequence[int],
    limits: BriefingSettings,
    checker: ClaimChecker,
    fallback: Sequence[tuple[str, list[int]]] = (),
) -> tuple[str, list[str]]:
    """The model's bottom line from the quotes ``markers`` (a small model: the bottom line is
    all it writes): (checked prose, notes on the sentences replaced by ``fallback``) or
    ("", [reason it was rejected])."""
    lines = []
    for m in markers:
        c = pool.citations[m]
        lines.append(f"[{m}] {neutralise(c.quote)}")
    messages = [
        SystemMessage(content=SUMMARY_SYSTEM),
        HumanMessage(content=SUMMARY_USER.format(topic=neutralise(topic), quotes="\n".join(lines))),
    ]
    try:
        reply = bot.llm.invoke(messages, max_tokens=limits.model_max_tokens)
    except Exception as exc:  # a model failure must not lose the briefing
        log.warning("bottom line generation failed: %s", exc)
        return "", [f"model error ({type(exc).__name__})"]
    text = reply.content if isinstance(reply.content, str) else str(reply.content)
    return checked_bottom_line(text, pool, markers, checker, fallback)


_LABEL = re.compile(
    r"^\s*(?:\*\*)?(?:bottom line|summary|answer)\s*:?\s*(?:\*\*)?\s*:?\s*", re.IGNORECASE
)
_ALLOWED_CAPITALS = word_set(
    """
    however meanwhile both sources according while although but and the this these those it
    its in on at as for if so yet
    """
)


def _model_sentences(text: str) -> tuple[list[str], str]:
    """The model's sentences (label off, at most three, a trailing marker group kept with its
    sentence), or ([], reason) when the reply is not a bottom line."""
    text = " ".join(_LABEL.sub("", text.strip()).split())
    if not text:
        return [], "empty reply"
    sentences: list[str] = []
    for start, end in sentence_spans(text):
        piece = text[start:end]
        if sentences and re.fullmatch(r"(?:\[\d+\]\s*)+[.!?]?", piece):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    if len(sentences) < 2:
        return [], "fewer than two sentences"
    return sentences[:3], ""


def _read_sentence(
    sentence: str, citations: dict[int, Citation], *, grounded: bool = True
) -> tuple[str, list[int], str]:
    """(the sentence without markers, its markers, "") or ("", [], why it cannot stand): every
    sentence cites given quotes by ``[n]``, is short, does not copy a quote, and — when
    ``grounded`` — adds no name, number or quotation the quotes it cites lack."""
    markers = list(dict.fromkeys(int(m) for m in MARKER.findall(sentence)))
    if not markers:
        return "", [], f"sentence without a citation marker: {sentence[:60]!r}"
    if any(m not in citations for m in markers):
        return "", [], f"marker not among the quotes: {sentence[:60]!r}"
    cited = [citations[m].quote for m in markers]
    bare = MARKER.sub("", sentence)
    reason = _ungrounded(bare, cited) if grounded else ""
    if reason:
        return "", [], reason
    if len(bare) > 400:
        return "", [], "sentence too long"
    if _copies(bare, cited if grounded else [c.quote for c in citations.values()]):
        return "", [], "the model copied a quote instead of summarising"
    body = re.sub(r"\s+([.,;:!?])", r"\1", " ".join(bare.split()).rstrip())
    if not body.endswith((".", "!", "?")):
        body += "."
    return body, markers, ""


def _ungrounded(bare: str, cited: list[str]) -> str:
    """Why ``bare`` says more than the ``cited`` quotes (a name, number or quotation), or ""."""
    cited_stems = claim_stems(" ".join(cited))
    for term in names_and_numbers(bare):
        if term.stem not in cited_stems:
            return f"{term.stem!r} is not in the cited quotes"
    for word in re.findall(r"\b[A-Z][\w’'-]*", bare):
        low = word.casefold()
        if low in CLAIM_STOPWORDS or low in _ALLOWED_CAPITALS:
            continue
        if claim_stem(word) not in cited_stems and low not in " ".join(cited).casefold():
            return f"name {word!r} is not in the cited quotes"
    _, flagged = strip_unsupported_quotations(bare, cited)
    if flagged:
        return "quotation not found in the cited quotes"
    return ""


def _with_markers(body: str, markers: Sequence[int]) -> str:
    """Markers at the end of the sentence, after its punctuation."""
    return body + " " + "".join(f"[{m}]" for m in dict.fromkeys(markers))


def check_bottom_line(text: str, citations: dict[int, Citation]) -> tuple[str, str]:
    """Accept the model's prose only if every sentence cites given quotes by ``[n]`` and adds no
    name, number or quotation those quotes do not contain. Returns (prose, "") or ("", reason).
    (The briefing also runs the claim checker on each sentence: :func:`checked_bottom_line`.)"""
    sentences, reason = _model_sentences(text)
    if reason:
        return "", reason
    checked = []
    for sentence in sentences:
        body, markers, reason = _read_sentence(sentence, citations)
        if reason:
            return "", reason
        checked.append(_with_markers(body, markers))
    return " ".join(checked), ""


def checked_model_sentence(
    sentence: str,
    pool: CitationPool,
    markers: Sequence[int],
    checker: ClaimChecker,
) -> tuple[str, list[int], str]:
    """(body, markers, "") when a model sentence stands — valid markers among ``markers``, short,
    not a copied quote, and ``supported`` by the claim checker over those quotes, whose quotes
    become its markers — else ("", [], why not)."""
    citations = {m: pool.citations[m] for m in markers}
    body, cited, reason = _read_sentence(sentence, citations, grounded=False)
    if reason:
        return "", [], reason
    prefer = [list(markers).index(m) for m in cited]
    result = checker.check(body, pool.passages(markers), prefer=prefer)
    if not result.supported:
        return "", [], f"{result.verdict.value}: {result.reason}"
    found = [pool.add_span(pool.articles[c.article_id], c.start, c.end) for c in result.citations]
    return body, found, ""


def checked_bottom_line(
    text: str,
    pool: CitationPool,
    markers: Sequence[int],
    checker: ClaimChecker,
    fallback: Sequence[tuple[str, list[int]]] = (),
) -> tuple[str, list[str]]:
    """The model's bottom line with each sentence checked (:func:`checked_model_sentence`);
    a sentence that fails is replaced by the code-built sentence ``fallback`` holds for its
    place (or the next one no kept sentence repeats). Returns (prose, notes on replaced
    sentences), or ("", [reason]) when no model sentence stands."""
    sentences, reason = _model_sentences(text)
    if reason:
        return "", [reason]
    kept: list[tuple[str, list[int]] | None] = []
    reasons: list[str] = []
    for sentence in sentences:
        body, found, reason = checked_model_sentence(sentence, pool, markers, checker)
        if not reason:
            kept.append((body, found))
            continue
        log.info("bottom line sentence replaced (%s): %r", reason, sentence)
        reasons.append(reason)
        kept.append(None)
    if all(k is None for k in kept):
        return "", reasons[:1]
    return join_sentences(_fill(kept, fallback)), [
        f"model sentence replaced by a code-built one: {r}" for r in reasons
    ]


def _fill(
    kept: Sequence[tuple[str, list[int]] | None], fallback: Sequence[tuple[str, list[int]]]
) -> list[tuple[str, list[int]]]:
    """Model sentences where they stood, code-built ones (not already cited) in the gaps."""
    cited = {m for k in kept if k is not None for m in k[1]}
    spare = [f for f in fallback if not set(f[1]) & cited]
    out = []
    for item in kept:
        if item is not None:
            out.append(item)
        elif spare:
            out.append(spare.pop(0))
    return out


def join_sentences(sentences: Sequence[tuple[str, Sequence[int]]]) -> str:
    return " ".join(_with_markers(body, markers) for body, markers in sentences)


# ---- the bottom line built by code ----------------------------------------------------------

_CONTEXT_WORDS = word_set("he she it they this these that those its his her their we i our us")
_FIRST_PERSON = re.compile(r"\b(?:we|our|us|I|me|my)\b")
_LOWER_FIRST = word_set(
    "the a an in on at since but and after before during while with from for as by last this "
    "that these those there it its if when once although though because under over"
)


def attributed_sentence(quote: str, publisher: str, context: str = "") -> str | None:
    """``According to <publisher>, <quote as a sentence>`` — or None when the quote cannot stand
    as one (direct speech, a pronoun needing the sentence before, the writer's "we", no full
    stop). The quote's
    first word loses its capital when it is a common word (a glue word, or written in lower
    case elsewhere in ``context``, the article)."""
    text = " ".join(quote.split())
    if _QUOTATION.search(text) or not text.endswith((".", "!", "?")):
        return None
    if _FIRST_PERSON.search(text):  # "we learned": the writer's voice, not the publisher's claim
        return None
    text = re.sub(r"^(?:And|But|So|Yet|Also),?\s+", "", text)
    first = re.match(r"[\w’'-]+", text)
    if first is None or first.group().casefold() in _CONTEXT_WORDS:
        return None
    word = first.group()
    if (
        word.casefold() in _LOWER_FIRST
        or re.search(rf"\b{re.escape(word.lower())}\b", context)
        or _common_word_first(text)
    ):
        text = text[0].lower() + text[1:]
    return f"According to {publisher}, {text}"


def _common_word_first(sentence: str) -> bool:
    """Whether the sentence opens with a common word ("Talks between ..."), not a name, an
    acronym or "I", by the spaCy parse (``bot.text.nlp``)."""
    first = parse([sentence])[0][0]
    word = first.text
    if word.isupper() or word == "I" or first.ent_type_:
        return False
    return first.pos_ not in {"PROPN"}


_QUOTATION = re.compile('[“”"«»„]')


def code_bottom_line(
    items: Sequence[tuple[int, str, Sequence[int]]],
    pool: CitationPool,
    checker: ClaimChecker,
    sentences: int = 3,
) -> list[tuple[str, list[int]]]:
    """Up to ``sentences`` sentences built by code from (marker, publisher, supporting markers)
    items, best-corroborated first: :func:`attributed_sentence` of each quote, kept only when
    the claim checker finds it supported by that quote and it does not repeat a quote already
    used; its markers are the checker's quote and the other sources' supporting quotes."""
    out: list[tuple[str, list[int]]] = []
    context = " ".join(a.text for a in pool.articles.values())
    said: list[str] = []
    for marker, publisher, support in items:
        if len(out) >= sentences:
            break
        citation = pool.citations[marker]
        sentence = attributed_sentence(citation.quote, publisher, context)
        if sentence is None or any(_same_news(citation.quote, q) for q in said):
            continue
        result = checker.check(sentence, pool.passages([marker]))
        if not result.supported:
            log.info("code-built sentence failed the check (%s): %r", result.reason, sentence)
            continue
        found = [
            pool.add_span(pool.articles[c.article_id], c.start, c.end) for c in result.citations
        ]
        out.append((sentence, list(dict.fromkeys([*found, *support]))))
        said.append(citation.quote)
    return out


def _same_news(a: str, b: str, share: float = 0.6) -> bool:
    """Two quotes telling the same thing (most content words of the shorter one in the other):
    the bottom line says it once."""
    sa, sb = claim_stems(a), claim_stems(b)
    return bool(sa and sb) and len(sa & sb) >= share * min(len(sa), len(sb))


def _copies(sentence: str, quotes: Sequence[str]) -> bool:
    """True when a sentence is (nearly) a cited quote itself: it belongs in quotation marks."""
    mine = normalise_for_match(sentence).strip(" .\"'")
    if len(mine) < 20:
        return False
    for quote in quotes:
        theirs = normalise_for_match(quote).strip(" .\"'")
        if mine in theirs or SequenceMatcher(None, mine, theirs).ratio() > 0.8:
            return True
    return False


def extractive_bottom_line(pool: CitationPool, markers: Sequence[int]) -> str:
    """The reserved top quotes themselves, each with its marker (built by code)."""
    if not markers:
        return "The stored articles say nothing on this topic."
    return " ".join(f"{inline_quote(pool.citations[m].quote)} [{m}]" for m in markers)
