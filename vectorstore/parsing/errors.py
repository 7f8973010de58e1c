"""The one exception the parsing layer raises, plus the size-limit checks that produce it.

Every message is shown to the user next to the file or URL it concerns, so it says what is wrong
in plain words rather than naming an exception class.
"""

from __future__ import annotations


class ParseError(Exception):
    """A file or URL could not be turned into an article; ``str(err)`` is the human reason."""


def format_size(n_bytes: int) -> str:
    """``31_666_995`` -> ``"30.2 MB"``; whole numbers lose their ``.0`` (``"25 MB"``)."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n_bytes >= factor:
            value = f"{n_bytes / factor:.1f}".removesuffix(".0")
            return f"{value} {unit}"
    return f"{n_bytes} bytes"


def check_file_size(size: int, limit: int, what: str = "file") -> None:
    """Refuse anything over ``StoreConfig.max_file_bytes`` before it is read into memory."""
    if size > limit:
        raise ParseError(
            f"{what} is {format_size(size)}, over the {format_size(limit)} limit "
            "(BRIEFBOT_MAX_FILE_BYTES)"
        )


def check_article_length(text: str, limit: int) -> None:
    """Refuse clean article text longer than ``StoreConfig.max_article_chars``."""
    if len(text) > limit:
        raise ParseError(
            f"article text is {len(text):,} characters, over the {limit:,} character limit"
        )
