"""Boilerplate removal shared by every format.

Quotes are later verified character-for-character against the stored text, so cleaning only
ever drops *whole* boilerplate lines (plus a skip link glued to the start and a "Source link"
glued to the end). It never reflows paragraphs or touches punctuation inside the article.
"""

from __future__ import annotations

import re

from .decode import normalize_text

# "Skip to content" at the very start, on its own line or glued to the headline.
_SKIP_LINK = re.compile(
    r"^\s*(?i:skip|jump)\s+(?i:to)\s+"
    r"(?i:main\s+content|content|main|navigation|main\s+menu|search|footer)"
    r"(?:[ \t\xa0]*(?:\n|$)|(?=[^a-z]))"
)

# "...(ICBMs).Source link" or "...(ICBMs). Source link" at the very end.
_TRAILING_SOURCE_LINK = re.compile(r"(?<=[.!?\"”’)\]])[ \t\xa0]*Source link[ \t\xa0]*\Z")

_PUNCT_AROUND = " \t\xa0:|.!-–—»›>•·*#_"

# Whole lines (compared lower-cased, trimmed of the punctuation above) that are never article text.
_EXACT_LINES = frozenset(
    """
    source link|source|share|share this|share this article|share this story|share this page
    share on facebook|share on twitter|share on x|share on linkedin|share on whatsapp
    share on reddit|share via email|share by email|share via e-mail|email this article
    tweet|email|e-mail|print|print this article|copy link|copy link to clipboard|link copied
    facebook|twitter|linkedin|whatsapp|reddit|pinterest|telegram|flipboard|messenger
    advertisement|advertising|ad|sponsored|sponsored content|paid content|story continues below
    story continues below advertisement|article continues below advertisement
    scroll to continue|scroll to continue with content|continue reading|read more|show more
    load more|comments|view comments|leave a comment|skip advertisement|skip advert
    subscribe|subscribe now|sign up|sign in|log in|newsletter|menu|close|back to top
    accept|accept all|accept cookies|accept all cookies|reject all|manage cookies
    cookie settings|cookie preferences|manage preferences|got it|i agree
    related|related articles|related stories|related content|related coverage|most read
    most popular|trending|trending now|recommended|recommended for you|you may also like
    you might also like|more stories|more from this section|top stories|latest news
    """.replace("\n", "|").split("|")
) - {""}
_EXACT_LINES = frozenset(line.strip() for line in _EXACT_LINES)

# Links to other stories: "See also\xa0 floating dams set up to stop pollution", "Read more: ...".
_SEE_ALSO = re.compile(
    r"^(?i:see\s+also|read\s+also|also\s+read|read\s+more|related(?:\s+(?:articles?|stories|coverage|content|news))?"
    r"|more\s+on\s+this(?:\s+(?:story|topic))?|you\s+may\s+also\s+like|you\s+might\s+also\s+like)"
    r"(?P<sep>[ \t]*[:|»›>–—\-][ \t\xa0]*|[ \t]*\xa0[ \t\xa0]*|[ \t]+)(?P<rest>\S.*)$"
)

# Share / follow / newsletter widgets with a tail ("Follow us on Twitter and Instagram").
_WIDGET_PREFIX = re.compile(
    r"^(?i:share\s+(?:on|via|to|this)\s|click\s+to\s+(?:share|email|print)\s"
    r"|follow\s+us\s+on\s|follow\s+us\b|follow\s+\S+(?:\s+\S+)?\s+on\s+(?:twitter|x|facebook|instagram|threads|bluesky|linkedin)\b"
    r"|subscribe\s+to\s+(?:our|the)\s+(?:\S+\s+){0,3}?newsletters?\b"
    r"|sign\s+up\s+(?:for|to)\s+(?:our|the)\s+(?:\S+\s+){0,3}?newsletters?\b"
    r"|get\s+(?:our|the)\s+(?:\S+\s+){0,3}?newsletter\b|download\s+(?:our|the)\s+app\b)"
)

_COOKIE = re.compile(
    r"^(?i:we\s+use\s+cookies|we\s+and\s+our\s+partners\s+use\s+cookies"
    r"|this\s+(?:web\s*)?site\s+uses\s+cookies|our\s+(?:web\s*)?site\s+uses\s+cookies"
    r"|by\s+(?:continuing|using)\b.{0,80}\bcookies|cookies\s+help\s+us|cookie\s+(?:policy|notice|consent)\b)"
)

_COPYRIGHT = re.compile(r"^(?:©|\(c\)|(?i:copyright))\s.{0,150}(?i:all\s+rights\s+reserved)\.?$")
_SENTENCE_END = re.compile(r"[.!?…\"”’]$")
_MANY_BLANKS = re.compile(r"\n{3,}")


def _words(text: str) -> int:
    return len(text.split())


def is_boilerplate_line(line: str) -> bool:
    """True for a whole line that is site furniture rather than article text."""
    stripped = line.strip(" \t\xa0")
    if not stripped:
        return False
    if stripped.strip(_PUNCT_AROUND).lower() in _EXACT_LINES:
        return True
    match = _SEE_ALSO.match(stripped)
    if match:
        separated = match.group("sep").strip(" \t") != ""  # ":", "»", a no-break space...
        rest = match.group("rest")
        if separated and _words(rest) <= 30:
            return True
        if _words(rest) <= 20 and not _SENTENCE_END.search(rest):
            return True
    if _words(stripped) <= 25 and _WIDGET_PREFIX.match(stripped):
        return True
    if _words(stripped) <= 80 and _COOKIE.match(stripped):
        return True
    return bool(_COPYRIGHT.match(stripped))


def clean_text(text: str) -> str:
    """Normalize ``text`` and drop web boilerplate; never raises, may return ``""``.

    Cleaning repeats until nothing changes: dropping a boilerplate line can bring a skip link
    to the start ("See also …" above "Skip to content"), and stored text must be clean for good
    (re-ingesting it changes nothing)."""
    text = normalize_text(text)
    while True:
        cleaned = _clean_once(text)
        if cleaned == text:
            return cleaned
        text = cleaned


def _clean_once(text: str) -> str:
    while True:  # several skip links can be stacked
        stripped = _SKIP_LINK.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    lines = [line.rstrip(" \t") for line in text.split("\n")]
    kept = [line for line in lines if not is_boilerplate_line(line)]
    text = "\n".join(kept).strip()
    text = _TRAILING_SOURCE_LINK.sub("", text).rstrip()
    return _MANY_BLANKS.sub("\n\n", text)
