"""Language of an article: a cheap test for text that is plainly English, langdetect otherwise.

langdetect is pure Python and costs a few milliseconds per article (most of ingest's parsing
time on short articles). Nearly every article in an English news corpus is recognisable at a
glance: many English function words and none of other languages'. Only those skip langdetect;
anything else (short, accented, mixed or foreign text) is decided by langdetect as before, so
non-English articles are detected exactly as they were.
"""

from __future__ import annotations

import re

from langdetect import DetectorFactory, detect_langs

DetectorFactory.seed = 0  # langdetect is random by default; the same text must give the same answer

SAMPLE_CHARS = 2000  # both tests look at the start of the text only

# Frequent English function words (a few, such as "in" and "was", are words elsewhere too:
# other languages' words below veto the test).
_ENGLISH = frozenset(
    """
    the and that with this which from have has had been were their they them would could
    should said says are its not but who what when about there than after into also of to in
    is was for on at by as he it his be an or will we you our more other over
    """.split()  # noqa: SIM905 - a word list reads better as text
)

# Frequent function words of other Latin-script languages that are not English words
# (French, German, Spanish, Italian, Portuguese, Dutch, Scandinavian, Polish, Indonesian,
# Romanian): a few of them in a text mean langdetect must decide.
_OTHER = frozenset(
    """
    le la les des du une est pas que qui dans pour sur avec au aux et ce cette sont ont
    der das und ist nicht ein eine dem des mit sich auch auf für von zu im
    el los las del por una es y se su más como pero
    il che della sono gli nel alla dei
    os da dos na em um uma ao pela pelo não
    het een van niet zijn op dat voor wordt
    och att är som det för på inte med av till en ett
    og ikke af til
    jest nie się w z że jak
    yang untuk dengan ini itu pada dari akan
    și cu pentru sunt nu în
    """.split()  # noqa: SIM905 - a word list reads better as text
)

_WORD = re.compile(r"[^\W\d_]+")
_MIN_WORDS = 12
_MIN_ENGLISH_SHARE = 0.15  # English news prose: ~0.3-0.45
_MAX_OTHER_SHARE = 0.03
_MAX_NON_ASCII_LETTERS = 0.02


def plainly_english(sample: str) -> bool:
    """True when ``sample`` is unmistakably English prose: at least 12 words, 15% or more of
    them English function words, at most 3% other languages' function words, and almost only
    ASCII letters. False means "ask langdetect", not "not English"."""
    words = _WORD.findall(sample)
    if len(words) < _MIN_WORDS:
        return False
    letters = sum(map(len, words))
    non_ascii = sum(1 for w in words if not w.isascii() for c in w if not c.isascii())
    if non_ascii > _MAX_NON_ASCII_LETTERS * letters:
        return False
    lowered = [w.lower() for w in words]
    english = sum(1 for w in lowered if w in _ENGLISH)
    other = sum(1 for w in lowered if w in _OTHER)
    return english >= _MIN_ENGLISH_SHARE * len(words) and other <= _MAX_OTHER_SHARE * len(words)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the first ~2000 characters, or None when langdetect cannot tell."""
    sample = text[:SAMPLE_CHARS]
    if sum(1 for c in sample if c.isalpha()) < 20:
        return None
    if plainly_english(sample):
        return "en"
    return langdetect_language(sample)


def langdetect_language(sample: str) -> str | None:
    """langdetect's best guess for ``sample`` (no cheap test), or None when it cannot tell."""
    try:
        guesses = detect_langs(sample)
    except Exception:  # noqa: BLE001 - LangDetectException and friends: unknown is fine
        return None
    if not guesses:
        return None
    return guesses[0].lang.split("-")[0].lower() if guesses[0].lang != "zh-cn" else "zh"
