"""Saving uploaded files under ``settings.home / "uploads"`` without trusting their names."""

from __future__ import annotations

import re
import unicodedata
import uuid
from pathlib import Path

ALLOWED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".jsonl")
_UNSAFE = re.compile(r"[^\w.\- ]+")


def safe_upload_name(name: str) -> str:
    """A file name derived from an untrusted upload name, unique and confined to one folder.

    Any directory part (``/`` or ``\\``) is dropped, control and format characters removed,
    ``..`` and other punctuation flattened, the length capped, and a random suffix added so
    that two uploads never overwrite each other. Unknown extensions are kept out of the
    suffix (ingest will then report the file as unsupported).
    """
    name = unicodedata.normalize("NFKC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in ("C", "Z") or ch == " ")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    suffix = f".{suffix.lower()}" if f".{suffix.lower()}" in ALLOWED_SUFFIXES else ""
    stem = _UNSAFE.sub("_", stem).replace("..", "_")
    stem = re.sub(r"\s+", " ", stem).strip(" ._-")[:80] or "upload"
    return f"{stem}-{uuid.uuid4().hex[:10]}{suffix}"


def save_upload(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to a new file in ``folder`` named by :func:`safe_upload_name`."""
    folder.mkdir(parents=True, exist_ok=True)
    root = folder.resolve()
    path = (root / safe_upload_name(name)).resolve()
    if path.parent != root:  # cannot happen with the name above; kept as a hard guarantee
        raise ValueError("refusing to write outside the uploads folder")
    with path.open("xb") as handle:
        handle.write(data)
    return path
