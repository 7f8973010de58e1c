"""Digests: what is new in a collection, folded into stories with verified quotes.

``window`` (durations, when an article counts as new), ``model`` (``Digest``, ``Story``),
``build`` (``build_digest``). Exports live beside the briefing's in ``bot/export/digest_*.py``.
"""

from bot.digest.build import build_digest
from bot.digest.model import Digest, DigestSource, Story
from bot.digest.window import parse_duration, parse_since

__all__ = ["Digest", "DigestSource", "Story", "build_digest", "parse_duration", "parse_since"]
