"""A user's draft checked sentence by sentence: the one function behind ``briefbot check`` and
the web app's Check page."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from bot.claims.checker import ClaimCheck, check
from bot.claims.markers import split_markers
from bot.types import SearchFilters
from vectorstore.sentences import sentence_spans

if TYPE_CHECKING:
    from bot.service import Briefbot

_MARKDOWN_PREFIX = re.compile(r"^\s*(?:#{1,6}\s+|>\s*|[-*+•]\s+|\d{1,3}[.)]\s+)+")

Progress = Callable[[int, int], None]
"""Called with (sentences checked, sentences in the draft) before and after each sentence."""


def draft_sentences(text: str) -> Iterator[str]:
    """The sentences of a draft: headings skipped, list/quote prefixes and ``[n]`` markers off."""
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue  # a heading names a part of the draft; it claims nothing
        line = _MARKDOWN_PREFIX.sub("", line)
        for start, end in sentence_spans(line, 0, len(line)):
            claim, _markers = split_markers(line[start:end])
            if claim.strip():
                yield claim


def check_draft(
    bot: Briefbot,
    text: str,
    filters: SearchFilters | None = None,
    progress: Progress | None = None,
) -> list[ClaimCheck]:
    """The verdict on each sentence of ``text`` against ``bot``'s stored articles, in order."""
    sentences = list(draft_sentences(text))
    results: list[ClaimCheck] = []
    for sentence in sentences:
        if progress is not None:
            progress(len(results), len(sentences))
        results.append(check(sentence, bot, filters=filters))
    if progress is not None:
        progress(len(results), len(sentences))
    return results
