"""Hybrid search: question in, ranked passages out.

- ``query``: what a question names (publications, dates, clauses), read once per search;
- ``lexical``: the BM25 side (words as ``bot.text.words.tokenize`` defines them);
- ``fusion``: reciprocal rank fusion, greedy facet coverage, diversity;
- ``hybrid``: ``HybridRetriever`` (dense + BM25 + sub-searches, fused);
- ``langchain``: ``BriefbotRetriever``, its LangChain ``BaseRetriever`` view.
"""

from bot.retrieval.hybrid import HybridRetriever, RetrievedPassage
from bot.retrieval.langchain import BriefbotRetriever, passage_document

__all__ = ["BriefbotRetriever", "HybridRetriever", "RetrievedPassage", "passage_document"]
