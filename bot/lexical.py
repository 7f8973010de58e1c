"""Lexical (BM25) side of retrieval: a tokenizer for news text and an in-memory bm25s index.

The index is derived data: built from ``ArticleStore.all_chunks()`` plus each article's title,
source and date, and rebuilt whenever ``ArticleStore.fingerprint()`` changes. It keeps, per
passage, its article's source and publication time so that the same filters the dense search
gets as a Chroma ``where`` can be applied to the lexical candidates (a numpy mask).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vectorstore.models import Article, Chunk
from vectorstore.store import published_ts

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


@dataclass(frozen=True)
class LexicalHit:
    position: int
    score: float


class LexicalIndex:
    """BM25 over passages (title + passage text), with per-passage source and time arrays."""

    def __init__(
        self,
        chunks: Sequence[Chunk],
        articles: dict[str, Article],
        key: str = "",
        with_title: bool = True,
        k1: float = 0.9,
        b: float = 0.4,
    ) -> None:
        import bm25s

        self.key = key
        self.chunks = list(chunks)
        sources = sorted({a.source for a in articles.values() if a.source})
        self.source_ids = {s: i for i, s in enumerate(sources)}
        n = len(self.chunks)
        self.chunk_source = np.full(n, -1, dtype=np.int32)
        self.chunk_ts = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
        corpus: list[list[str]] = []
        for i, chunk in enumerate(self.chunks):
            article = articles.get(chunk.article_id)
            title = article.title if article else ""
            if article is not None:
                if article.source:
                    self.chunk_source[i] = self.source_ids[article.source]
                ts = published_ts(article.published_at)
                if ts is not None:
                    self.chunk_ts[i] = ts
            corpus.append(tokenize(f"{title}\n{chunk.text}" if with_title else chunk.text))
        self.has_ts = self.chunk_ts != np.iinfo(np.int64).min
        self._bm25 = bm25s.BM25(k1=k1, b=b)
        self._empty = n == 0 or not any(corpus)
        if not self._empty:
            # bm25s wants at least one token per document; a placeholder keeps positions aligned.
            self._bm25.index([toks or ["\x00"] for toks in corpus], show_progress=False)
        self.vocabulary = set() if self._empty else set(self._bm25.vocab_dict)

    def __len__(self) -> int:
        return len(self.chunks)

    def mask(
        self,
        sources: Sequence[str] | None = None,
        since_ts: int | None = None,
        until_ts: int | None = None,
    ) -> np.ndarray | None:
        """Boolean mask of passages passing the filters (None when nothing is filtered)."""
        if sources is None and since_ts is None and until_ts is None:
            return None
        keep = np.ones(len(self.chunks), dtype=bool)
        if sources is not None:
            ids = [self.source_ids[s] for s in sources if s in self.source_ids]
            keep &= np.isin(self.chunk_source, np.array(ids, dtype=np.int32))
        if since_ts is not None:
            keep &= self.has_ts & (self.chunk_ts >= since_ts)
        if until_ts is not None:
            keep &= self.has_ts & (self.chunk_ts <= until_ts)
        return keep

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[LexicalHit]:
        """Top ``k`` passages with a positive BM25 score, best first (ties by position)."""
        if self._empty or k <= 0:
            return []
        tokens = [t for t in dict.fromkeys(tokenize(query)) if t in self.vocabulary]
        if not tokens:
            return []
        scores = self._bm25.get_scores(tokens)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        positive = np.flatnonzero(scores > 0)
        if positive.size == 0:
            return []
        if positive.size > k:
            part = np.argpartition(-scores[positive], k - 1)[:k]
            positive = positive[part]
        # Deterministic: score descending, then position (stable id order of all_chunks).
        order = sorted(positive.tolist(), key=lambda i: (-float(scores[i]), i))
        return [LexicalHit(position=i, score=float(scores[i])) for i in order]
