"""What a word is: stopwords, the index terms BM25 searches, and the weighted terms claims are
checked on.

One module, two readings of the same text, each named for the job it does:

- **Index terms** (:func:`tokenize`, defined in ``vectorstore.text`` because the store writes
  the persistent BM25 index with it; re-exported here): the definition of a word for
  retrieval. Accents folded, compounds kept whole *and* split ("Bankman-Fried" →
  ``bankman-fried``, ``bankman``, ``fried``), initialisms joined ("U.S." → ``us``), numbers
  stripped of currency and thousands separators, a conservative plural fold.
- **Claim terms** (:func:`claim_terms`, :func:`claim_stems`, :func:`claim_stem`): the reading
  quote checks, answers and briefings use to ask "does this quote contain what the sentence
  says?". It must make 'rejects', 'rejected' and 'rejecting' meet (a sentence paraphrases its
  quote's tense), weighs numbers and names above other words, reads number words as digits
  ("six" = "6") and ignores the verbs of reporting ("said", "told"), so "X said Y" is grounded
  on Y. A heavier stemmer than BM25's would change every retrieval figure; a lighter one would
  reject paraphrases: hence two readings, defined side by side here and nowhere else.

:data:`CLAIM_STOPWORDS` is derived from the index stopwords, naming what each job adds or keeps.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from vectorstore.text import STOPWORDS, tokenize

__all__ = [
    "CLAIM_STOPWORDS",
    "FIGURE_CONTEXT_STOPWORDS",
    "GLUE_WORDS",
    "SUBJECT_STOPWORDS",
    "INDEX_STOPWORDS",
    "ABSENCE_WORDS",
    "NEGATING_PREFIX",
    "NEGATION_WORDS",
    "NUMBER_WORDS",
    "Term",
    "claim_stem",
    "claim_stems",
    "claim_terms",
    "word_set",
    "coverage",
    "names_and_numbers",
    "negated",
    "negations",
    "opposite_stems",
    "NAME_TITLES",
    "PLACE_ALIASES",
    "name_runs",
    "place_key",
    "with_capitals",
    "tokenize",
]


def word_set(text: str) -> frozenset[str]:
    """A word list written as one whitespace-separated string."""
    return frozenset(text.split())


# ---- index terms (retrieval) -------------------------------------------------------------------
# Defined in ``vectorstore.text``: the store writes its persistent BM25 index with it.

INDEX_STOPWORDS = STOPWORDS
"""Words BM25 neither indexes nor searches for: English function words plus the scaffolding of
MultiHop-style questions ("Does the article from X suggest ...", "as reported by ...")."""

_RETRIEVAL_ONLY = word_set("""
    either however neither upon whether within yet reporting published suggest suggests
    suggested indicate indicates indicated discussed discussing regarding based considering
    describes information
    """)

CLAIM_STOPWORDS = (
    (INDEX_STOPWORDS - _RETRIEVAL_ONLY)
    # reporting and request verbs: "X said Y" is grounded on Y, "please explain Y" asks for Y
    | word_set("""
        say says said tell tells told think thinks thought happen happens happened know known
        please give gave mention describe explain
        """)
    # the passages themselves, honorifics, and fragments of contractions ("didn't" → didn, t)
    | word_set("source sources passage passages mr mrs ms s t")
    | word_set("don didn doesn isn wasn weren won wouldn")
)
"""Words claim terms leave out (see :func:`claim_terms`): the index stopwords, less the question
scaffolding only retrieval drops and the function words "however", "whether", "within",
"upon", "yet", "either", "neither" (claim thresholds were calibrated with them as content
words), plus the verbs of reporting and asking, the passages, honorifics and contraction
fragments."""

GLUE_WORDS = word_set(
    "the a an of and or to in on at by for with has have had is are was were it its that this"
)
"""Articles, prepositions and auxiliaries: never what a phrase is about."""

FIGURE_CONTEXT_STOPWORDS = GLUE_WORDS | word_set("than more less about over under some")
"""Glue words plus comparatives: left out of the words that say what a figure counts."""

SUBJECT_STOPWORDS = GLUE_WORDS | word_set("since not any no out")
"""Glue words plus negation: left out of the shared words that name a disagreement's subject."""

# ---- claim terms (quote checks, answers, briefings) --------------------------------------------

_CLAIM_TOKEN = re.compile(r"\d+(?:[.,]\d+)*%?|[^\W\d_](?:[\w'’]*\w)?", re.UNICODE)
NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "first": "1st",
    "second": "2nd",
    "third": "3rd",
}
"""Number words a claim term reads as the figure ("six" meets "6", "first" meets "1st")."""


def claim_stem(word: str) -> str:
    """A crude, deterministic stem so that 'rejects', 'rejected' and 'rejecting' meet."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.strip("'")
    if w in NUMBER_WORDS:
        return NUMBER_WORDS[w]
    for suffix in ("ings", "ing", "ies", "ied", "es", "ed", "ly", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            w = w[: -len(suffix)]
            break
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


@dataclass(frozen=True)
class Term:
    stem: str
    weight: float  # numbers 2, names 1.5, other content words 1


_DOTTED_ACRONYM = re.compile(r"\b(?:[A-Z]\.){2,}")
_NAME_RUN = re.compile(r"\b[A-Z][\w]*(?:\s+(?:of\s+|the\s+)?[A-Z][\w]*)+")


def _undot(text: str) -> str:
    """'U.S.' -> 'US' so that both spellings meet."""
    return _DOTTED_ACRONYM.sub(lambda m: m.group().replace(".", ""), text)


def _is_acronym(word: str) -> bool:
    return len(word) >= 2 and word.isupper()


def claim_terms(text: str) -> list[Term]:
    """Content terms of ``text`` (stopwords dropped), each once, with a weight."""
    seen: dict[str, Term] = {}
    text = _undot(text)
    for index, match in enumerate(_CLAIM_TOKEN.finditer(text)):
        word = match.group()
        lower = word.lower().replace("’", "'")
        if lower in CLAIM_STOPWORDS or lower.removesuffix("'s") in CLAIM_STOPWORDS:
            continue
        if lower == NEGATING_PREFIX and text[match.end() : match.end() + 1] == "-":
            continue  # "non-competitive": the prefix is a negation, "competitive" the content
        if word[0].isdigit() or lower in NUMBER_WORDS:
            weight = 2.0
        elif word[0].isupper() and (index > 0 or word.isupper()) or _is_acronym(word):
            weight = 1.5
        elif len(lower) <= 2:
            continue
        else:
            weight = 1.0
        key = claim_stem(word)
        if key and (key not in seen or seen[key].weight < weight):
            seen[key] = Term(key, weight)
    return list(seen.values())


def claim_stems(text: str) -> set[str]:
    """All stems in ``text`` (stopwords included: cheap membership tests), plus the initials of
    runs of capitalised words ('United States' also yields 'us')."""
    text = _undot(text)
    found = {claim_stem(m.group()) for m in _CLAIM_TOKEN.finditer(text)}
    for run in _NAME_RUN.finditer(text):
        words = [
            w for w in run.group().split() if w[0].isupper() and w.lower() not in CLAIM_STOPWORDS
        ]
        found.add("".join(w[0] for w in words).lower())
    return found


def coverage(terms: Sequence[Term], text_stems: set[str]) -> float:
    """Weighted share of ``terms`` found in ``text_stems`` (0 when there are no terms)."""
    total = sum(t.weight for t in terms)
    if total == 0:
        return 0.0
    return sum(t.weight for t in terms if t.stem in text_stems) / total


def names_and_numbers(text: str | Sequence[Term]) -> list[Term]:
    """The terms of ``text`` a source must contain for a claim to be grounded (weight > 1).
    Accepts terms already read with :func:`claim_terms`."""
    terms = claim_terms(text) if isinstance(text, str) else text
    return [t for t in terms if t.weight > 1.0]


# ---- names: runs, titles, places -----------------------------------------------------------

NAME_TITLES = word_set("""
    president vice prime minister secretary chancellor premier senator sen governor gov mayor
    mr mrs ms dr sir lord lady king queen prince princess pope general gen colonel col
    ambassador spokesman spokeswoman spokesperson chairman chairwoman chair judge rep
    representative leader then former late ceo cfo cto coo
    """)
"""Titles and honorifics written before a name ("President Joe Biden", "then US President
Donald Trump"): part of a name run in the text, never a name a source must repeat."""

PLACE_ALIASES: dict[str, str] = {
    alias: key
    for key, aliases in {
        "us": "united states|us|usa|america|american|washington|white house",
        "nk": "north korea|dprk|pyongyang|north korean",
        "sk": "south korea|rok|seoul|south korean",
        "china": "china|prc|beijing|chinese",
        "russia": "russia|moscow|kremlin|russian",
        "ukraine": "ukraine|kyiv|kiev|ukrainian",
        "japan": "japan|tokyo|japanese",
        "uk": "united kingdom|uk|britain|great britain|london|downing street|british",
        "france": "france|paris|elysee|élysée|french",
        "germany": "germany|berlin|german",
        "iran": "iran|tehran|iranian",
        "israel": "israel|israeli",
        "eu": "european union|eu|brussels",
    }.items()
    for alias in aliases.split("|")
}
"""Metonymy news writes for a state: the country, its short forms, its capital or seat of
government, and its adjective ("Washington denied" = "the United States denied"; "North Korean
leader" is North Korea's). Keys are the country; aliases are lower-case word sequences."""

_PLACE_BY_STEMS = {
    tuple(claim_stem(w) for w in alias.split()): key for alias, key in PLACE_ALIASES.items()
}


_PLACE_WORDS: dict[str, frozenset[str]] = {}
for _alias, _key in PLACE_ALIASES.items():
    if " " not in _alias:
        _PLACE_WORDS.setdefault(_key, frozenset({_key}))
        _PLACE_WORDS[_key] = _PLACE_WORDS[_key] | {claim_stem(_alias)}


def with_capitals(stems: set[str]) -> set[str]:
    """``stems`` plus every one-word name of the same state (:data:`PLACE_ALIASES`): a text
    saying "Washington" also names the United States (``us``, the stem ``claim_stems`` gives
    "United States"), and the other way round."""
    out = set(stems)
    for words in _PLACE_WORDS.values():
        if words & stems:
            out |= words
    return out


def place_key(stems: Sequence[str]) -> str | None:
    """The country a name run stands for (:data:`PLACE_ALIASES`), from its stems; else None."""
    return _PLACE_BY_STEMS.get(tuple(stems))


def name_runs(text: str) -> list[tuple[str, ...]]:
    """The proper names of ``text`` as runs of stems of adjacent capitalised words (the words
    :func:`claim_terms` weighs as names, initialisms too, and the capitalised first word when a
    name follows it), titles (:data:`NAME_TITLES`) left out; a title splits a run ("US President Donald Trump" → ``us``,
    ``donald trump``)."""
    text = _undot(text)
    runs: list[tuple[str, ...]] = []
    current: list[str] = []
    last_end = -1
    opening = ""  # the capitalised first word: a name only when a name follows ("Joe Biden")
    for index, match in enumerate(_CLAIM_TOKEN.finditer(text)):
        word = match.group()
        lower = word.lower().replace("’", "'").removesuffix("'s")
        gap = text[last_end : match.start()] if last_end >= 0 else ""
        capitalised = (
            word[0].isupper()
            and not word[0].isdigit()
            and lower not in CLAIM_STOPWORDS
            and lower not in NAME_TITLES
        )
        is_name = (capitalised and (index > 0 or word.isupper())) or (
            _is_acronym(word) and lower not in CLAIM_STOPWORDS and lower not in NAME_TITLES
        )
        if index == 0 and capitalised and not is_name:
            opening = claim_stem(word)
        elif index == 1 and opening and is_name and gap.strip() in ("", "-"):
            current = [opening]
        hyphenated = gap == "-" and word[0].isalpha()  # "Kim Jong-un", "Bankman-Fried"
        if current and (hyphenated or (is_name and not gap.strip())):
            current.append(claim_stem(word))
        else:
            if current:
                runs.append(tuple(current))
            current = [claim_stem(word)] if is_name else []
        last_end = match.end()
    if current:
        runs.append(tuple(current))
    return runs


# ---- negation ----------------------------------------------------------------------------------

NEGATION_WORDS = word_set("not never no none nobody nothing neither nor without cannot")
"""Words that turn a statement around; ``n't`` contractions count too (see :func:`negated`)."""

ABSENCE_WORDS = word_set("absence absent lack lacks lacked lacking")
"""Nouns and verbs that say something is not there: "the absence of a remedy" and "a lack of
remedy" say what "no remedy" says, so they count as one negation each (:func:`negations`)."""

NEGATING_PREFIX = "non"
"""The prefix that negates the word it is hyphenated to: "non-competitive" says what "not
competitive" says (one negation; the prefix is no content word of its own, :func:`claim_terms`)."""

_NEGATION = re.compile(
    r"\b(?:" + "|".join(sorted(NEGATION_WORDS | ABSENCE_WORDS)) + r")\b|\w(?:n['’]t)\b"
    rf"|\b{NEGATING_PREFIX}-(?=[^\W\d_])",
    re.IGNORECASE,
)


# "No. 87", "cheering on No." (a cut-off jersey number): the abbreviation of "number"
_NUMBER_SIGN = re.compile(r"\bNo\.(?=\s*\d|\s*$)")


def negations(text: str) -> int:
    """How many negation words and ``n't`` ``text`` holds ("has not no plans": two; "No. 87" is
    a number, not a negation), the words of absence (:data:`ABSENCE_WORDS`) and the ``non-``
    prefix included: "the absence of a remedy", "there is no remedy" and "non-competitive" /
    "not competitive" hold one each. Claim checks compare it between a claim's clause and the
    quote clause that matches it."""
    return len(_NEGATION.findall(_NUMBER_SIGN.sub("", text)))


def negated(text: str) -> bool:
    """Whether ``text`` (one clause) says something is not so: a negation word or an ``n't``."""
    return negations(text) > 0


# Predicates that say the opposite of each other: "Kim accepted the offer" against a source's
# "Kim rejected the offer" has no negation word, yet it is the same swap. Each side lists the
# word forms a stemmer cannot join (fell/fallen, rose/risen).
_OPPOSITES = (
    ("accept", "reject decline refuse"),
    ("approve", "reject veto"),
    ("agree", "refuse disagree"),
    ("support", "oppose"),
    ("allow permit", "ban forbid prohibit block"),
    ("increase raise", "decrease reduce cut lower"),
    ("rise rose risen grow grew grown", "fall fell fallen drop shrink shrank"),
    ("gain win won victory", "lose lost loss"),
    ("confirm admit", "deny"),
    ("open", "close shut"),
    ("resume restart", "suspend halt"),
    ("start begin began begun", "stop end"),
    ("lift", "impose"),
    ("succeed success", "fail failure"),
    ("higher more", "lower fewer less"),
    ("strengthen", "weaken"),
    ("include", "exclude"),
    ("legal", "illegal"),
    ("acquit", "convict"),
)


def _opposite_table() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for left, right in _OPPOSITES:
        lefts = {claim_stem(w) for w in left.split()}
        rights = {claim_stem(w) for w in right.split()}
        for stem in lefts:
            table.setdefault(stem, set()).update(rights)
        for stem in rights:
            table.setdefault(stem, set()).update(lefts)
    return {stem: frozenset(others) for stem, others in table.items()}


_OPPOSITE = _opposite_table()


def opposite_stems(stem: str) -> frozenset[str]:
    """Stems of the predicates that say the opposite of ``stem`` ("accept" → "reject", …)."""
    return _OPPOSITE.get(stem, frozenset())
