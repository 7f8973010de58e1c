"""Chat: questions in, streamed answers out, each claim backed by a highlighted verbatim quote."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from bot.redact import redact
from bot.service import Briefbot
from bot.types import Answer
from ui import state
from ui.citations import context_key, quote_contexts, show_citation
from ui.render import QuoteContext, escape_md
from ui.render import safe_paragraphs as safe_md
from ui.streaming import Events, Throttle, run_with_events

TURNS = "chat_turns"
ABSTAINED = "The sources don't answer this."


@dataclass
class Turn:
    question: str
    answer: Answer | None = None
    error: str | None = None
    contexts: dict[tuple[str, int, int], QuoteContext | None] = field(default_factory=dict)


def render() -> None:
    st.title("Ask your articles")
    st.caption("Every quote below is copied verbatim from a stored article and checked.")
    turns: list[Turn] = st.session_state.setdefault(TURNS, [])
    for index, turn in enumerate(turns):
        _show_turn(turn, index)
    question = st.chat_input("Ask a question about the stored articles")
    if turns and st.button("Clear conversation", type="tertiary"):
        st.session_state[TURNS] = []
        st.rerun()
    if question and question.strip():
        _ask(state.get_bot(), turns, question.strip())


def history(turns: list[Turn]) -> list[tuple[str, str]]:
    """Earlier (question, answer) pairs for follow-ups; failed turns and abstentions left out."""
    return [
        (t.question, t.answer.answer)
        for t in turns
        if t.answer is not None and not t.answer.abstained
    ]


def _ask(bot: Briefbot, turns: list[Turn], question: str) -> None:
    from bot.answer import answer_question

    turn = Turn(question=question)
    with st.chat_message("user"):
        st.markdown(safe_md(question))
    with st.chat_message("assistant"):
        placeholder = st.empty()
        placeholder.markdown("_Searching the articles…_")
        streamed: list[str] = []
        short: list[str] = []
        throttle = Throttle()

        def handle(kind: str, payload: Any) -> None:
            if kind == "short":
                short.append(payload)
                placeholder.markdown(short_markdown(payload))
            elif kind == "token":
                streamed.append(payload)
                if throttle.ready():
                    lead = short_markdown(short[0]) + "\n\n" if short else ""
                    placeholder.markdown(lead + safe_md("".join(streamed)) + " ▌")

        past = history(turns)

        def work(events: Events) -> Answer:
            return answer_question(
                bot,
                question,
                history=past,
                on_token=events.token,
                on_short=lambda text: events.queue.put(("short", text)),
            )

        try:
            turn.answer = run_with_events(work, handle)
        except Exception as exc:  # shown to the user, never with a secret in it
            turn.error = redact(f"{type(exc).__name__}: {exc}")
        else:
            turn.contexts = quote_contexts(bot, turn.answer.citations)
        placeholder.empty()
        _show_answer(turn, len(turns))
    turns.append(turn)


def short_markdown(short: str) -> str:
    """The short answer in bold (escaped: words from articles are never markup)."""
    return f"**{escape_md(' '.join(short.split()))}**"


def _show_turn(turn: Turn, index: int) -> None:
    with st.chat_message("user"):
        st.markdown(safe_md(turn.question))
    with st.chat_message("assistant"):
        _show_answer(turn, index)


def _show_answer(turn: Turn, index: int) -> None:
    """A finished answer, in a container keyed ``answer-<index>``: its presence tells a reader
    (and the browser tests) that answer ``index`` is complete."""
    with st.container(key=f"answer-{index}"):
        _answer_body(turn, index)


def _answer_body(turn: Turn, index: int) -> None:
    if turn.error:
        st.error(f"Could not answer: {escape_md(turn.error)}")
        return
    answer = turn.answer
    assert answer is not None
    if answer.abstained:
        st.info(ABSTAINED, icon=":material/search_off:")
        return
    if answer.short_answer:
        with st.container(key=f"short-answer-{index}"):
            st.markdown(short_markdown(answer.short_answer))
    st.markdown(safe_md(answer.answer))
    if answer.flagged_quotes:
        flagged = "; ".join(f"“{escape_md(q)}”" for q in answer.flagged_quotes)
        st.warning(
            f"The model put these words in quotation marks, but no source contains them: {flagged}"
        )
    for citation in answer.citations:
        show_citation(citation, turn.contexts.get(context_key(citation)), f"[{citation.marker}]")
