"""Article text is untrusted data: detecting text addressed to an AI model, and neutralising it.

Articles are written by strangers. Their text reaches a model only inside ``<passage>`` blocks
(``bot.llm.prompts``), after :func:`neutralise` has removed anything that could close the block
or pose as a chat-role or control token, and sentences that read like instructions to a model are
replaced by a notice (:func:`looks_like_instruction`). The same detector keeps such sentences out
of quotes, answers and briefings.
"""

from __future__ import annotations

import re

from vectorstore.sentences import sentence_spans

REMOVED_INSTRUCTION = "[text addressed to an AI model removed]"

# ---- untrusted text ------------------------------------------------------------------------

# Control tokens of common chat templates (ChatML, Llama, Mistral, Gemma, Phi) and role headers.
_CONTROL_TOKENS = re.compile(
    r"(?:<\|[^|<>]{0,40}\|>|\[/?INST\]|<</?SYS>>|</?s>|<start_of_turn>|<end_of_turn>)"
    r"(?:\s*(?:system|user|assistant|developer|model)\b)?",
    re.IGNORECASE,
)
_TAG_LIKE = re.compile(r"</?\s*[A-Za-z!?/][^<>\n]{0,80}>")
_INSTRUCTION_PATTERNS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        # "Ignore all previous instructions", "disregard your rules", "forget the above prompt"
        r"\b(ignore|disregard|forget|override|bypass)\s+(all|any|every|your|my)\s+(of\s+)?"
        r"(the\s+|your\s+|my\s+)?(\w+\s+)?(instruction|prompt|rule|direction|guideline)s?\b",
        r"\b(ignore|disregard|forget|override|bypass)\s+(the\s+|these\s+|those\s+)?(previous|"
        r"prior|above|earlier|preceding|system|original)\s+(instruction|prompt|rule|direction|"
        r"guideline|message)s?\b",
        # a chat role header at the start of a sentence: "System: you are now ..."
        r"^\W{0,4}(system|assistant|developer)\s*(prompt|message|override)?\s*:",
        r"\b(new|updated|hidden|secret|real)\s+(system\s+)?(instructions?|prompt)\s*:",
        r"\bsystem\s+prompt\b",
        r"\byou\s+are\s+now\s+(an?\s+|the\s+|in\s+)?(ai|assistant|bot|chatbot|model|"
        r"language\s+model|unrestricted|jailbroken|developer\s+mode|dan)\b",
        r"\bact\s+as\s+(an?\s+)?(ai|assistant|chatbot|language\s+model)\b",
        r"\b(reply|respond|answer|output|print|write|say|type)\s+(only|exactly|just|solely)\b"
        r"[^.!?\n]{0,20}[:\"“'‘]",
        r"\b(do\s+not|don't|never)\s+(follow|obey)\s+(the\s+|your\s+|any\s+)?((previous|"
        r"system|original)\s+)?(instruction|rule|prompt)s?\b",
        r"\b(reveal|print|show|repeat|output|leak)\s+(your|the)\s+(system\s+)?(prompt|"
        r"instructions)\b",
        # text addressed to AI systems: "Note to AI assistants: ...", "when asked X, answer Y"
        r"\b(note|message|instructions?|attention|memo)\s+(to|for)\s+(all\s+|any\s+)?(ai|llm|"
        r"language\s+model|chatbot|assistant|bot)s?\b",
        r"\b(ai|llm|chatbot|assistant|language\s+model)s?\b[^.!?\n]{0,40}\b(must|should|shall)\s+"
        r"(always\s+|never\s+|only\s+)?(answer|reply|respond|say|state|claim|tell)\b",
        r"\bwhen\s+(you\s+are\s+)?asked\b[^.!?\n]{0,100}\b(answer|reply|respond|say)\s+(that|with|:)",
        r"\banswer\s+every\s+question\b",
    )
]
_QUOTED = re.compile(r"“([^”\n]{3,200})”|\"([^\"\n]{3,200})\"|«([^»\n]{3,200})»|'([^'\n]{3,200})'")


def looks_like_instruction(text: str) -> bool:
    """True when ``text`` reads like an order to an AI model (prompt injection), not news."""
    return bool(_CONTROL_TOKENS.search(text)) or any(p.search(text) for p in _INSTRUCTION_PATTERNS)


def neutralise(text: str) -> str:
    """Passage text safe to put inside a ``<passage>`` block.

    Control tokens and tag-like sequences are removed (so an article cannot close the data block
    or open a chat turn), remaining angle brackets become look-alikes, and instruction-like
    sentences are replaced by :data:`REMOVED_INSTRUCTION`. Only the model's view changes: quotes
    are always taken from the stored article text.
    """
    text = _CONTROL_TOKENS.sub(" ", text)
    text = _TAG_LIKE.sub(" ", text)
    pieces: list[str] = []
    cursor = 0
    for start, end in sentence_spans(text):
        pieces.append(text[cursor:start])
        sentence = text[start:end]
        pieces.append(REMOVED_INSTRUCTION if looks_like_instruction(sentence) else sentence)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces).replace("<", "‹").replace(">", "›")


def injected_payloads(text: str) -> list[str]:
    """What instruction-like sentences of ``text`` ask a model to say (their quoted strings and
    the sentences themselves): an answer containing any of these is repeating an injection."""
    payloads: list[str] = []
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        if not looks_like_instruction(sentence):
            continue
        payloads.append(sentence)
        for match in _QUOTED.finditer(sentence):
            quoted = next(g for g in match.groups() if g)
            if len(quoted.split()) >= 2 or len(quoted) >= 6:
                payloads.append(quoted)
    return payloads
