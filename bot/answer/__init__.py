"""Question in, short answer and cited sentences out.

- ``question``: a question read once (follow-ups joined by code) into a typed ``Question``;
- ``evidence``: how well the passages bear on it, and whether to answer at all;
- ``short``: the short answer settled by code (a name, number, date, yes/no) and its quotes;
- ``sentences``: the model's streamed sentences, each kept only when a quote grounds it;
- ``extractive``: the answer built from quotes alone when no model sentence survives;
- ``pipeline``: ``answer_question``, the order of it all.
"""

from bot.answer.pipeline import answer_question, retrieve_for
from bot.answer.question import Question, is_follow_up, standalone_query

__all__ = ["Question", "answer_question", "is_follow_up", "retrieve_for", "standalone_query"]
