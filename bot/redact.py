"""Scrub secrets from any text that may reach a log, an error message or an export.

``redact(text)`` replaces API keys (OpenAI-style ``sk-...``, ``Bearer``/``api_key=`` values and
every secret registered with ``register_secret`` or found in a ``*_API_KEY``/``*_TOKEN``/
``*_SECRET``/``*_PASSWORD`` environment variable) with ``[redacted]``.

``install_log_redaction()`` is the one switch for logs: call it once at start-up (the CLI's
``main`` and the web app do). From then on every log record of every logger is scrubbed when it
is created (message, arguments, exception text and stack), whichever handler later prints it,
and uncaught exceptions are printed through ``redact`` as well.

``terminal_safe(text)`` removes terminal control sequences (ANSI/OSC escapes, other C0/C1
controls) from text about to be printed to a terminal.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import traceback
from types import TracebackType

_REDACTED = "[redacted]"
_PATTERNS = (
    re.compile(r"sk-[A-Za-z0-9_\-]{8,}"),  # OpenAI-style keys (sk-..., sk-proj-...)
    # "api_key=...", "Authorization: Bearer ...", "bearer ...", JSON "api_key": "..."
    re.compile(
        r"(?i)(?<![a-z0-9])(api[_-]?key|authorization|bearer)([\"']?\s*[:=]\s*[\"']?|\s+)"
        r"(?!\[redacted\])((?:bearer|basic|token)\s+)?([^\s'\",&;]+)"
    ),
    # "password=...", "client_secret: ...", "access_token=..." (a separator is required)
    re.compile(
        r"(?i)(?<![a-z0-9])([a-z_]*(?:token|secret|password|passwd))([\"']?\s*[:=]\s*[\"']?)"
        r"(?!\[redacted\])()([^\s'\",&;]+)"
    ),
)
_SECRET_ENV = re.compile(r"(?i)(api_?key|token|secret|password)$")
_known: set[str] = set()
_known_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remember a secret so that it is scrubbed wherever it appears, whatever its shape."""
    if value and len(value) >= 6:
        with _known_lock:
            _known.add(value)


def register_env_secrets(environ: dict[str, str] | None = None) -> None:
    """Register the values of ``OPENAI_API_KEY`` and every ``*_API_KEY``/``*_TOKEN``/
    ``*_SECRET``/``*_PASSWORD`` variable."""
    env = os.environ if environ is None else environ
    for name, value in env.items():
        if _SECRET_ENV.search(name):
            register_secret(value)


def redact(text: str) -> str:
    """``text`` with every known or key-shaped secret replaced by ``[redacted]``."""
    if not text:
        return text
    with _known_lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, _REDACTED)
    text = _PATTERNS[0].sub(_REDACTED, text)
    for pattern in _PATTERNS[1:]:
        text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3) or ''}{_REDACTED}", text)
    return text


# ---- logging --------------------------------------------------------------------------------


def _scrub_record(record: logging.LogRecord) -> logging.LogRecord:
    """Format the message now, scrubbed, so no handler or formatter can see the secret."""
    if getattr(record, "_briefbot_redacted", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string must not lose the record
        message = f"{record.msg!r} % {record.args!r}"
    record.msg = redact(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record._briefbot_redacted = True  # type: ignore[attr-defined]
    return record


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs secrets from every record it sees (never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        _scrub_record(record)
        return True


_FILTER = RedactingFilter()
_installed = False
_install_lock = threading.Lock()


def install_log_redaction() -> None:
    """Scrub secrets from every log record and uncaught exception of this process (idempotent).

    Three layers, because a filter on the root logger alone misses records of child loggers:
    the log-record factory scrubs each record as it is created, the filter sits on the root
    logger and its handlers, and ``sys.excepthook``/``threading.excepthook`` print tracebacks
    through ``redact``.
    """
    global _installed
    with _install_lock:
        register_env_secrets()
        root = logging.getLogger()
        if _FILTER not in root.filters:
            root.addFilter(_FILTER)
        for handler in root.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
        if _installed:
            return
        previous_factory = logging.getLogRecordFactory()

        def factory(*args: object, **kwargs: object) -> logging.LogRecord:
            return _scrub_record(previous_factory(*args, **kwargs))

        logging.setLogRecordFactory(factory)

        def excepthook(
            kind: type[BaseException], value: BaseException, tb: TracebackType | None
        ) -> None:
            sys.stderr.write(redact("".join(traceback.format_exception(kind, value, tb))))

        sys.excepthook = excepthook

        def thread_hook(args: threading.ExceptHookArgs) -> None:
            text = "".join(
                traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)
            )
            sys.stderr.write(redact(f"Exception in thread {args.thread}:\n{text}"))

        threading.excepthook = thread_hook
        _installed = True


# ---- terminals ------------------------------------------------------------------------------

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), other ESC sequences, C1 CSI/OSC, then any
# remaining C0/C1 control except tab and newline.
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[@-Z\\-_]?"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x9d[^\x07\x9c]*[\x07\x9c]?"
)
# C0/C1 controls but tab and newline, and the bidi embeddings/overrides/isolates that can make
# printed text read differently from what it is ("Trojan Source").
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """``text`` without escape sequences or control characters (tab and newline kept).

    Use on anything from an article (title, text, source, URL) printed to a terminal: a stored
    ``\\x1b[2J`` must not clear the screen, an OSC 8 sequence must not plant a hidden link.
    """
    if not text:
        return text
    text = text.replace("\r\n", "\n")
    return _CONTROLS.sub("", _ANSI.sub("", text))
