"""Citation markers a writer put in a sentence (``[1]``, ``[2, 3]``, ``【1】``, ``[passage 2]``):
read off so that the sentence itself can be checked, and the cited numbers kept."""

from __future__ import annotations

import re

_MARKER = re.compile(
    r"\s*[\[【]\s*(?:passages?\s*|sources?\s*|#)?(\d{1,2}(?:\s*(?:,|;|and|&)\s*(?:passages?\s*)?"
    r"\d{1,2})*)\s*[\]】]",
    re.IGNORECASE,
)


def split_markers(sentence: str) -> tuple[str, list[int]]:
    """The sentence without its ``[n]`` markers, and the marker numbers in order."""
    numbers: list[int] = []
    for match in _MARKER.finditer(sentence):
        numbers += [int(x) for x in re.findall(r"\d+", match.group(1))]
    claim = _MARKER.sub("", sentence)
    claim = re.sub(r"\s+([.,;:!?])", r"\1", claim)
    return re.sub(r"\s+", " ", claim).strip(), list(dict.fromkeys(numbers))
