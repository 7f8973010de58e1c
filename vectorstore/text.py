"""The definition of a word for lexical search: folding, light stemming, stopwords.

``tokenize`` is what the persistent BM25 index (``vectorstore.lexical_index``) stores and what
questions are matched with. It lives below ``bot/`` because the store writes the index in the same
step as the passages; ``bot``'s lexical module should re-export it so there is one definition.
Changing what it returns for any text changes the index: bump ``TOKENIZER_ID`` so that stored
indexes are rebuilt.
"""

from __future__ import annotations

import re
import unicodedata

TOKENIZER_ID = "briefbot-news-1"

# English function words plus the question scaffolding that MultiHop-style questions are made of
# ("Does the article from X suggest ...", "as reported by ..."): they carry no topic.
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
        "either",
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
        "however",
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
        "neither",
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
        "upon",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "whether",
        "which",
        "while",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "within",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "yet",
        "article",
        "articles",
        "report",
        "reports",
        "reported",
        "reporting",
        "according",
        "mentioned",
        "published",
        "suggest",
        "suggests",
        "suggested",
        "indicate",
        "indicates",
        "indicated",
        "discussed",
        "discussing",
        "regarding",
        "based",
        "considering",
        "described",
        "describes",
        "information",
        "news",
    ]
)

# A token: letters/digits possibly joined by inner hyphens, apostrophes, dots or commas between
# digits ("bankman-fried", "gpt-3.5", "o'neill", "14,000", "u.s"), or a currency/percent amount.
_TOKEN = re.compile(
    r"[$€£]?\d+(?:[.,]\d+)*%?"  # numbers, amounts, percentages
    r"|[^\W_]+(?:['’\-.][^\W_]+)*",  # words, hyphenated words, initialisms
    re.UNICODE,
)
_SPLIT = re.compile(r"['’\-.]")


_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def _fold(text: str) -> str:
    """Lowercase and strip accents (Beyoncé → beyonce) so spelling variants meet."""
    text = text.lower()
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def _light_stem(word: str) -> str:
    """Conservative English plural folding (no stemmer package is installed)."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ss", "us", "is", "ous")):
        return word
    if word.endswith("es") and word[-3] in "sxz":
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def _terms(token: str, stopwords: frozenset[str]) -> tuple[str, ...]:
    """Index terms of one raw token (already folded)."""
    if token[0] in "$€£":
        token = token[1:]
    if token[-1:] == "%":
        token = token[:-1]
    if token.endswith(("'s", "’s")):
        token = token[:-2]
    if not token:
        return ()
    if token[0].isdigit():
        return (token.replace(",", ""),)
    token = token.replace("’", "'")
    parts = [p for p in _SPLIT.split(token) if p]
    if len(parts) > 1:
        joined = token.replace(".", "") if all(len(p) == 1 for p in parts) else token
        if joined != token:  # "u.s" -> "us"
            return (joined,)
        # "bankman-fried" stays whole, and its parts are terms too
        return (joined, *(_light_stem(p) for p in parts if p not in stopwords and len(p) > 1))
    if token in stopwords or len(token) < 2:
        return ()
    return (_light_stem(token),)


_TERM_CACHE: dict[str, tuple[str, ...]] = {}
_TERM_CACHE_MAX = 500_000


def tokenize(text: str, stopwords: frozenset[str] = STOPWORDS) -> list[str]:
    """Index terms of ``text``: names, numbers and hyphenated words survive whole.

    A compound ("Bankman-Fried", "GPT-3.5", "U.S.") yields the compound and its parts, so that
    both "Bankman-Fried" and "Bankman Fried" match. Possessive ``'s`` is dropped; currency signs,
    thousands separators and trailing dots are normalised ("$14 billion" → "14", "billion").
    """
    default = stopwords is STOPWORDS
    out: list[str] = []
    for token in _TOKEN.findall(_fold(text)):
        terms = _TERM_CACHE.get(token) if default else None
        if terms is None:
            terms = _terms(token, stopwords)
            if default and len(_TERM_CACHE) < _TERM_CACHE_MAX:
                _TERM_CACHE[token] = terms
        out.extend(terms)
    return out
