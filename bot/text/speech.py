"""Who speaks: speech verbs, titles, names, and the speakers of news text.

The speakers of an article come from its dependency parse (:mod:`bot.text.attribution`, spaCy):
:func:`span_speakers` (the claim checker, answers) and :func:`find_attributions` (one sentence)
read it. What stays here is the vocabulary attribution is read with (:data:`SPEECH_VERBS`,
:data:`TITLES`, :data:`SPEAKER_NOUNS`, :data:`NEWS_AGENCIES`) and deterministic helpers over
names: :func:`claimed_speaker` (who a written sentence says spoke, "X said ..."),
:func:`actor_key`, :func:`same_actor`, :func:`entities`, :func:`resolve_role`. Nothing here
rewrites a quote; it only points at text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.text.words import with_capitals, word_set

# ---- attribution ---------------------------------------------------------------------------

SPEECH_LEMMAS = word_set(
    """
    say tell add warn stress insist call deny accuse assure argue claim note state announce
    declare urge estimate consider criticize criticise continue report explain write maintain
    admit acknowledge testify confirm reject denounce emphasize emphasise pledge vow promise
    threaten predict believe suggest assert counter reply respond allege contend reiterate recall
    complain demand welcome condemn defend conclude observe rule dispute question describe agree
    object hail ask tweet concede caution remark comment mention reveal disclose recount reflect
    quip joke boast brag lament exclaim muse wonder speculate elaborate clarify affirm retort
    reason propose advise inform reckon posit underline underscore shout whisper mutter chuckle
    confide concur opine theorize theorise surmise insinuate stipulate proclaim recommend
    point
    """
)
"""The reporting verbs, by lemma: attribution matches a verb by its lemma (spaCy's, or the form's
own spelling when the lemmatizer leaves it). A lemma alone is not a statement: the frame also
needs a speaker subject and words (a clause, a quotation, or "to ..." after an object), and
``bot.text.attribution`` drops the non-speech senses (``NON_SPEECH_PARTICLES``; a question
after "ask if"; "point" only with "out")."""

_IRREGULAR = {
    "say": ("said",),
    "tell": ("told",),
    "write": ("wrote", "written"),
}


def _forms(lemma: str) -> tuple[str, ...]:
    """The lemma's regular written forms plus its irregular past ("said", "told", "wrote")."""
    if lemma in _IRREGULAR:
        return (lemma, lemma + "s", *_IRREGULAR[lemma])
    if lemma.endswith("e"):
        past = lemma + "d"
    elif lemma.endswith("y") and lemma[-2] not in "aeiou":
        past = lemma[:-1] + "ied"
    elif lemma in (
        "admit",
        "quip",
        "brag",
        "concur",
    ):  # stress on the last syllable doubles its consonant
        past = lemma + lemma[-1] + "ed"
    else:
        past = lemma + "ed"
    if lemma.endswith(("s", "sh", "ch", "x", "z")):
        third = lemma + "es"
    elif lemma.endswith("y") and lemma[-2] not in "aeiou":
        third = lemma[:-1] + "ies"
    else:
        third = lemma + "s"
    return lemma, third, past


SPEECH_VERBS = "|".join(dict.fromkeys(f for lemma in sorted(SPEECH_LEMMAS) for f in _forms(lemma)))
"""Every written form of :data:`SPEECH_LEMMAS` ("said|says|..."), for regular expressions; the
answer check's :data:`CLAIM_SPEECH_VERBS` is a subset."""

NON_SPEECH_PARTICLES = {
    "call": word_set("off up in out back on"),
    "point": word_set("to at"),
    "rule": word_set("out"),
}
"""Phrasal uses that are not speech ("called off the game", "ruled out a run"): the verb's
particle (``prt``) or first preposition is in the set."""

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
SPEAKER_NOUNS = frozenset(
    {t.replace("\\.", "").split()[-1] for t in TITLES.split("|") if not t.endswith("\\.")}
    | word_set(
        """
        company firm team club group source spokesperson government administration union bank
        party office commission committee regulator police people resident witness critic
        supporter observer insider investor player coach manager owner author user fan customer
        employee worker member doctor nurse teacher student parent reporter singer actor actress
        star artist musician rapper forward striker boss captain chef survivor victim plaintiff
        defendant prosecutor co-author researcher scientist therapist dietitian nutritionist
        psychologist spokesperson
        """
    )
)
"""Common nouns that can speak ("the ministry said", "officials warned", "a source told"): the
last word of each :data:`TITLES` entry plus generic speakers, compared with a noun's lemma."""

NEWS_AGENCIES = (
    "KCNA",
    "Yonhap",
    "Reuters",
    "AFP",
    "Agence France-Presse",
    "Associated Press",
    "AP",
    "Xinhua",
    "TASS",
    "Interfax",
    "RIA Novosti",
    "Kyodo",
    "Rodong Sinmun",
    "Bloomberg",
    "IRNA",
    "Anadolu",
    "WAFA",
    "SANA",
    "Ukrinform",
    "NHK",
    "Nikkei",
    "Arirang",
    "Sputnik",
    "Al Jazeera",
    "BBC",
    "CNN",
    "CNBC",
    "NPR",
    "PBS",
    "NBC",
    "NBC News",
    "CBS",
    "CBS News",
    "ABC News",
    "Fox News",
    "Sky News",
    "The New York Times",
    "New York Times",
    "The Washington Post",
    "Washington Post",
    "The Wall Street Journal",
    "Wall Street Journal",
    "Financial Times",
    "The Guardian",
    "The Times",
    "The Telegraph",
    "The Independent",
    "Daily Mail",
    "Politico",
    "Axios",
    "Semafor",
    "The Information",
    "Business Insider",
    "The Verge",
    "TechCrunch",
    "Engadget",
    "Wired",
    "Ars Technica",
    "Variety",
    "Billboard",
    "Vulture",
    "Deadline",
    "The Hollywood Reporter",
    "Entertainment Tonight",
    "TMZ",
    "ESPN",
    "The Athletic",
)
"""Wire services, official news agencies and news outlets: when one reports someone's words it
is the ``via`` of the statement, not its speaker (``bot.text.attribution``); reporting on its
own ("..., according to Vulture") it is the speaker. Ambiguous common words ("People",
"Insider", "Time") are left out; an organisation whose name ends in "News Agency", "Press",
"News Service" or "Telegraph Agency" is an agency too (:func:`agency_name`)."""

_AGENCY_SUFFIX = re.compile(
    r"^[A-Z]\S*(?:\s+\S+)*\s+(?:News\s+Agency|Press(?:\s+Agency)?|News\s+Service|"
    r"Telegraph\s+Agency)$"
)
_AGENCY_NAMES = [
    (
        agency,
        re.compile(rf"(?<![\w-])(?:[Tt]he\s+)?{re.escape(agency.removeprefix('The '))}(?![\w-])"),
    )
    for agency in sorted(NEWS_AGENCIES, key=len, reverse=True)
]


def agency_name(name: str) -> str | None:
    """The news agency or outlet a name is or contains ("the official KCNA news agency" →
    "KCNA", "The Verge" → "The Verge", "Yonhap News Agency" → "Yonhap"), else None. Matched
    with its capitals: "the independent auditor" names no outlet."""
    for agency, pattern in _AGENCY_NAMES:
        if pattern.search(name):
            return agency
    stripped = re.sub(r"^(?:the|The)\s+", "", name.strip())
    if _AGENCY_SUFFIX.search(stripped):
        return stripped
    return None


_NAME_WORD = r"(?:[A-Z][\w'’\-]*\.?|[A-Z]{2,}|Mc[A-Z]\w+)"

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
    welsh czech
    """
)
_NATIONALITY_RE = re.compile(r"(?:ean|ian|ese|ish|can)$")  # "French", "Dutch": listed


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


def find_attributions(sentence: str) -> list[Attribution]:
    """Speakers of one sentence in text order (read by :mod:`bot.text.attribution`): each
    statement's speaker, a pronoun the sentence cannot resolve on its own ("“...,” he added") as
    kind ``pronoun``, and after them the agencies that merely *reported* a statement."""
    from bot.text.attribution import analyse

    analysis = analyse(sentence)
    out: list[Attribution] = []
    seen: set[str] = set()

    def add(a: Attribution) -> None:
        key = actor_key(a.actor)
        if key and key not in seen:
            seen.add(key)
            out.append(a)

    items = sorted(
        [(st.cite_start, "s", st) for st in analysis.statements]
        + [(0, "p", u) for u in analysis.unresolved],
        key=lambda item: item[0],
    )
    for _, tag, item in items:
        if tag == "s":
            kind = "name" if item.named else "role"
            add(Attribution(item.speaker, item.role, kind, item.kind == "direct"))
        else:
            _, pronoun, direct = item
            add(Attribution(pronoun.lower(), None, "pronoun", direct))
    for st in analysis.statements:
        if st.via:
            add(Attribution(st.via, None, "name", st.kind == "direct"))
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


def span_speakers(text: str, start: int, end: int) -> list[str]:
    """Who speaks in ``text[start:end]`` (a quote): the speakers of the article's statements
    whose words overlap the span ("he" resolved to the speaker it stands for, a role also as the
    text named it, the agency that reported it), read once per article by
    :mod:`bot.text.attribution`. Empty when nobody is said to speak (the writer's own
    sentence)."""
    from bot.text.attribution import speakers_at

    return speakers_at(text, start, end)


def same_actor(a: str, b: str) -> bool:
    """'Biden' and 'Joe Biden' meet, 'Kim Jong-un' and 'Kim Jong Un' meet, 'Kim' and 'Moon' do
    not: the two names share a proper-name word (or a capital and its country)."""

    def keys(name: str) -> set[str]:
        acronyms = {actor_key(w) for w in name.split() if len(w) >= 2 and w.isupper()}
        return with_capitals((entities(name) or {actor_key(name)}) | acronyms)

    return bool(keys(a) & keys(b))
