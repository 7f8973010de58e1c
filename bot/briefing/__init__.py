"""Topic in, one-page briefing out: gathered evidence, then sections of verified quotes.

- ``candidates``: passages of several topic queries, their sentences ranked, dated, pooled;
- ``sections``: bottom-line quotes, actors' positions, what to watch, developments;
- ``disagreements``: different figures or opposing framings between publishers;
- ``summary``: the model's bottom line, accepted only when code can check it;
- ``model``: the ``Briefing`` data (sections point at numbered citations);
- ``media``: known state-affiliated outlets; ``publishers``: names and keys of publishers;
- ``pipeline``: ``generate_briefing``, the order of it all.
"""

from bot.briefing.disagreements import figure_conflict
from bot.briefing.model import Briefing
from bot.briefing.pipeline import STAGES, generate_briefing
from bot.briefing.summary import check_bottom_line

__all__ = ["STAGES", "Briefing", "check_bottom_line", "figure_conflict", "generate_briefing"]
