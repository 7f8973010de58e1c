"""Who speaks: speech verbs, titles, names and the attribution patterns of news sentences.

Everything here is deterministic pattern matching over one sentence (plus, for pronouns and
roles, the article it comes from). It only points at text; it never rewrites a quote. Briefings
use :func:`find_attributions` for actors' positions; answers use :func:`claimed_speaker` to
check that a sentence's speaker is in its quote.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.text.words import word_set

# ---- attribution ---------------------------------------------------------------------------

SPEECH_VERBS = (
    "said|says|say|told|tells|added|adds|warned|warns|stressed|stresses|insisted|insists|"
    "called|calls|denied|denies|accused|accuses|assured|assures|argued|argues|claimed|claims|"
    "noted|notes|stated|states|announced|announces|declared|declares|urged|urges|estimated|"
    "estimates|considered|considers|criticized|criticised|criticizes|criticises|continued|"
    "reported|reports|explained|explains|wrote|writes|maintained|maintains|admitted|admits|"
    "acknowledged|acknowledges|testified|testifies|confirmed|confirms|rejected|rejects|"
    "denounced|denounces|emphasized|emphasised|emphasizes|pledged|pledges|vowed|vows|"
    "promised|promises|threatened|threatens|predicted|predicts|believes|believed|suggested|"
    "suggests|asserted|asserts|countered|replied|replies|responded|responds|alleged|alleges|"
    "contended|contends|stressed|reiterated|reiterates|recalled|recalls|complained|complains|"
    "demanded|demands|welcomed|welcomes|condemned|condemns|defended|defends|estimated|"
    "concluded|concludes|observed|observes|announced|ruled|rules|disputed|disputes|"
    "questioned|questions|described|describes|agreed|agrees|objected|objects|hailed|hails"
)
_VERB = re.compile(rf"\b({SPEECH_VERBS})\b")

CLAIM_SPEECH_VERBS = (
    "said|says|say|stated|states|told|tells|announced|announces|added|adds|reiterated|warned|"
    "warns|claimed|claims|insisted|argued|noted|explained|assured|declared|stressed|called|"
    "considered|accused|reported|reports|confirmed|denied|rejected"
)
"""The speech verbs an answer's sentence is read for ("Kim said ..."): the common ones of
:data:`SPEECH_VERBS` (checked below), on which the answer's speaker check was calibrated."""
assert set(CLAIM_SPEECH_VERBS.split("|")) <= set(SPEECH_VERBS.split("|"))
_CLAIM_ATTRIBUTION = re.compile(
    rf"^(?P<who>[^,;:]{{2,80}}?)\s+(?:has\s+|had\s+|have\s+)?(?:{CLAIM_SPEECH_VERBS})\b",
    re.IGNORECASE,
)


def claimed_speaker(sentence: str) -> str | None:
    """Who a sentence says spoke when it opens "X said/told/warned ..." (else None)."""
    match = _CLAIM_ATTRIBUTION.match(sentence)
    return match.group("who") if match else None


_ADVERBS = re.compile(
    r"(?:\s+(?:also|then|immediately|has|had|have|was|is|again|repeatedly|previously|"
    r"reportedly|recently|once|later|earlier|publicly|firmly|flatly|strongly|quickly|"
    r"separately|further|had\s+already|already|not|never|still))+$"
)

TITLES = (
    "president|vice president|prime minister|minister|foreign minister|secretary|"
    "secretary of state|senator|sen\\.|rep\\.|representative|governor|gov\\.|general|gen\\.|"
    "chancellor|king|queen|prince|pope|ambassador|envoy|judge|justice|ceo|chief executive|"
    "chairman|chairwoman|chair|director|dr\\.|mr\\.|mrs\\.|ms\\.|leader|spokesman|"
    "spokeswoman|spokesperson|researcher|analyst|professor|official|officials|head|chief|"
    "executive|founder|attorney|lawyer|economist|expert|experts|commissioner|mayor|"
    "lawmaker|diplomat|diplomats|agency|news agency|ministry|department|council|court|"
    "scientist|adviser|advisor|strategist|commander|negotiator|correspondent|editor"
)
_ROLE_NOUN = re.compile(rf"\b({TITLES})$", re.IGNORECASE)
_NAME_WORD = r"(?:[A-Z][\w'’\-]*\.?|[A-Z]{2,}|Mc[A-Z]\w+)"
_NAME_TAIL = re.compile(
    rf"((?:{_NAME_WORD}\s+(?:(?:of|de|da|van|von|al|bin|the|for)\s+)?){{0,5}}{_NAME_WORD})$"
)
_NAME_HEAD = re.compile(
    rf"^((?:{_NAME_WORD}\s+(?:(?:of|de|da|van|von|al|bin|the|for)\s+)?){{0,5}}{_NAME_WORD})"
)
_ROLE_PHRASE_TAIL = re.compile(
    rf"\b(?:an?|the|its|their|his|her)\s+((?:[\w.'’\-]+\s+){{0,5}}?(?:{TITLES}))$",
    re.IGNORECASE,
)
_ROLE_PHRASE_HEAD = re.compile(
    rf"^(?:an?|the|its|their|his|her)\s+((?:[\w.'’\-]+\s+){{0,5}}?(?:{TITLES}))\b",
    re.IGNORECASE,
)
_BARE_ROLE_HEAD = re.compile(
    rf"^((?:{_NAME_WORD}\s+){{1,3}}(?:[a-z][\w-]*\s+){{1,2}}(?:{TITLES}))\b"
)
_PRONOUN_TAIL = re.compile(r"(?:^|[,”\"’]\s*|\s)(he|she|they|He|She|They)$")
_APPOSITIVE = re.compile(r",\s[^,“”\"]{2,90},$")

# Capitalised words that start sentences or name things, but never speak.
_NOT_ACTORS = word_set(
    """
    the a an but and or so yet in on at for from by with as this that these those it its he
    she they we i you his her their our my your there here when while after before since if
    although though however meanwhile also then now today yesterday tomorrow such one some
    according source sources report reports reporters media official diplomatic see also
    monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december which who what where why how mr
    mrs ms dr
    """
)
_NATIONALITY_WORDS = word_set(
    """
    iraqi israeli pakistani saudi thai qatari yemeni kuwaiti emirati afghan german swiss
    dutch greek french british irish turkish polish danish swedish finnish spanish scottish
    welsh
    """
)
_NATIONALITY_RE = re.compile(r"(?:ean|ian|ese|ish|can|ch)$")


class _Nationality:
    """Matches adjectives of nationality ('Korean', 'Chinese', 'Iraqi'), not country names."""

    @staticmethod
    def search(word: str) -> bool:
        return word.casefold() in _NATIONALITY_WORDS or bool(_NATIONALITY_RE.search(word))


_NATIONALITY = _Nationality()


def is_nationality(name: str) -> bool:
    """'North Korean', 'Chinese', 'American': an adjective, not an actor."""
    last = name.split()[-1]
    return not last.isupper() and _NATIONALITY.search(last) and len(name.split()) <= 2


@dataclass(frozen=True)
class Attribution:
    actor: str
    """Display name ("Kim Jong Un", "US State Department", "North Korean leader")."""
    role: str | None
    kind: str
    """``name`` (a proper name), ``role`` (a described speaker), ``pronoun`` (unresolved)."""
    direct: bool
    """The sentence carries quotation marks (direct speech)."""


def actor_key(name: str) -> str:
    """Comparison form: 'Kim Jong-un' and 'Kim Jong Un' meet, 'U.S.' and 'US' meet."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = [w for w in re.split(r"[^\w]+", text.casefold()) if w and w not in ("the", "a", "an")]
    return "".join(words).replace("_", "")


def clean_name(name: str) -> str | None:
    words = name.split()
    while words and words[0].casefold().strip(".,") in _NOT_ACTORS:
        words = words[1:]
    while words and words[-1].casefold() in (
        "of",
        "de",
        "da",
        "van",
        "von",
        "al",
        "bin",
        "the",
        "for",
    ):
        words = words[:-1]
    if not words:
        return None
    name = " ".join(words).strip(" ,.;:")
    if len(name) < 2 or name.casefold() in _NOT_ACTORS:
        return None
    if all(w.casefold().strip(".") in _NOT_ACTORS for w in words):
        return None
    return name


def _from_role(phrase: str) -> tuple[str, str | None]:
    """'US State Department spokesman' → ('US State Department', 'spokesman');
    'North Korean leader' → ('North Korean leader', None); 'official KCNA news agency' →
    ('KCNA', 'news agency')."""
    phrase = re.sub(r"\s+", " ", phrase).strip()
    role_match = _ROLE_NOUN.search(phrase)
    role = role_match.group(1) if role_match else None
    head = phrase[: role_match.start()].strip() if role_match else phrase
    caps = re.findall(rf"{_NAME_WORD}(?:\s+{_NAME_WORD})*", head)
    if caps:
        name = caps[-1]
        last_word = name.split()[-1]
        # "North Korean leader": a nationality adjective, not an organisation that speaks
        if not (_NATIONALITY.search(last_word) and not last_word.isupper()) or len(caps[-1]) > 30:
            cleaned = clean_name(name)
            if cleaned and (role or "").lower() not in ("leader",):
                return cleaned, role
    return phrase, None


def _subject_before(before: str) -> Attribution | None:
    """The speaker at the end of ``before`` (the text preceding a speech verb)."""
    before = _ADVERBS.sub("", before.rstrip())
    appositive = _APPOSITIVE.search(before)
    role_from_appositive = None
    if appositive:
        role_from_appositive = before[appositive.start() + 1 : -1].strip()
        before = before[: appositive.start()].rstrip()
    if (m := _PRONOUN_TAIL.search(before)) is not None:
        return Attribution(m.group(1).lower(), None, "pronoun", False)
    if (m := _ROLE_PHRASE_TAIL.search(before)) is not None:
        actor, role = _from_role(m.group(1))
        kind = "name" if role is not None else "role"
        return Attribution(actor, role, kind, False)
    if (m := _NAME_TAIL.search(before)) is not None:
        name = clean_name(m.group(1))
        if name:
            role = role_from_appositive
            words_before = before[: m.start()].split()[-3:]
            title = " ".join(words_before)
            if not role and (t := _ROLE_NOUN.search(title)):
                role = t.group(1)
            return Attribution(name, role, "name", False)
    return None


def _object_after(after: str) -> Attribution | None:
    """The speaker right after an inverted speech verb ("..., said Hong Min, a researcher")."""
    after = after.lstrip()
    if (the := re.match(r"the\s+(?=[A-Z])", after)) is not None:  # "the Ministry of Tests"
        n = _NAME_HEAD.match(after[the.end() :])
        name = clean_name(n.group(1)) if n else None
        if name and not is_nationality(name):
            return Attribution(name, None, "name", False)
    if (m := _ROLE_PHRASE_HEAD.match(after)) is not None:
        actor, role = _from_role(m.group(1))
        rest = after[m.end() :].lstrip()
        if (n := _NAME_HEAD.match(rest)) is not None:  # "the spokesman Ned Price"
            name = clean_name(n.group(1))
            if name:
                return Attribution(name, role or m.group(1), "name", False)
        return Attribution(actor, role, "name" if role else "role", False)
    if (m := _BARE_ROLE_HEAD.match(after)) is not None:  # "US intelligence experts"
        return Attribution(" ".join(m.group(1).split()), None, "role", False)
    title_first = re.match(rf"({TITLES})\s+", after, re.IGNORECASE)
    if title_first:
        after = after[title_first.end() :]
    if (m := _NAME_HEAD.match(after)) is not None:
        name = clean_name(m.group(1))
        if name:
            rest = after[m.end() :]
            role = title_first.group(1) if title_first else None
            if (r := re.match(r",\s+(?:an?|the)\s+([^,.;]{2,80})", rest)) is not None:
                role = role or r.group(1).strip()
            return Attribution(name, role, "name", False)
    return None


_QUOTE_MARKS = re.compile(r"[“”\"«»]")


_REPORTING = frozenset({"reported", "reports"})


def find_attributions(sentence: str) -> list[Attribution]:
    """Speakers of one sentence in text order, by attribution patterns: ``according to X``,
    ``X said/warned/...``, ``“...,” said X`` and ``“...,” he added``. Outlets that merely
    *reported* a statement come after the speaker they reported."""
    found: list[tuple[int, int, Attribution]] = []
    direct = bool(_QUOTE_MARKS.search(sentence))
    for m in re.finditer(r"\baccording to\s+", sentence, re.IGNORECASE):
        after = sentence[m.end() :]
        after = re.sub(
            r"^(?:an?\s+|the\s+)?(?:report|reports|statement|study|survey|data)\.?\s+(?:by|from|of)\s+",
            "",
            after,
        )
        if (a := _object_after(after)) is not None:
            found.append((m.start(), 0, a))
    for m in _VERB.finditer(sentence):
        before = sentence[: m.start()]
        reporting = 1 if m.group(1) in _REPORTING else 0
        if re.search(r"[,”\"’»]\s*$", before):  # inverted: "..., said Hong Min"
            attribution = _object_after(sentence[m.end() :])
        else:
            attribution = _subject_before(before)
        if attribution is not None:
            found.append((m.start(), reporting, attribution))
    found.sort(key=lambda item: (item[1], item[0]))
    out: list[Attribution] = []
    seen: set[str] = set()
    for _, _, a in found:
        key = actor_key(a.actor)
        if key and key not in seen:
            seen.add(key)
            out.append(Attribution(a.actor, a.role, a.kind, direct))
    return out


def resolve_role(actor: str, article_text: str) -> str | None:
    """'North Korean leader' → 'Kim Jong Un' when the article says 'North Korean leader Kim
    Jong Un' somewhere."""
    pattern = re.compile(rf"\b{re.escape(actor)}\s+({_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}})")
    for m in pattern.finditer(article_text):
        name = clean_name(m.group(1))
        if name:
            return name
    return None


_ENTITY = re.compile(rf"{_NAME_WORD}(?:\s+{_NAME_WORD})*")


def entities(sentence: str) -> set[str]:
    """Keys of the proper names in a sentence (sentence-initial function words dropped)."""
    out = set()
    for m in _ENTITY.finditer(sentence):
        name = clean_name(m.group(0))
        if name:
            out.add(actor_key(name))
            for word in name.split():
                if len(word) > 2 and word.casefold() not in _NOT_ACTORS:
                    out.add(actor_key(word))
    return out


# ---- who speaks in a quoted span -----------------------------------------------------------

CAPITALS = {
    "washington": "us",
    "pyongyang": "nk",
    "seoul": "sk",
    "beijing": "china",
    "moscow": "russia",
    "kremlin": "russia",
    "kyiv": "ukraine",
    "kiev": "ukraine",
    "tokyo": "japan",
    "london": "uk",
    "paris": "france",
    "berlin": "germany",
    "tehran": "iran",
    "brussels": "eu",
}
"""Capitals that news writes for their governments ("Washington denied"), as the claim stem of
the country (initials for two-word names: ``bot.text.words.claim_stems`` reads "North Korea" as
``nk`` too). Read both ways: a source saying "the United States" supports "Washington"."""


def with_capitals(stems: set[str]) -> set[str]:
    """``stems`` plus the country of every capital in it and the capital of every country."""
    out = set(stems)
    for capital, country in CAPITALS.items():
        if capital in stems:
            out.add(country)
        if country in stems:
            out.add(capital)
    return out


def _paragraph_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    lo = text.rfind("\n", 0, start) + 1
    hi = text.find("\n", end)
    return lo, len(text) if hi < 0 else hi


def _named(attributions: list[Attribution]) -> list[Attribution]:
    return [a for a in attributions if a.kind != "pronoun"]


def span_speakers(text: str, start: int, end: int) -> list[str]:
    """Who speaks in ``text[start:end]`` (a quote): the attributions of the span, else those of
    the rest of its paragraph (“…,” he told reporters), a pronoun resolved to the nearest named
    speaker of the paragraphs before, a role ("the North Korean leader") also by its name where
    the article gives it. Empty when nobody is said to speak (the writer's own sentence)."""
    found = find_attributions(text[start:end])
    if not found:
        lo, hi = _paragraph_bounds(text, start, end)
        found = find_attributions(text[lo:hi])
    speakers: list[str] = []
    for a in found:
        if a.kind == "pronoun":
            cursor = _paragraph_bounds(text, start, end)[0]
            for _ in range(6):  # look back a few paragraphs for the person "he" refers to
                if cursor <= 0:
                    break
                lo = text.rfind("\n", 0, max(0, cursor - 1)) + 1
                named = _named(find_attributions(text[lo:cursor]))
                if named:
                    speakers.append(named[-1].actor)
                    break
                cursor = lo
            continue
        speakers.append(a.actor)
        if a.kind == "role" and (name := resolve_role(a.actor, text)) is not None:
            speakers.append(name)
    return speakers


def same_actor(a: str, b: str) -> bool:
    """'Biden' and 'Joe Biden' meet, 'Kim Jong-un' and 'Kim Jong Un' meet, 'Kim' and 'Moon' do
    not: the two names share a proper-name word (or a capital and its country)."""

    def keys(name: str) -> set[str]:
        acronyms = {actor_key(w) for w in name.split() if len(w) >= 2 and w.isupper()}
        return with_capitals((entities(name) or {actor_key(name)}) | acronyms)

    return bool(keys(a) & keys(b))
