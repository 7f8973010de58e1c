"""The single check behind every quote shown or exported: ``article.text[start:end] == quote``."""

from __future__ import annotations

import logging

from bot.types import Citation
from vectorstore.models import Article

log = logging.getLogger(__name__)


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
