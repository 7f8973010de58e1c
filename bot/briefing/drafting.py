"""A capable model (OpenAI or an OpenAI-compatible server: a model whose declared profile reads
whole passages) drafts the briefing's prose from the gathered evidence: the bottom line and one
sentence per key development. Every sentence must pass the claim checker against the quotes it
cites (``summary.checked_model_sentence``); a sentence that fails falls back to the code-built
one — a bottom-line sentence to the code-built sentence of its place, a development to its
verbatim quote. Positions, disagreements and what to watch stay verbatim quotes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from langchain_core.messages import HumanMessage, SystemMessage

from bot.briefing.candidates import CitationPool
from bot.briefing.model import Development
from bot.briefing.summary import _fill, _model_sentences, _with_markers, checked_model_sentence
from bot.claims.checker import ClaimChecker
from bot.llm import profile_of
from bot.llm.prompts import DRAFT_SYSTEM, DRAFT_USER
from bot.settings import BriefingSettings
from bot.text.untrusted import neutralise

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from bot.service import Briefbot

log = logging.getLogger(__name__)


def is_capable(model: BaseChatModel | None) -> bool:
    """A model that reads every passage whole (no declared limit): it drafts every section;
    a small model (the embedded SmolLM2 declares three short passages) writes only the
    bottom line."""
    if model is None:
        return False
    profile = profile_of(model)
    return profile.max_passages is None and profile.passage_chars is None


@dataclass
class Draft:
    bottom_line: str = ""
    """Checked prose with markers ("" when no model sentence stood)."""
    developments: list[Development] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


_SECTION = re.compile(r"(?im)^\s*(?:\*\*)?(bottom line|developments)\s*:?(?:\*\*)?\s*:?")
_DEV_LINE = re.compile(r"^\s*[-*]?\s*\[(\d+)\]\s*[:.)-]?\s*(.+)$")


def split_draft(text: str) -> tuple[str, dict[int, str]]:
    """(bottom-line text, {development marker: sentence}) of the model's reply; a reply without
    section labels is all bottom line."""
    parts = _SECTION.split(text)
    if len(parts) == 1:
        return text, {}
    sections: dict[str, str] = {}
    for label, body in zip(parts[1::2], parts[2::2], strict=False):
        sections[label.casefold()] = body
    lines: dict[int, str] = {}
    for line in sections.get("developments", "").splitlines():
        m = _DEV_LINE.match(line)
        if m:
            sentence = m.group(2).strip()
            if not re.search(r"\[\d+\]", sentence):
                sentence = f"{sentence} [{m.group(1)}]"
            lines.setdefault(int(m.group(1)), sentence)
    return sections.get("bottom line", "").strip(), lines


def draft_sections(
    bot: Briefbot,
    topic: str,
    pool: CitationPool,
    developments: Sequence[Development],
    limits: BriefingSettings,
    checker: ClaimChecker,
    fallback: Sequence[tuple[str, list[int]]],
) -> Draft:
    """Ask the model for the bottom line and the developments' sentences, keep what the checker
    supports, fall back per sentence (see the module docstring)."""
    evidence = list(dict.fromkeys(m for d in developments for m in d.markers))
    quotes = []
    for m in evidence:
        c = pool.citations[m]
        quotes.append(f"[{m}] ({neutralise(c.source or 'unknown')}) {neutralise(c.quote)}")
    messages = [
        SystemMessage(content=DRAFT_SYSTEM),
        HumanMessage(
            content=DRAFT_USER.format(
                topic=neutralise(topic),
                quotes="\n".join(quotes),
                developments=" ".join(f"[{d.marker}]" for d in developments),
            )
        ),
    ]
    draft = Draft(developments=list(developments))
    try:
        reply = bot.llm.invoke(messages, max_tokens=limits.draft_max_tokens)
    except Exception as exc:  # a model failure must not lose the briefing
        log.warning("briefing draft failed: %s", exc)
        draft.notes.append(f"model draft failed ({type(exc).__name__}); code-built text used")
        return draft
    text = reply.content if isinstance(reply.content, str) else str(reply.content)
    bottom, lines = split_draft(text)

    sentences, reason = _model_sentences(bottom) if bottom else ([], "no bottom line")
    kept: list[tuple[str, list[int]] | None] = []
    for sentence in sentences:
        body, found, why = checked_model_sentence(sentence, pool, evidence, checker)
        kept.append((body, found) if not why else None)
        if why:
            draft.notes.append(f"model sentence replaced by a code-built one: {why}")
    if any(k is not None for k in kept):
        draft.bottom_line = " ".join(_with_markers(b, m) for b, m in _fill(kept, fallback))
    else:
        draft.notes.append(f"model bottom line rejected: {reason or 'no sentence passed'}")

    for i, d in enumerate(draft.developments):
        sentence = lines.get(d.marker)
        if not sentence:
            continue
        body, found, why = checked_model_sentence(sentence, pool, d.markers, checker)
        if why:
            draft.notes.append(f"development [{d.marker}] kept as a quote: {why}")
            continue
        support = tuple(m for m in dict.fromkeys([*found, *d.support]) if m != d.marker)
        draft.developments[i] = replace(d, text=body, support=support)
    return draft
