"""Text the model itself puts in quotation marks is checked too: a "quotation" found in no source
is flagged and loses its quotation marks, so it is never presented as something a source said.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from vectorstore.models import Article

# “…”, „…“, «…», ‹…›, "…", and '…' / ‘…’ when not an apostrophe (no letter right before the opener).
_QUOTATION = re.compile(
    r"“(?P<a>[^”\n]+)”|„(?P<b>[^“”\n]+)[“”]|«\s?(?P<c>[^»\n]+?)\s?»|‹(?P<d>[^›\n]+)›"
    r"|(?<![\w\"])\"(?P<e>[^\"\n]+)\"(?![\w])"
    r"|(?<![\w‘’'])‘(?P<f>[^’\n]+)’(?![\w])"
    r"|(?<![\w'’])'(?P<g>[^'\n]+)'(?![\w])"
)
_QUOTE_CHARS = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‹": "'", "›": "'"}
)


def normalise_for_match(text: str) -> str:
    """Case-folded, NFKC, straight quotes, single spaces: the comparison form for quotations."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTE_CHARS)
    return re.sub(r"\s+", " ", text).strip().casefold()


def _quotation_found(quoted: str, haystacks: Sequence[str]) -> bool:
    parts = [p for p in re.split(r"\.\.\.|…", quoted) if p.strip()]
    parts = [normalise_for_match(p).strip(" .,;:!?'\"-–—") for p in parts]
    parts = [p for p in parts if p]
    if not parts:
        return True  # nothing quoted but punctuation
    return any(all(p in hay for p in parts) for hay in haystacks)


def _quotations(answer_text: str) -> Iterable[re.Match[str]]:
    for match in _QUOTATION.finditer(answer_text):
        quoted = next(g for g in match.groups() if g is not None)
        # a single quoted word is a term in scare quotes, not a quotation of a source
        if len(quoted.split()) >= 2:
            yield match


def strip_unsupported_quotations(
    answer_text: str, articles: Iterable[Article | str]
) -> tuple[str, list[str]]:
    """``answer_text`` with the quotation marks removed from every quotation that appears in
    none of ``articles`` (compared after :func:`normalise_for_match`), and those quotations."""
    haystacks = [normalise_for_match(a if isinstance(a, str) else a.text) for a in articles]
    flagged: list[str] = []
    pieces: list[str] = []
    cursor = 0
    for match in _quotations(answer_text):
        quoted = next(g for g in match.groups() if g is not None)
        if _quotation_found(quoted, haystacks):
            continue
        flagged.append(quoted.strip())
        pieces.append(answer_text[cursor : match.start()])
        pieces.append(quoted.strip())
        cursor = match.end()
    pieces.append(answer_text[cursor:])
    return "".join(pieces), flagged


def find_unsupported_quotations(answer_text: str, articles: Iterable[Article | str]) -> list[str]:
    """Text the model put in quotation marks (“…”, "…", «…», ‘…’) that no given article contains
    (whitespace, case and curly/straight quotes normalised). Use
    :func:`strip_unsupported_quotations` to also remove their quotation marks from the answer."""
    return strip_unsupported_quotations(answer_text, articles)[1]
