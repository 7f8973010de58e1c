"""Process-safe access to an embedded Chroma store: one inter-process lock and a generation file.

Chroma's embedded mode is not process-safe. Every process keeps its own in-memory HNSW index and
only catches up with other processes' writes when it writes itself, so readers return stale
results, and unsynchronised writers can leave an index that fails every query ("Error finding
id"). Reads are not read-only either: each read first applies pending log entries to the
metadata segment and the HNSW index (which may persist index files). So every Chroma call is
serialised across processes:

* ``BRIEFBOT_HOME/store.lock`` is ``fcntl.flock``-ed ``LOCK_EX`` around every store operation
  (each holds it for milliseconds: embedding happens outside). The kernel drops the lock of a
  killed process.
* ``BRIEFBOT_HOME/store.generation`` changes (atomic replace) at the start of every write. Each
  process remembers the generation its Chroma client was opened at; when the file says otherwise
  it drops its cached Chroma system and reopens it (Chroma replays its write-ahead log on open),
  so no process reads or writes with a stale index.
* ``BRIEFBOT_HOME/store.intent`` exists while a write is in progress. Finding it on entry means
  the previous writer died mid-write, so the next writer first sweeps what it left behind.

Inside one process a ``threading.RLock`` serialises threads (Streamlit runs sessions in threads)
and the flock is taken once per process with a depth count, since two ``flock`` calls on two
descriptors of one process would block each other.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from vectorstore.errors import StoreBusy

LOCK_TIMEOUT_S = float(os.environ.get("BRIEFBOT_LOCK_TIMEOUT_S", "300"))
_POLL_S = (0.001, 0.05)  # first and longest sleep between non-blocking attempts


class StoreLock:
    """The inter-process lock, generation and write-intent files of one embedded store.

    One instance per store per process (``lock_for(home)``); ``hold()`` is re-entrant.
    """

    def __init__(self, home: Path) -> None:
        self.home = home
        self.lock_path = home / "store.lock"
        self.generation_path = home / "store.generation"
        self.intent_path = home / "store.intent"
        self._mutex = threading.RLock()
        self._fd: int | None = None
        self._depth = 0
        # State shared by every ArticleStore of this path in this process (guarded by the lock).
        self.seen_generation: str | None = None  # generation our Chroma client was opened at
        self.epoch = 0  # bumped whenever this process drops its Chroma system
        self.write_depth = 0  # > 0 inside a write section

    @property
    def held(self) -> bool:
        return self._depth > 0 and self._mutex._is_owned()  # type: ignore[attr-defined]

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Exclusive access to the store across processes and threads (re-entrant)."""
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        if not self._mutex.acquire(timeout=LOCK_TIMEOUT_S):
            raise StoreBusy(f"the store at {self.home} is busy (another thread holds it)")
        try:
            if self._depth == 0:
                self._acquire(deadline)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._release()
        finally:
            self._mutex.release()

    def _acquire(self, deadline: float) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        pause = _POLL_S[0]
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise StoreBusy(
                        f"the store at {self.home} has been locked by another Briefbot process "
                        f"for over {LOCK_TIMEOUT_S:g} s"
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, _POLL_S[1])
        self._fd = fd

    def _release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
        self._fd = None

    # ---- generation ------------------------------------------------------------------------

    def generation(self) -> str:
        """The current generation token ("0" before the first write). Call with the lock held."""
        try:
            return self.generation_path.read_text(encoding="ascii").strip() or "0"
        except FileNotFoundError:
            return "0"

    def bump_generation(self) -> str:
        """Mark that this process is changing the store; call with the lock held."""
        assert self.held, "bump_generation needs the lock"
        head = self.generation().split("-", 1)[0]
        token = f"{int(head) + 1 if head.isdigit() else 1}-{uuid.uuid4().hex[:12]}"
        tmp = self.generation_path.with_name(f"{self.generation_path.name}.{os.getpid()}.tmp")
        tmp.write_text(token + "\n", encoding="ascii")
        os.replace(tmp, self.generation_path)  # atomic: others see the old or the new token
        self.seen_generation = token
        return token

    # ---- write intent ----------------------------------------------------------------------

    def previous_writer_crashed(self) -> bool:
        """True when a writer died inside its write section. Call with the lock held."""
        return self.intent_path.exists()

    @contextlib.contextmanager
    def write_intent(self, what: str) -> Iterator[None]:
        """``store.intent`` stays behind if the body never finishes (a crash, a kill, an error)."""
        self.intent_path.write_text(f"{os.getpid()} {what}\n", encoding="utf-8")
        yield
        with contextlib.suppress(FileNotFoundError):
            self.intent_path.unlink()


_LOCKS: dict[str, StoreLock] = {}
_LOCKS_GUARD = threading.Lock()


def lock_for(home: Path) -> StoreLock:
    """The one ``StoreLock`` of ``home`` in this process."""
    key = str(Path(home).resolve())
    with _LOCKS_GUARD:
        lock = _LOCKS.get(key)
        if lock is None:
            lock = _LOCKS[key] = StoreLock(Path(key))
        return lock
