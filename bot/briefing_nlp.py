"""Rule-based reading of news sentences for briefings: who said it, what looks ahead, which
figures and framings two sources disagree on.

Everything here is deterministic pattern matching over one sentence (plus, for pronouns and
roles, the article it comes from). It only points at text; it never rewrites a quote.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

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
_NOT_ACTORS = frozenset(
    [
        "the",
        "a",
        "an",
        "but",
        "and",
        "or",
        "so",
        "yet",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "with",
        "as",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "he",
        "she",
        "they",
        "we",
        "i",
        "you",
        "his",
        "her",
        "their",
        "our",
        "my",
        "your",
        "there",
        "here",
        "when",
        "while",
        "after",
        "before",
        "since",
        "if",
        "although",
        "though",
        "however",
        "meanwhile",
        "also",
        "then",
        "now",
        "today",
        "yesterday",
        "tomorrow",
        "such",
        "one",
        "some",
        "according",
        "source",
        "sources",
        "report",
        "reports",
        "reporters",
        "media",
        "official",
        "diplomatic",
        "see",
        "also",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "which",
        "who",
        "what",
        "where",
        "why",
        "how",
        "mr",
        "mrs",
        "ms",
        "dr",
    ]
)
_NATIONALITY_WORDS = frozenset(
    [
        "iraqi",
        "israeli",
        "pakistani",
        "saudi",
        "thai",
        "qatari",
        "yemeni",
        "kuwaiti",
        "emirati",
        "afghan",
        "german",
        "swiss",
        "dutch",
        "greek",
        "french",
        "british",
        "irish",
        "turkish",
        "polish",
        "danish",
        "swedish",
        "finnish",
        "spanish",
        "scottish",
        "welsh",
    ]
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


# ---- looking ahead -----------------------------------------------------------------------------

_STRONG_FUTURE = re.compile(
    r"\b(plans? to|planned to|planning to|intends? to|is (?:expected|scheduled|set|due|poised|slated) to"
    r"|are (?:expected|scheduled|set|due|poised|slated) to|will be held|to be held"
    r"|next (?:week|month|year|round|meeting|session|summit)|upcoming|in the coming (?:days|weeks|months)"
    r"|later this (?:week|month|year)|deadline|by the end of)\b",
    re.IGNORECASE,
)
_WEAK_FUTURE = re.compile(
    r"(?<![Tt]he )(?<!good )(?<!political )(?<!free )(?<!own )(?<![Hh]is )(?<![Hh]er )"
    r"(?<![Tt]heir )(?<![Oo]ur )\b(will|may|might|could|won['’]t|shall)\b(?!\s+have\b)"
)
_PAST_MODAL = re.compile(r"\b(could|might|may) (?:not )?have\b")


def future_cue(sentence: str) -> tuple[str, int] | None:
    """(cue, strength) when the sentence looks ahead: 2 for plans/schedules/"next week",
    1 for modal verbs (will, may, could). Capitalised "May" (the month) is not a modal."""
    if (m := _STRONG_FUTURE.search(sentence)) is not None:
        return m.group(1), 2
    if _PAST_MODAL.search(sentence):
        return None
    if (m := _WEAK_FUTURE.search(sentence)) is not None:
        return m.group(1), 1
    return None


# ---- figures and framing -----------------------------------------------------------------------

_NUMBER_WORDS = {
    "zero": 0,
    "no": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "dozen": 12,
    "twenty": 20,
    "hundred": 100,
    "thousand": 1000,
    "million": 1_000_000,
    "billion": 1_000_000_000,
}
_NUMBER = re.compile(
    r"(?<![\w.])(?:[$€£¥])?\d+(?:[.,]\d+)*(?:\s?%|\s?(?:per ?cent|percent))?"
    r"(?:\s?(?:million|billion|trillion|bn|m)\b)?"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|twenty|hundreds?|"
    r"thousands?|millions?|billions?)\b",
    re.IGNORECASE,
)
_NEGATED_COUNT = re.compile(r"\b(?:not|never|no)\b[^.,;]{0,40}\b(?:any|single)?\b", re.IGNORECASE)


def figures(sentence: str) -> list[str]:
    """Numbers as written ("2017", "six", "$26.3 billion", "40%")."""
    return [m.group(0).strip() for m in _NUMBER.finditer(sentence)]


def figure_value(text: str) -> str:
    """Comparison form of a figure: number words as digits, separators dropped."""
    low = text.lower().replace(",", "").replace(" ", "")
    for word, value in _NUMBER_WORDS.items():
        if low == word or low == word + "s":
            return str(value)
    return low


_CONTEXT_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "and",
        "or",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "has",
        "have",
        "had",
        "is",
        "are",
        "was",
        "were",
        "it",
        "its",
        "that",
        "this",
        "than",
        "more",
        "less",
        "about",
        "over",
        "under",
        "some",
    ]
)


def figure_contexts(
    sentence: str, skip: Sequence[tuple[int, int]] = ()
) -> list[tuple[str, str, set[str]]]:
    """(figure as written, comparison value, stems of the words around it) for each figure that
    is not part of a date (``skip`` spans) and not an idiom ("one day", "one of")."""
    from bot.quotes import stem

    out = []
    for m in _NUMBER.finditer(sentence):
        if any(m.start() < e and m.end() > s for s, e in skip):
            continue
        after = sentence[m.end() : m.end() + 40].lower()
        raw = m.group(0).strip()
        if raw.lower() == "one" and re.match(r"\s+(?:day|of|another|way|side|hand)\b", after):
            continue
        before_words = re.findall(r"[\w’'-]+", sentence[max(0, m.start() - 40) : m.start()])[-2:]
        after_words = re.findall(r"[\w’'-]+", sentence[m.end() : m.end() + 40])[:3]
        context = {
            stem(w)
            for w in before_words + after_words
            if w.lower() not in _CONTEXT_STOP and not w[0].isdigit()
        }
        out.append((raw, figure_value(raw), context))
    return out


def is_negated(sentence: str) -> bool:
    return (
        re.search(
            r"\b(?:has|have|had|did|does|do|is|are|was|were)\s+(?:not|never)\b|\bno\s+\w+",
            sentence,
            re.IGNORECASE,
        )
        is not None
    )


# Opposing framings: a sentence using a word of one side and another source's sentence on the
# same subject using a word of the other side.
FRAMING_PAIRS: tuple[tuple[frozenset[str], frozenset[str], str], ...] = (
    (
        frozenset(
            {
                "rejected",
                "rejects",
                "reject",
                "refused",
                "refuses",
                "dismissed",
                "dismisses",
                "ruled out",
                "rebuffed",
            }
        ),
        frozenset(
            {
                "accept",
                "accepts",
                "accepted",
                "inevitable",
                "ready",
                "open to",
                "welcomed",
                "welcomes",
                "agreed",
                "prepare",
                "prepared",
            }
        ),
        "rejection vs openness",
    ),
    (
        frozenset(
            {
                "hostile",
                "hostility",
                "threat",
                "threats",
                "aggression",
                "aggressive",
                "deceit",
                "deceptive",
            }
        ),
        frozenset(
            {
                "no hostile",
                "peace",
                "peaceful",
                "diplomacy",
                "dialogue",
                "mutual respect",
                "cooperation",
            }
        ),
        "hostility vs diplomacy",
    ),
    (
        frozenset({"confrontation", "war", "conflict", "escalation"}),
        frozenset({"dialogue", "talks", "negotiations", "negotiating table", "de-escalation"}),
        "confrontation vs dialogue",
    ),
    (
        frozenset({"denied", "denies", "deny", "false", "baseless"}),
        frozenset({"confirmed", "confirms", "admitted", "acknowledged"}),
        "denial vs confirmation",
    ),
    (
        frozenset(
            {
                "illegal",
                "unlawful",
                "violated",
                "violates",
                "monopoly",
                "monopolist",
                "anticompetitive",
                "anti-competitive",
            }
        ),
        frozenset(
            {
                "legal",
                "lawful",
                "competition",
                "competitive",
                "fair",
                "valid alternative",
                "the best",
            }
        ),
        "wrongdoing vs legitimacy",
    ),
    (
        frozenset({"rise", "rises", "rose", "increase", "increased", "surge", "surged", "grew"}),
        frozenset(
            {"fall", "falls", "fell", "decrease", "decreased", "drop", "dropped", "declined"}
        ),
        "rise vs fall",
    ),
)


def framing_words(sentence: str) -> dict[str, tuple[set[str], set[str]]]:
    """For each framing pair, the words of each side the sentence uses."""
    low = " " + re.sub(r"[^\w\s'’-]", " ", sentence.lower()) + " "
    out: dict[str, tuple[set[str], set[str]]] = {}
    for left, right, label in FRAMING_PAIRS:
        a = {w for w in left if f" {w} " in low}
        b = {w for w in right if f" {w} " in low}
        # "no hostile intentions" is the diplomatic side, not the hostile one
        if "no hostile" in b:
            a.discard("hostile")
        if a or b:
            out[label] = (a, b)
    return out


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
