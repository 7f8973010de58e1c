"""Topic in, one-page briefing out: gathered evidence, then sections of verified quotes.

- ``candidates``: passages of several topic queries, their sentences ranked, dated, pooled;
- ``publishers``: names and keys of publishers, and ``IndependentSources`` — the one definition
  of an independent source (one publisher's articles and syndicated copies count once);
- ``evidence``: the gathered passages grouped by independent source;
- ``sections``: actors' positions, what to watch, developments;
- ``corroboration``: which independent sources support a development, and its ICD 203
  confidence (``confidence``, ``CONFIDENCE_RULES``);
- ``disagreements``: conflicting values between independent sources, found by the claim
  checker's ``contradicted``;
- ``summary``: the bottom line — built by code from the best-corroborated developments, or
  the model's prose where each sentence passes the claim checker;
- ``drafting``: a capable model drafts the bottom line and developments, checked sentence by
  sentence;
- ``model``: the ``Briefing`` data (sections point at numbered citations);
- ``media``: known state-affiliated outlets;
- ``pipeline``: ``generate_briefing``, the order of it all.
"""

from bot.briefing.corroboration import confidence
from bot.briefing.model import Briefing
from bot.briefing.pipeline import STAGES, generate_briefing
from bot.briefing.summary import check_bottom_line

__all__ = ["STAGES", "Briefing", "check_bottom_line", "confidence", "generate_briefing"]
