"""Run a slow ``bot`` call in a worker thread and replay its callbacks in the script thread.

Streamlit elements may only be updated from the script's own thread, while a model may call
``on_token`` / ``progress`` from wherever it generates. The worker puts every callback on a
queue; the script thread drains it and updates the page.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Events:
    """Callbacks handed to the bot; each only enqueues."""

    def __init__(self) -> None:
        self.queue: queue.Queue[tuple[str, Any]] = queue.Queue()

    def token(self, text: str) -> None:
        self.queue.put(("token", text))

    def progress(self, message: str) -> None:
        self.queue.put(("progress", message))


def run_with_events(
    work: Callable[[Events], T], handle: Callable[[str, Any], None], poll: float = 0.05
) -> T:
    """``work(events)`` in a thread; ``handle(kind, payload)`` here for each event, in order.

    Returns what ``work`` returned, or raises what it raised.
    """
    events = Events()
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = work(events)
        except BaseException as exc:  # re-raised in the script thread
            outcome["error"] = exc

    worker = threading.Thread(target=target, name="briefbot-ui-worker", daemon=True)
    worker.start()
    while worker.is_alive() or not events.queue.empty():
        try:
            kind, payload = events.queue.get(timeout=poll)
        except queue.Empty:
            continue
        handle(kind, payload)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


class Throttle:
    """True at most every ``interval`` seconds (and on the first call)."""

    def __init__(self, interval: float = 0.15) -> None:
        self.interval = interval
        self._last = 0.0

    def ready(self) -> bool:
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            return True
        return False
