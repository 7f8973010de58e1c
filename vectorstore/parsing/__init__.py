"""Parsing layer: files and URLs -> clean article text plus metadata (``ParsedDocument``).

``read_path``/``read_url`` raise ``ParseError`` (a human-readable reason) only when nothing usable
came out; the ``*_detailed`` variants also return per-line / per-entry errors for partial
failures (a bad JSONL line, a dead feed entry).
"""

from __future__ import annotations

import logging
from pathlib import Path

from vectorstore.config import StoreConfig
from vectorstore.models import ParsedDocument

from .clean import clean_text
from .decode import decode_bytes, sniff_meta_charset
from .errors import ParseError, check_file_size
from .html import parse_html
from .jsonl import parse_jsonl
from .pdf import parse_pdf
from .text import parse_text
from .web import read_url_detailed

__all__ = [
    "SUPPORTED_SUFFIXES",
    "ParseError",
    "clean_text",
    "decode_bytes",
    "read_path",
    "read_path_detailed",
    "read_url",
    "read_url_detailed",
]

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".html", ".htm", ".pdf", ".jsonl"})


def _read_bytes(path: Path, limit: int) -> bytes:
    """Read at most ``limit`` bytes, refusing bigger files before reading them."""
    try:
        if path.is_dir():
            raise ParseError("is a folder, not a file")
        size = path.stat().st_size
        check_file_size(size, limit)
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise ParseError("file not found") from None
    except PermissionError:
        raise ParseError("permission denied") from None
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror or exc}") from None
    check_file_size(len(data), limit)  # it grew between stat and read
    return data


def read_path_detailed(path: Path, config: StoreConfig) -> tuple[list[ParsedDocument], list[str]]:
    """One file -> (documents, per-line errors). Raises ParseError when nothing is usable."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ParseError(
            f"unsupported file type {suffix}" if suffix else "unsupported file type (no extension)"
        )
    origin = str(path)
    data = _read_bytes(path, config.max_file_bytes)
    if suffix == ".pdf":
        return [parse_pdf(data, origin, config)], []
    if suffix in (".html", ".htm"):
        text = decode_bytes(data, declared=sniff_meta_charset(data))
        return [parse_html(text, origin, config)], []
    text = decode_bytes(data)
    if suffix == ".jsonl":
        docs, errors = parse_jsonl(text, origin, config)
        if not docs:
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise ParseError(f"no usable articles: {errors[0]}{more}" if errors else "empty file")
        return docs, errors
    return [parse_text(text, origin, config, markdown=suffix == ".md")], []


def read_path(path: Path, config: StoreConfig) -> list[ParsedDocument]:
    """One file -> documents; bad JSONL lines are logged and skipped (see read_path_detailed)."""
    docs, errors = read_path_detailed(path, config)
    for error in errors:
        log.warning("%s: %s", path, error)
    return docs


def read_url(url: str, config: StoreConfig) -> list[ParsedDocument]:
    """One URL (article page or RSS/Atom feed) -> documents; dead feed entries are logged."""
    docs, errors = read_url_detailed(url, config)
    for error in errors:
        log.warning("%s: %s", url, error)
    return docs
