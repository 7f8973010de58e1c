"""What is new in a collection, grouped into stories, each with its outlets and best quote.

1. Articles in the window (``bot.digest.window``: publication time, else ingestion time).
2. Stories: two articles are one story when their SimHashes differ in at most
   ``StoreConfig.near_duplicate_bits`` bits (syndicated copies: the same text re-published,
   ``vectorstore.fingerprint``), when ingest flagged one as a near-duplicate of the other, or
   when their leads (title and first two sentences) are at least
   ``DigestSettings.story_similarity`` similar by MiniLM cosine (the same news rewritten).
   Stories are the connected groups; their outlets are the distinct publishers
   (``bot.briefing.publishers``).
3. Each story's quote: the quotable lead sentence (``bot.briefing.candidates.quotable``: whole,
   not a headline, not an instruction) of its first articles closest to the story's leads,
   with a bonus for attributed speech; kept only when ``article.text[start:end] == quote``
   (``bot.claims.make_citation``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

import numpy as np

from bot.briefing.candidates import quotable
from bot.briefing.publishers import publisher_key, publisher_name
from bot.claims import make_citation
from bot.digest.model import Digest, DigestSource, Story
from bot.digest.window import article_time, in_window, window_start
from bot.settings import Settings
from bot.text.speech import find_attributions
from bot.types import Citation
from vectorstore.fingerprint import DisjointSets, join_copies
from vectorstore.models import Article
from vectorstore.sentences import sentence_spans

DigestProgress = Callable[[str], None]
SPEECH_BONUS = 0.15
LEAD_BONUS = 0.1


def _unit_rows(vectors: Sequence[Sequence[float]]) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.size == 0:
        return matrix.reshape(0, 0)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


def lead(article: Article, sentences: int = 2) -> str:
    spans = sentence_spans(article.text)[:sentences]
    return " ".join([article.title, *(article.text[s:e] for s, e in spans)])


def group_stories(
    articles: Sequence[Article],
    lead_vectors: np.ndarray,
    max_bits: int,
    min_similarity: float,
) -> list[list[int]]:
    """Indexes of ``articles`` grouped into stories (see the module docstring), each group in
    the order given."""
    n = len(articles)
    ids = [a.id for a in articles]
    sets = DisjointSets(ids)
    join_copies(sets, articles, max_bits)
    similar = lead_vectors @ lead_vectors.T if len(lead_vectors) else np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            if similar[i, j] >= min_similarity:
                sets.join(ids[i], ids[j])
    position = {article_id: i for i, article_id in enumerate(ids)}
    return [[position[k] for k in group] for group in sets.groups()]


def best_quote(
    story: Sequence[Article],
    centre: np.ndarray,
    embed: Callable[[list[str]], list[list[float]]],
    settings: Settings,
    marker: int,
) -> Citation | None:
    """The story's most central quotable lead sentence, verified verbatim (or None)."""
    limits = settings.digest
    candidates: list[tuple[Article, int, int, int]] = []
    for article in story[: limits.quote_articles]:
        for order, (start, end) in enumerate(sentence_spans(article.text)[: limits.lead_sentences]):
            if quotable(article.text[start:end], article, settings.briefing):
                candidates.append((article, start, end, order))
    if not candidates:
        return None
    vectors = _unit_rows(embed([a.text[s:e] for a, s, e, _ in candidates]))
    scores = vectors @ centre
    best: tuple[float, int] | None = None
    for n, (article, start, end, order) in enumerate(candidates):
        score = float(scores[n]) + LEAD_BONUS / (1 + order)
        if find_attributions(article.text[start:end]):
            score += SPEECH_BONUS
        if best is None or score > best[0]:
            best = (score, n)
    assert best is not None
    article, start, end, _ = candidates[best[1]]
    citation = make_citation(marker, article, start, end)
    return citation if citation.verified else None


def _iso(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


def build_digest(
    bot,  # type: ignore[no-untyped-def]  # bot.service.Briefbot
    since: date,
    progress: DigestProgress | None = None,
) -> Digest:
    """The digest of ``bot``'s collection from ``since`` (a date, or a moment) to now."""
    say = progress or (lambda _message: None)
    settings: Settings = bot.settings
    start = window_start(since)
    digest = Digest(
        collection=settings.collection,
        since=_iso(start),
        generated_at=_iso(datetime.now(UTC)),
    )
    say("Finding new articles")
    recent = [
        a for a in bot.store.iter_articles() if in_window(a.published_at, a.ingested_at, start)
    ]
    full = bot.store.get_articles([a.id for a in recent])
    articles = [full[a.id] for a in recent if a.id in full]
    articles.sort(key=lambda a: (article_time(a.published_at, a.ingested_at) or start, a.id))
    digest.article_count = len(articles)
    if not articles:
        return digest
    say(f"Grouping {len(articles)} articles into stories")
    embed = bot.sentence_embeddings.embed_documents
    leads = _unit_rows(embed([lead(a) for a in articles]))
    groups = group_stories(
        articles, leads, bot.store.config.near_duplicate_bits, settings.digest.story_similarity
    )

    def reach(group: list[int]) -> tuple[int, int, str]:
        outlets = {publisher_key(articles[i]) for i in group}
        latest = max(
            _iso(article_time(articles[i].published_at, articles[i].ingested_at)) for i in group
        )
        return (len(outlets), len(group), latest)

    groups.sort(key=reach, reverse=True)
    digest.omitted_stories = max(0, len(groups) - settings.digest.max_stories)
    say(f"Choosing quotes for {min(len(groups), settings.digest.max_stories)} stories")
    for group in groups[: settings.digest.max_stories]:
        members = [articles[i] for i in group]
        centre = leads[group].mean(axis=0)
        centre = centre / (np.linalg.norm(centre) or 1.0)
        marker = len(digest.citations) + 1
        quote = best_quote(members, centre, embed, settings, marker)
        times = [article_time(a.published_at, a.ingested_at) for a in members]
        outlets: dict[str, str] = {}
        for a in members:
            outlets.setdefault(publisher_key(a), publisher_name(a))
        digest.stories.append(
            Story(
                headline=members[0].title,
                sources=[
                    DigestSource(
                        article_id=a.id,
                        title=a.title,
                        outlet=publisher_name(a),
                        published_at=a.published_at,
                        ingested_at=a.ingested_at or None,
                        url=a.url,
                    )
                    for a in members
                ],
                outlets=list(outlets.values()),
                quote=quote,
                first_seen=_iso(min((t for t in times if t), default=None)),
                last_seen=_iso(max((t for t in times if t), default=None)),
            )
        )
    return digest
