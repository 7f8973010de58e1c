"""Bytes -> normalized text, refusing binary data.

Order matters: a BOM is authoritative, valid UTF-8 is almost never an accident, and only then do
we guess. charset-normalizer alone mislabels short Western text (it reads French cp1252 as
cp1250, "très" -> "trčs"), so a single-byte guess has to beat cp1252 on plausibility to win.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

import charset_normalizer

from .errors import ParseError

# Magic numbers of formats people drop into an upload box by mistake.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"PK\x03\x04", "ZIP archive or Office document"),
    (b"PK\x05\x06", "ZIP archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\x28\xb5\x2f\xfd", "zstd archive"),
    (b"\x7fELF", "ELF executable"),
    (b"\xcf\xfa\xed\xfe", "Mach-O executable"),
    (b"\xca\xfe\xba\xbe", "Java class or Mach-O binary"),
    (b"\x00asm", "WebAssembly module"),
    (b"%PDF-", "PDF document"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"OggS", "Ogg media"),
    (b"ID3", "MP3 audio"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "legacy Office document"),
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Bytes that never occur in text: C0 controls other than \t \n \f \r and ESC, plus DEL.
_CONTROL_BYTES = frozenset(
    set(range(0x00, 0x09)) | {0x0B} | set(range(0x0E, 0x1B)) | {0x1C, 0x1D, 0x1E, 0x1F, 0x7F}
)
_MAX_CONTROL_RATIO = 0.02

# C0/C1 controls except \t and \n, zero-width characters, BOMs and lone surrogates.
_STRIP_CHARS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff\u180e\ud800-\udfff]"
)
_LINE_SEPARATORS = re.compile("\r\n|[\r\u2028\u2029\x0b\x0c\x85]")


def sniff_binary(data: bytes) -> str | None:
    """Name the binary format ``data`` looks like, or None if it may be text."""
    head = data[:16]
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if head[4:8] == b"ftyp":
        return "MP4/QuickTime media"
    if head.startswith(b"RIFF") and head[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return {b"WEBP": "WebP image", b"WAVE": "WAV audio", b"AVI ": "AVI video"}[head[8:12]]
    return None


def _binary_error(reason: str, what: str) -> ParseError:
    return ParseError(f"binary {what} ({reason}), not an article")


def _looks_non_latin(text: str) -> bool:
    """True when most letters are outside ASCII, i.e. the text is in a non-Latin script."""
    letters = [c for c in text[:20000] if c.isalpha()]
    if not letters:
        return False
    return sum(1 for c in letters if ord(c) > 0x7F) / len(letters) > 0.5


_ODD_IN_WORD = re.compile(r"(?<=[^\W\d_])[^\w\s\x00-\x7f](?=[^\W\d_])")


def _oddity(text: str) -> int:
    """Count symbols wedged between letters ("Za¿ó³æ"): the mark of a wrong single-byte codec."""
    return len(_ODD_IN_WORD.findall(text)) + text.count("\ufffd") * 4


def _is_single_byte(encoding: str) -> bool:
    try:
        return len(bytes(range(256)).decode(encoding, errors="replace")) == 256
    except LookupError:
        return False


def _decode_cp1252(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:  # 0x81 0x8D 0x8F 0x90 0x9D are undefined in cp1252
        return data.decode("latin-1")


def _guess_decode(data: bytes, declared: str | None) -> str:
    """Decode bytes that are not valid UTF-8."""
    if declared:
        try:
            name = codecs.lookup(declared).name
            if name in ("latin-1", "iso8859-1", "ascii"):
                name = "cp1252"  # what browsers do, and what such pages really are
            if name not in ("utf-8", "utf-16", "utf-32"):
                return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    western = _decode_cp1252(data)
    try:
        best = charset_normalizer.from_bytes(data[:200_000]).best()
    except Exception:  # noqa: BLE001 - a detector bug must not turn into a crash
        best = None
    if best is None:
        return western
    try:
        encoding = codecs.lookup(best.encoding).name
    except LookupError:
        return western
    if encoding.startswith(("utf-16", "utf-32")):  # never plausible without a BOM or NULs
        return western
    try:
        guessed = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return western
    if not _is_single_byte(encoding):  # CJK and other multi-byte codecs: trust the detector
        return guessed
    if _looks_non_latin(guessed):  # Cyrillic, Greek, Arabic, Hebrew single-byte code pages
        return guessed
    return guessed if _oddity(guessed) < _oddity(western) else western


def normalize_text(text: str) -> str:
    """Newlines to ``\\n``, NFC, no zero-width or control characters (``\\n``/``\\t`` kept)."""
    text = _LINE_SEPARATORS.sub("\n", text)
    text = unicodedata.normalize("NFC", text)
    return _STRIP_CHARS.sub("", text)


def decode_bytes(data: bytes, declared: str | None = None, what: str = "file") -> str:
    """Turn raw bytes into normalized text or raise ParseError (empty, binary).

    ``declared`` is a charset named by the transport (HTTP header, HTML meta); it is only
    consulted when the bytes are not valid UTF-8. ``what`` names the thing in messages.
    """
    if not data:
        raise ParseError(f"empty {what}")
    text: str | None = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise ParseError(
                    f"{what} starts with a {encoding} BOM but is not {encoding}: {exc.reason}"
                ) from None
            break
    if text is None:
        kind = sniff_binary(data)
        if kind:
            raise _binary_error(f"looks like {kind}", what)
        sample = data[:65536]
        if b"\x00" in sample:
            raise _binary_error("contains NUL bytes", what)
        controls = sum(1 for b in sample if b in _CONTROL_BYTES)
        if controls / len(sample) > _MAX_CONTROL_RATIO:
            raise _binary_error("too many control bytes", what)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _guess_decode(data, declared)
    text = normalize_text(text)
    if not text.strip():
        raise ParseError(f"empty {what}")
    return text


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)


def sniff_meta_charset(data: bytes) -> str | None:
    """The ``<meta charset>`` an HTML document declares in its first 4 KB, if any."""
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None
