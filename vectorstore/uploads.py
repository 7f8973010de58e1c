"""Saving uploaded files under ``BRIEFBOT_HOME/uploads`` whatever name the browser sends.

A file name from an upload is untrusted input: it may hold path separators of either platform,
``..``, NUL and other control characters, bidirectional-override characters that disguise the
extension, reserved Windows names, or be empty or enormous. ``save_upload`` keeps only a safe
base name, never overwrites an existing file, and checks that the final path resolves inside
the uploads folder before writing (atomically: no half-written file is ever visible). This is
the one place an upload is written: the web app's Library page calls :func:`save_upload`.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from pathlib import Path

UPLOADS_DIR = "uploads"
MAX_NAME_CHARS = 120
_FALLBACK = "upload"
# Controls, separators of every platform, characters Windows forbids, and invisible formatting
# characters (bidi overrides, zero-width) that make "evil\u202egnp.txt" look like another name.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f/\\:*?\"<>|]")
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)


class UploadRejected(ValueError):
    """The upload cannot be saved (empty data is fine; this is for impossible targets)."""


def safe_filename(filename: str, max_chars: int = MAX_NAME_CHARS) -> str:
    """A base name that is safe on every platform; never empty, never hidden, never ``..``."""
    name = unicodedata.normalize("NFKC", filename or "")
    # Keep the last component of either platform's path.
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cf", "Cc", "Cs", "Co"))
    name = _UNSAFE.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip()
    bare = re.fullmatch(r"\.+([A-Za-z0-9]{1,16})", name)  # ".txt": keep the type, not the dot
    if bare:
        name = f"{_FALLBACK}.{bare.group(1)}"
    name = name.strip(" .").lstrip(".-_ ")  # no leading dots (hidden files, "..")
    if not name or set(name) <= {".", "_"}:
        name = _FALLBACK
    if _RESERVED.match(name):
        name = f"_{name}"
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        stem, suffix = name, ""
    suffix = suffix[:16]
    room = max_chars - (len(suffix) + 1 if suffix else 0)
    stem = stem[: max(room, 1)].rstrip(" .") or _FALLBACK
    return f"{stem}.{suffix}" if suffix else stem


def save_upload(home: Path, filename: str, data: bytes) -> Path:
    """Write ``data`` to ``home/uploads/<safe name>`` and return the path.

    A name already taken gets a ``-2``, ``-3`` … suffix before the extension. The write goes to
    a temporary file that is then linked into place without replacing anything, so concurrent
    uploads of the same name both survive.
    """
    root = Path(home).resolve()
    folder = (root / UPLOADS_DIR).resolve()
    if not folder.is_relative_to(root):  # a planted symlink for the folder itself
        raise UploadRejected(f"{root / UPLOADS_DIR} points outside {root}")
    folder.mkdir(parents=True, exist_ok=True)
    name = safe_filename(filename)
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        stem, suffix = name, ""
    tmp = folder / f".tmp-{secrets.token_hex(8)}"
    with open(tmp, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        for n in range(1, 10_000):
            candidate = name if n == 1 else f"{stem}-{n}{dot}{suffix}"
            target = folder / candidate
            if os.path.lexists(target):  # taken, even by a dangling symlink: never touch it
                continue
            if target.parent != folder or not target.resolve().is_relative_to(folder):
                raise UploadRejected(f"refusing to write outside {folder}: {filename!r}")
            try:
                os.link(tmp, target)  # fails if the name exists: never overwrites
            except FileExistsError:
                continue
            except OSError:  # no hard links on this filesystem: exclusive create instead
                try:
                    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                except FileExistsError:
                    continue
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
            return target
        raise UploadRejected(f"too many uploads named {name!r}")
    finally:
        tmp.unlink(missing_ok=True)
