"""Scrub secrets from any text that may reach a log, an error message or an export."""

from __future__ import annotations

import re

_PATTERNS = (
    re.compile(r"sk-[A-Za-z0-9_\-]{8,}"),  # OpenAI-style keys
    re.compile(r"(?i)(api[_-]?key|authorization|bearer)(\s*[:=]\s*|\s+)([^\s'\",]+)"),
)
_known: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret so that it is scrubbed wherever it appears, whatever its shape."""
    if value and len(value) >= 6:
        _known.add(value)


def redact(text: str) -> str:
    for secret in _known:
        text = text.replace(secret, "[redacted]")
    text = _PATTERNS[0].sub("[redacted]", text)
    return _PATTERNS[1].sub(lambda m: f"{m.group(1)}{m.group(2)}[redacted]", text)
