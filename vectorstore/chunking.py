"""Cut an article into passages on sentence boundaries, each knowing its exact span."""

from __future__ import annotations

from vectorstore.models import Chunk
from vectorstore.sentences import sentence_spans


def chunk_article(
    article_id: str, text: str, max_chars: int = 900, overlap_sentences: int = 1
) -> list[Chunk]:
    """Greedy sentence packing up to ``max_chars``; consecutive chunks share ``overlap_sentences``.

    A single sentence longer than ``max_chars`` becomes a chunk of its own (never cut mid-sentence,
    so quotes chosen from a chunk are whole sentences). ``text[chunk.start:chunk.end] == chunk.text``.
    """
    spans = sentence_spans(text)
    chunks: list[Chunk] = []
    i = 0
    while i < len(spans):
        j = i
        while j + 1 < len(spans) and spans[j + 1][1] - spans[i][0] <= max_chars:
            j += 1
        start, end = spans[i][0], spans[j][1]
        chunks.append(
            Chunk(
                id=f"{article_id}:{len(chunks)}",
                article_id=article_id,
                index=len(chunks),
                start=start,
                end=end,
                text=text[start:end],
            )
        )
        if j + 1 >= len(spans):
            break
        i = max(j + 1 - overlap_sentences, i + 1)
    return chunks
