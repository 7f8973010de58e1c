"""Who said what in an article: its statements (direct and reported speech) with their speaker.

Read from spaCy's dependency parse and entities (``bot.text.nlp``) over the project's sentences
(``vectorstore.sentences``), never by rewriting text: every statement points into the article
with character offsets, so callers quote ``text[start:end]`` verbatim.

- **Direct speech**: words in quotation marks (straight, curly, guillemets; a quote may run over
  several sentences, be split by "he said", or stay open to the end of its paragraph) next to a
  speech frame ("...,” he added", "X said: “...”") or inside the complement of a speech verb
  ("Kim called the offer a “facade”"). The words are what the marks enclose.
- **Reported speech**: a reporting verb (``speech.SPEECH_LEMMAS``, by lemma; not its phrasal
  non-speech uses, ``speech.NON_SPEECH_PARTICLES``) whose subject is a speaker and that takes a
  clause ("X said (that) ...", "X warned that ...", "..., said X", "For now, X explained, ...",
  "X was quoted as saying ..."), or "according to X, ...". A question ("asked if ...") is not a
  statement. The words are the reported clause.
- **Speaker**: as the text names it — a name ("President Joe Biden" → "Joe Biden", role
  "President"; appositions give the role), an organisation inside a role ("a US State Department
  spokesman" → "US State Department", role "spokesman"), or a description ("diplomatic
  sources"). "he"/"she" (only to a speaker shown as a person, never an organisation or outlet),
  "it"/"they" and definite roles ("the official", "the North Korean leader")
  resolve to the last fitting speaker of the three paragraphs before (or, for a role, to the
  name the article gives it); unresolved, the statement is dropped.
- **Agencies** (``speech.agency_name``: ``speech.NEWS_AGENCIES`` and outlets, names ending in
  "News Agency"/"Press", or an agency/newspaper noun) that report someone else's words in the
  same sentence ("..., KCNA reported", ", as reported by Yonhap", "according to KCNA") become
  ``via``; the speaker stays the person. An agency reporting on its own is the speaker.
- A quotation the sentencizer cut in two (the piece after the cut does not start a sentence) is
  parsed as one sentence again.
- A paragraph that is one quotation with no frame continues the previous paragraph's speaker.
- A sentence without a speech frame (narrative, headlines, scare quotes) yields nothing.

Results are cached per text (a small LRU keyed by a hash of the text): the claim checker and the
briefing ask about the same articles many times. Parsing costs some 70-390 ms per 1,000
characters on a busy 2-core machine (docs/benchmarks.md, "Attribution"; about 110-120 at load
5-8).
"""

from __future__ import annotations

import hashlib
import re
import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from bot.text.speech import (
    NON_SPEECH_PARTICLES,
    SPEAKER_NOUNS,
    SPEECH_LEMMAS,
    SPEECH_VERBS,
    actor_key,
    agency_name,
    is_nationality,
    resolve_role,
)
from bot.text.words import word_set
from vectorstore.sentences import sentence_spans

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

Kind = Literal["direct", "reported"]


@dataclass(frozen=True)
class Statement:
    """One attributed statement; every offset points into the article text."""

    speaker: str
    """Who speaks, as the text names them (a name, an organisation, a description)."""
    role: str | None
    """Title or description the text gives the speaker ("President", "researcher at ...")."""
    kind: Kind
    via: str | None
    """The news agency or outlet that reported the words, when the sentence names one."""
    sentence_start: int
    sentence_end: int
    """The sentence(s) the statement is in."""
    start: int
    end: int
    """The attributed words: inside the quotation marks, or the reported clause."""
    cite_start: int
    cite_end: int
    """The shortest verbatim span showing the words with their attribution ("“...,” he said.")."""
    mention: str
    """How this sentence names the speaker ("he", "the North Korean leader", "Joe Biden")."""

    @property
    def named(self) -> bool:
        """The speaker has a proper name (not only a description such as "diplomatic sources")."""
        return any(w[:1].isupper() for w in self.speaker.split())


_SPEECH = frozenset(SPEECH_VERBS.split("|"))
_PRONOUNS = frozenset({"he", "she", "they", "it"})
_RELATIVE = {"who", "which", "that"}
_ARTICLES = {"a", "an", "the"}
_DEFINITE = {"the", "these", "those", "this", "that"}
_DOCUMENT_NOUNS = word_set(
    "report reports statement statements study survey data filing document documents letter "
    "post tweet release analysis research poll figures estimate estimates documentation "
    "lawsuit suit complaint case documentary"
)
_AGENCY_NOUNS = frozenset(
    [
        "agency",
        "newspaper",
        "daily",
        "media",
        "broadcaster",
        "outlet",
        "wire",
        "television",
        "radio",
        "press",
    ]
)
PERSON_ROLES = word_set(
    "president minister secretary senator representative governor general chancellor king queen "
    "prince pope ambassador envoy judge justice ceo executive chairman chairwoman chair director "
    "leader spokesman spokeswoman spokesperson researcher analyst professor official head chief "
    "founder attorney lawyer economist expert commissioner mayor lawmaker diplomat scientist "
    "adviser advisor strategist commander negotiator correspondent editor coach manager player "
    "captain owner author investor partner president-elect premier"
)
"""Nouns that name a person by their role ("the judge", "Apple's CEO"): a speaker so named is a
person, and "which official …" asks for a person's name."""
_FRAME_DEPS = word_set("dobj dative prep npadvmod advmod aux auxpass neg prt agent attr oprd")
_PHRASE_DROP = word_set("appos relcl acl advcl cc")
_OPENING = "“«„"
_CLOSING = "”»"
_TRIM = " \t\n,;:—–-"
_PARAGRAPH_REACH = 3
"""How many paragraphs back "he said" / "the official said" may look for its speaker."""


# ---- quotations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Quote:
    open: int
    """Index of the opening mark."""
    close: int
    """Index of the closing mark (the paragraph's end when the quote stays open)."""

    @property
    def inner(self) -> tuple[int, int]:
        return self.open + 1, self.close

    @property
    def outer_end(self) -> int:
        return self.close + 1


def quotations(text: str) -> list[_Quote]:
    """Quotations per paragraph: curly marks pair up, straight marks toggle, and a quotation
    still open at the end of its paragraph ends there (news style for multi-paragraph quotes)."""
    out: list[_Quote] = []
    for para in re.finditer(r"[^\n]+", text):
        opened: int | None = None
        for i in range(para.start(), para.end()):
            ch = text[i]
            if ch in _OPENING:
                if opened is None:
                    opened = i
            elif ch in _CLOSING:
                if opened is not None:
                    out.append(_Quote(opened, i))
                    opened = None
            elif ch == '"':
                if opened is None:
                    opened = i
                else:
                    out.append(_Quote(opened, i))
                    opened = None
        if opened is not None and para.end() - opened > 2:
            end = para.end()
            while end > opened + 1 and text[end - 1].isspace():
                end -= 1
            out.append(_Quote(opened, end))
    return out


def _inside(quotes: Sequence[_Quote], pos: int) -> _Quote | None:
    for q in quotes:
        if q.open < pos < q.close:
            return q
    return None


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return start, end


# ---- speakers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Speaker:
    name: str
    role: str | None
    mention: str
    kind: Literal["name", "role", "pronoun"]
    person: bool
    agency: bool
    plural: bool = False
    certain_person: bool = False
    """The text shows a person: a PERSON entity, a personal title or role ("Judge", "the
    spokesman"). Only such a speaker is what "he"/"she" may refer to."""


def _span_text(tokens: Sequence[Token]) -> str:
    if not tokens:
        return ""
    doc = tokens[0].doc
    return doc[tokens[0].i : tokens[-1].i + 1].text


def _phrase(head: Token) -> list[Token]:
    """The noun phrase of ``head`` without appositions, relative clauses and the commas or
    quotation marks around them (hyphens inside a name stay)."""
    drop: set[int] = set()
    for child in head.children:
        if child.dep_ in _PHRASE_DROP or (child.dep_ == "punct" and child.text not in "-–'’"):
            drop.update(t.i for t in child.subtree)
    kept = sorted((t for t in head.subtree if t.i not in drop), key=lambda t: t.i)
    start = end = next(n for n, t in enumerate(kept) if t.i == head.i)
    while start > 0 and kept[start - 1].i == kept[start].i - 1:
        start -= 1
    while end + 1 < len(kept) and kept[end + 1].i == kept[end].i + 1:
        end += 1
    tokens = kept[start : end + 1]
    while (
        tokens and tokens[0] != head and (tokens[0].lower_ in _ARTICLES or tokens[0].dep_ == "cc")
    ):
        tokens = tokens[1:]
    while tokens and tokens[-1].dep_ in ("case", "punct") and tokens[-1] != head:
        tokens = tokens[:-1]
    return tokens


def _hyphen_compound(head: Token, tokens: list[Token]) -> list[Token]:
    """Join a hyphenated prefix the tokenizer split off the head ("co - authors" →
    "co-authors"): the parser may hang the pieces as siblings, not inside the phrase."""
    doc = head.doc
    if not tokens or tokens[0].i != head.i or head.i < 2:
        return tokens
    hyphen, prefix = doc[head.i - 1], doc[head.i - 2]
    if hyphen.text in "-–" and not hyphen.whitespace_ and not prefix.whitespace_:
        return [prefix, hyphen, *tokens]
    return tokens


def _apposition(head: Token) -> Token | None:
    """The head of a noun apposition ("Hong Min, a researcher"), not a misread clause."""
    for child in head.children:
        if child.dep_ != "appos" or child.pos_ not in ("NOUN", "PROPN"):
            continue
        first = min(child.subtree, key=lambda t: t.i)
        words = [t for t in child.subtree if t.dep_ != "punct"]
        if first.lower_ in ("whose", "who", "which", "that") or any(
            t.text in '“”"«»' for t in child.subtree
        ):
            continue
        if words:
            return child
    return None


def _appositive_role(head: Token) -> str | None:
    child = _apposition(head)
    if child is None:
        return None
    tokens = sorted(child.subtree, key=lambda t: t.i)
    while tokens and tokens[0].dep_ in ("det", "punct"):
        tokens = tokens[1:]
    while tokens and tokens[-1].dep_ == "punct":
        tokens = tokens[:-1]
    return _span_text(tokens) or None


def _document_author(head: Token) -> Token | None:
    """Who wrote a document: its possessor or the object of "by"/"from" in its phrase."""
    for child in head.children:
        if child.dep_ == "poss" and child.pos_ == "PROPN":
            return child
    for t in head.subtree:
        if t.lower_ in ("by", "from") and t.dep_ in ("agent", "prep"):
            objects = [c for c in t.children if c.dep_ == "pobj"]
            if objects:
                return objects[0]
    return None


def _speaker(head: Token) -> _Speaker | None:
    """The speaker a subject (or the object of "according to") names, or None."""
    lower = head.lower_
    if head.pos_ == "PRON":
        if lower in _PRONOUNS:
            person = lower in ("he", "she")
            return _Speaker(lower, None, head.text, "pronoun", person, False, lower == "they")
        return None
    if lower in ("one", "some", "many", "several", "most"):  # "one of these sources"
        of = [p for c in head.children if c.lower_ == "of" for p in c.children if p.dep_ == "pobj"]
        if of and (inner := _speaker(of[0])) is not None:
            return inner
    is_document = {head.lemma_.lower(), head.lower_} & _DOCUMENT_NOUNS  # lemma or form
    if is_document:  # "Google’s documentation", "figures compiled by X": the author speaks
        author = _document_author(head)
        speaker = _speaker(author) if author is not None else None
        if speaker is None:
            return None
        document = _span_text(sorted(head.subtree, key=lambda t: t.i)[:12])
        return replace(speaker, mention=document if author in head.subtree else speaker.mention)
    tokens = _hyphen_compound(head, _phrase(head))
    if not tokens:
        return None
    phrase = _span_text(tokens)
    appositive = _appositive_role(head)
    first, last = tokens[0].i, tokens[-1].i
    ents = [e for e in head.doc.ents if e.end > first and e.start <= last]
    people = [e for e in ents if e.label_ == "PERSON"]
    organisations = [e for e in ents if e.label_ in ("ORG", "GPE", "FAC")]
    agency = agency_name(phrase)
    if head.pos_ == "PROPN" or (people and head.pos_ != "NOUN"):
        if people:
            name_span = next((e for e in people if e.start <= head.i < e.end), people[-1])
        else:
            name_span = next((e for e in ents if e.start <= head.i < e.end), None)
        if name_span is not None:
            name = name_span.text
            before = head.doc[first : name_span.start].text.strip()
        else:  # the run of proper nouns around the head ("Hong Min" read as a place)
            lo = head.i
            while lo > first and head.doc[lo - 1].pos_ == "PROPN":
                lo -= 1
            name = head.doc[lo : head.i + 1].text
            before = head.doc[first:lo].text.strip()
        name = re.sub(r"^(?:the|The)\s+", "", name).removesuffix("’s").removesuffix("'s")
        role = " ".join(p for p in (before, appositive or "") if p) or None
        person = bool(people) or not any(e.label_ in ("ORG", "GPE", "NORP", "FAC") for e in ents)
        if agency is not None or (head.lower_ in _AGENCY_NOUNS):
            return _Speaker(agency or name, role, phrase, "name", False, True)
        titled = role is not None and bool(word_set(role) & PERSON_ROLES)
        is_person = person and not organisations
        return _Speaker(
            name,
            role,
            phrase,
            "name",
            is_person,
            False,
            certain_person=is_person and (bool(people) or titled),
        )
    if head.pos_ != "NOUN":
        return None
    lemma = head.lemma_.lower()
    if lemma in _AGENCY_NOUNS or agency is not None:
        if agency is not None:
            return _Speaker(agency, None, phrase, "name", False, True)
        return _Speaker(phrase, None, phrase, "role", False, True)
    if lemma not in SPEAKER_NOUNS:
        return None
    person = lemma in PERSON_ROLES
    plural = head.tag_ == "NNS"
    apposition = _apposition(head)
    if apposition is not None and apposition.pos_ == "PROPN":  # "the leader, Kim Jong Un"
        name = _speaker(apposition)
        if name is not None and name.kind == "name":
            return replace(name, role=phrase, mention=phrase, person=True, certain_person=True)
    named_org = [e for e in organisations if e.label_ == "ORG" and not is_nationality(e.text)]
    if named_org:  # "a US State Department spokesman": the organisation speaks
        org = named_org[-1]
        rest = [t for t in tokens if not (org.start <= t.i < org.end) and t.dep_ != "det"]
        role = _span_text(rest) or None
        name = org.text.removeprefix("the ")
        return _Speaker(name, role, phrase, "name", person, False, plural, person)
    previous = head.doc[tokens[0].i - 1].lower_ if tokens[0].i > 0 else ""
    mention = f"{previous} {phrase}" if previous in _ARTICLES | _DEFINITE else phrase
    return _Speaker(phrase, appositive, mention, "role", person, False, plural, person)


# ---- frames: who speaks where ---------------------------------------------------------------


@dataclass
class _Frame:
    speaker: _Speaker
    sentence: int
    frame_start: int
    frame_end: int
    contents: list[tuple[Kind, int, int, int, int]]
    """(kind, words start, words end, outer start, outer end): outer includes quotation marks."""
    paragraph: int


def _subject(verb: Token, inverted: bool) -> Token | None:
    """The speaker token of a speech verb: its subject (the nearest before it, or the noun
    after it in "..., said X"), a conjoined verb's subject, or the noun a quotation opening
    at the verb hangs from ("The leader “called for ...,” the agency said")."""
    after = [
        c
        for c in verb.children
        if c.i > verb.i
        and c.dep_ in ("nsubj", "dobj", "attr")
        and c.pos_ in ("NOUN", "PROPN", "PRON")
    ]
    if inverted and after and after[0].i - verb.i <= 5:
        return after[0]
    quoted = _quoted_as_saying(verb)
    if quoted is not None:
        return quoted
    node = verb
    for _ in range(3):
        subjects = [c for c in node.children if c.dep_ == "nsubj"]
        if subjects:
            before = [c for c in subjects if c.i < node.i]
            return before[-1] if before else subjects[0]
        if node.dep_ in ("conj", "advcl", "xcomp") and node.head.pos_ in ("VERB", "AUX"):
            node = node.head
            continue
        opens_quote = node.i > 0 and verb.doc[node.i - 1].text in '“"«'
        if node.dep_ == "acl" and node.head.pos_ in ("NOUN", "PROPN") and opens_quote:
            return node.head
        return None
    return None


def _quoted_as_saying(verb: Token) -> Token | None:
    """The subject of "X was quoted as saying ...": X said it, though "quoted" is passive."""
    if verb.lower_ != "saying" or verb.head.lower_ != "as":
        return None
    quoted = verb.head.head
    if quoted.lemma_.lower() not in ("quote", "cite"):
        return None
    subjects = [c for c in quoted.children if c.dep_ in ("nsubjpass", "nsubj")]
    return subjects[0] if subjects else None


def _is_speech_verb(token: Token) -> bool:
    """A reporting verb in a speech sense: by lemma (``speech.SPEECH_LEMMAS``), not a phrasal
    non-speech use ("called off", "ruled out"); "point" only as "point out"."""
    if token.pos_ not in ("VERB", "AUX") or token.dep_ in ("amod", "compound", "acomp"):
        return False
    lemma = token.lemma_.lower()
    if lemma not in SPEECH_LEMMAS:
        if token.lower_ not in _SPEECH:
            return False
        lemma = token.lower_
    particles = {c.lower_ for c in token.children if c.dep_ == "prt"}
    preps = [c.lower_ for c in token.children if c.dep_ == "prep" and c.i == token.i + 1]
    if lemma == "point":
        return "out" in particles
    return not (particles | set(preps)) & NON_SPEECH_PARTICLES.get(lemma, frozenset())


_QUESTION_WORDS = word_set("when why how what who where which")
_ASKING = word_set("ask wonder question")


def _is_question(verb: Token, clause: Token) -> bool:
    """A complement that asks rather than states ("asked if ...", "wondered whether ...",
    "asked when ...")."""
    marks = {c.lower_ for c in clause.children if c.dep_ == "mark"}
    if marks & {"if", "whether"}:
        return True
    first = min(clause.subtree, key=lambda t: t.i)
    return (
        verb.lemma_.lower() in _ASKING
        and first.lower_ in _QUESTION_WORDS
        and (first.head == clause or first.head.head == clause)
    )


def _extent(tokens: Sequence[Token], offset: int, quotes: Sequence[_Quote]) -> tuple[int, int]:
    inside = [t for t in tokens if _inside(quotes, offset + t.idx) is None]
    inside = inside or list(tokens)
    start = min(offset + t.idx for t in inside)
    end = max(offset + t.idx + len(t.text) for t in inside)
    return start, end


def _frame_tokens(verb: Token, subject: Token) -> list[Token]:
    """The attribution itself: the speaker, the verb and its short modifiers ("told
    reporters", "said on Tuesday"), never a clause or a quotation."""
    tokens = [verb]
    if abs(subject.i - verb.i) < 12 or subject.head == verb:
        tokens += list(subject.subtree)
    for child in verb.children:
        sub = list(child.subtree)
        quoted = any(t.text in '“”"«»' for t in sub)
        if child.dep_ in _FRAME_DEPS and len(sub) <= 4 and child != subject and not quoted:
            tokens += sub
    return sorted(set(tokens), key=lambda t: t.i)


def _adjacent_quotes(text: str, quotes: Sequence[_Quote], start: int, end: int) -> list[_Quote]:
    """Quotations right before or after a frame, only punctuation between."""
    found = []
    for q in quotes:
        if (
            q.close <= start
            and not text[q.outer_end : start].strip(" \t,;:—–-")
            or q.open >= end
            and not text[end : q.open].strip(" \t,;:—–-")
        ):
            found.append(q)
    return found


def _content_from_quotes(
    text: str, quotes: Sequence[_Quote]
) -> list[tuple[Kind, int, int, int, int]]:
    out: list[tuple[Kind, int, int, int, int]] = []
    for q in quotes:
        start, end = _trimmed(text, *q.inner)
        if end - start >= 2:
            out.append(("direct", start, end, q.open, min(len(text), q.outer_end)))
    return out


def _clause_tokens(clause: Token) -> list[Token]:
    """A reported clause without a trailing attribution of its own (", KCNA reported")."""
    while _is_speech_verb(clause) and any(c.dep_ == "nsubj" for c in clause.children):
        inner = [c for c in clause.children if c.dep_ in ("ccomp", "parataxis") and c.i < clause.i]
        if not inner:
            break
        clause = inner[0]  # "said [the test was a success], KCNA reported"
    tokens = sorted(clause.subtree, key=lambda t: t.i)
    for t in tokens:
        if t is not clause and t.i > 1 and t.lemma_.lower() == "report" and t.tag_ == "VBN":
            lead_in = t.doc[t.i - 1]  # "..., as reported by Yonhap"
            if lead_in.lower_ == "as" and t.doc[t.i - 2].text == ",":
                return [x for x in tokens if x.i < t.i - 2]
        if t is clause or not _is_speech_verb(t) or t.i == 0:
            continue
        has_subject = any(c.dep_ == "nsubj" for c in t.children)
        lead = [x for x in tokens if x.i < t.i and x.i >= min(c.i for c in t.subtree)]
        if has_subject and (t.doc[t.i - 1].text == "," or (lead and lead[0].nbor(-1).text == ",")):
            cut = min(c.i for c in t.subtree)
            return [x for x in tokens if x.i < cut]
    return tokens


def _parenthetical_content(
    text: str, verb: Token, offset: int, frame_start: int, frame_end: int
) -> list[tuple[Kind, int, int, int, int]]:
    """The words around a frame set off by commas inside its sentence ("For now, Griffais
    explained, it's important ..."): what follows the frame, else what precedes it."""
    sent_start = offset
    sent_end = offset + len(verb.doc.text)
    before = text[sent_start:frame_start].rstrip()
    after = text[frame_end:sent_end].lstrip()
    if not before.endswith(",") or not after.startswith(","):
        return []
    for start, end in ((frame_end, sent_end), (sent_start, frame_start)):
        start, end = _trimmed(text, start, end)
        while end > start and text[end - 1] in ".!?":
            end -= 1
        if len(text[start:end].split()) >= 3:
            return [("reported", start, end, start, end)]
    return []


def _verb_frame(
    text: str, verb: Token, offset: int, quotes: Sequence[_Quote], sentence: int, paragraph: int
) -> _Frame | None:
    if not _is_speech_verb(verb) or any(c.dep_ in ("auxpass", "nsubjpass") for c in verb.children):
        return None  # "was told", "is called": the subject did not speak
    verb_pos = offset + verb.idx
    lead = text[offset:verb_pos].rstrip()
    inverted = lead.endswith((",", "”", '"', "»")) and verb.tag_ in ("VBD", "VBZ", "VBP")
    subject = _subject(verb, inverted)
    if subject is None:
        return None
    quote_of_verb = _inside(quotes, verb_pos)
    if _inside(quotes, offset + subject.idx) is not None:
        return None  # speech inside quoted speech
    head = subject
    if subject.lower_ in _RELATIVE and verb.dep_ == "relcl":
        head = verb.head  # "Cue, who testified that ..."
    speaker = _speaker(head)
    if speaker is None:
        return None
    frame_tokens = [t for t in _frame_tokens(verb, subject) if t.dep_ != "punct"]
    frame_start, frame_end = _extent(frame_tokens, offset, quotes)
    contents: list[tuple[Kind, int, int, int, int]] = []
    if quote_of_verb is not None:  # 'The leader “called for ...,” the agency said'
        contents = _content_from_quotes(text, [quote_of_verb])
        frame_end = max(frame_end, quote_of_verb.outer_end)
    if not contents:
        contents = _content_from_quotes(
            text, _adjacent_quotes(text, quotes, frame_start, frame_end)
        )
    if not contents:
        clause = next((c for c in verb.children if c.dep_ in ("ccomp", "parataxis")), None)
        if clause is not None and _is_question(verb, clause):
            return None  # "asked if X had been told": a question, not a statement
        if clause is not None:
            tokens = _clause_tokens(clause)
            while tokens and (tokens[0].dep_ in ("mark", "punct") or tokens[0].lower_ == "that"):
                tokens = tokens[1:]
            while tokens and tokens[-1].dep_ == "punct" and tokens[-1].text not in '”»"':
                tokens = tokens[:-1]
            if tokens:
                start = offset + tokens[0].idx
                end = offset + tokens[-1].idx + len(tokens[-1].text)
                start, end = _trimmed(text, start, end)
                whole = [q for q in quotes if q.open <= start + 1 and q.close >= end - 1]
                if whole:
                    contents = _content_from_quotes(text, whole[:1])
                elif end > start:
                    unclosed = text.count("“", start, end) > text.count("”", start, end)
                    if unclosed and text[end : end + 1] == "”":  # keep the quotation whole
                        end += 1
                    contents = [("reported", start, end, start, end)]
    if not contents:  # "warned residents to leave", "urged Congress to act"
        objects = [c for c in verb.children if c.dep_ in ("dobj", "dative")]
        clause = next((c for c in verb.children if c.dep_ == "xcomp"), None)
        if objects and clause is not None and any(c.lower_ == "to" for c in clause.children):
            start = offset + objects[0].idx
            last = max(clause.subtree, key=lambda t: t.i)
            start, end = _trimmed(text, start, offset + last.idx + len(last.text))
            if end > start:
                contents = [("reported", start, end, start, end)]
    if not contents and verb.dep_ == "parataxis" and not quote_of_verb:
        contents = _parenthetical_content(text, verb, offset, frame_start, frame_end)
    plain = verb.dep_ != "relcl" and not any(c.dep_ == "dobj" for c in verb.children)
    if not contents and plain and frame_end >= offset + len(verb.doc.text.rstrip(" .!?")) - 1:
        comma = text.rfind(",", offset, frame_start)  # "Is laying off staff, CEO X announced."
        if comma > offset and not text[comma + 1 : frame_start].strip():
            start, end = _trimmed(text, offset, comma)
            if len(text[start:end].split()) >= 3:
                contents = [("reported", start, end, start, end)]
    lo = min(offset + t.idx for t in verb.subtree)
    hi = max(offset + t.idx + len(t.text) for t in verb.subtree)
    subj_lo, subj_hi = _extent(list(subject.subtree), offset, [])
    partial = [  # partial quotations in the verb's complement ("called it a “facade”")
        q
        for q in quotes
        if lo <= q.open
        and q.close <= hi
        and q.open > verb_pos
        and not (subj_lo <= q.open < subj_hi)
        and len(text[q.open + 1 : q.close].split()) >= 2
    ]
    if not contents:
        contents = _content_from_quotes(text, partial)
    elif all(kind == "direct" for kind, *_ in contents) and any(
        outer_start > verb_pos for *_, outer_start, _ in contents
    ):  # "promised “invest[ment] in ...” that would help YouTube “protect ...”": every one
        taken = {c[3] for c in contents}
        contents += _content_from_quotes(text, [q for q in partial if q.open not in taken])
    return _Frame(speaker, sentence, frame_start, frame_end, contents, paragraph)


def _according_frame(
    text: str, token: Token, offset: int, sent: tuple[int, int], sentence: int, paragraph: int
) -> _Frame | None:
    if token.lower_ != "according" or token.i + 1 >= len(token.doc):
        return None
    to = token.doc[token.i + 1]
    if to.lower_ != "to":
        return None
    objects = [c for c in to.children if c.dep_ == "pobj"]
    if not objects:
        return None
    speaker = _speaker(objects[0])  # "a report by US intelligence experts": the experts
    if speaker is None:
        return None
    phrase_start = offset + token.idx
    last = max(t.i for t in to.subtree)
    phrase_end = offset + token.doc[last].idx + len(token.doc[last].text)
    before = text[sent[0] : phrase_start]
    if before.strip(" ,;:—–-").casefold() not in ("", "but", "and", "yet", "so"):
        start, end = sent[0], phrase_start
    else:
        start, end = phrase_end, sent[1]
    start, end = _trimmed(text, start, end)
    while end > start and text[end - 1] in ".!?":
        end -= 1
    if end - start < 3:
        return None
    return _Frame(
        speaker,
        sentence,
        phrase_start,
        phrase_end,
        [("reported", start, end, start, end)],
        paragraph,
    )


def _reported_by_frame(
    text: str, token: Token, offset: int, sent: tuple[int, int], sentence: int, paragraph: int
) -> _Frame | None:
    """ ", as reported by Yonhap" / "..., reported by The Verge": the agent reports the rest of
    the sentence (an agency among people in the sentence becomes their ``via``)."""
    if token.lemma_.lower() != "report" or token.tag_ != "VBN" or token.dep_ == "ROOT":
        return None
    agents = [c for c in token.children if c.dep_ == "agent"]
    objects = [c for a in agents for c in a.children if c.dep_ == "pobj"]
    if not objects:
        return None
    speaker = _speaker(objects[0])
    if speaker is None:
        return None
    subtree = sorted(token.subtree, key=lambda t: t.i)
    phrase_start = offset + subtree[0].idx
    if subtree[0].i > 0 and token.doc[subtree[0].i - 1].lower_ == "as":
        phrase_start = offset + token.doc[subtree[0].i - 1].idx
    phrase_end = offset + subtree[-1].idx + len(subtree[-1].text)
    if text[sent[0] : phrase_start].strip(" ,;:—–-"):
        start, end = sent[0], phrase_start
    else:
        start, end = phrase_end, sent[1]
    if not text[sent[0] : phrase_start].rstrip().endswith(",") and start == sent[0]:
        return None  # "the figures reported by X": a noun's modifier, not an attribution
    start, end = _trimmed(text, start, end)
    while end > start and text[end - 1] in ".!?":
        end -= 1
    if len(text[start:end].split()) < 3:
        return None
    content: list[tuple[Kind, int, int, int, int]] = [("reported", start, end, start, end)]
    return _Frame(speaker, sentence, phrase_start, phrase_end, content, paragraph)


# ---- the article --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Analysis:
    statements: tuple[Statement, ...]
    unresolved: tuple[tuple[int, str, bool], ...]
    """(sentence index, pronoun, direct) of frames whose pronoun found no speaker."""


def _paragraph_starts(text: str) -> list[int]:
    return [m.start() for m in re.finditer(r"[^\n]+", text)]


def _extend(text: str, start: int, end: int, sent: tuple[int, int]) -> tuple[int, int]:
    """Grow a citation to its sentence's edges when only punctuation lies between."""
    if not text[sent[0] : start].strip(' \t“«"„'):
        start = sent[0]
    if not text[end : sent[1]].strip(' \t.!?,;”»"’'):
        end = sent[1]
    return start, end


class _Resolver:
    """The speakers met so far, for "he said" and "the official said"."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.seen: list[tuple[int, _Speaker]] = []

    def add(self, paragraph: int, speaker: _Speaker) -> None:
        if speaker.kind != "pronoun":
            self.seen.append((paragraph, speaker))

    def resolve(self, paragraph: int, speaker: _Speaker) -> _Speaker | None:
        if speaker.kind == "name":
            if len(speaker.name.split()) == 1:  # "Kim" after "Kim Jong Un"
                key = actor_key(speaker.name)
                for _, s in reversed(self.seen):
                    words = [actor_key(w) for w in s.name.split()]
                    if len(words) > 1 and key in (words[0], words[-1]) and s.kind == "name":
                        return replace(s, mention=speaker.mention)
            return speaker
        recent = [s for p, s in reversed(self.seen) if paragraph - p <= _PARAGRAPH_REACH]
        if speaker.kind == "pronoun":
            if speaker.name == "it":  # the organisation or country just named
                near = [s for p, s in reversed(self.seen) if paragraph - p <= 1]
                for s in near:
                    if not s.person and not s.agency and not s.plural:
                        return replace(s, mention=speaker.mention)
                return None
            for s in recent:
                if s.agency:
                    continue
                if speaker.person:  # "he"/"she": a person the text shows, never an organisation
                    if s.person and s.certain_person and not s.plural:
                        return replace(s, mention=speaker.mention)
                    continue
                if not speaker.person and (s.plural or not s.person):
                    return replace(s, mention=speaker.mention)
            return None
        # a description: the name the article gives it, else an earlier speaker it describes
        description = re.sub(r"^(?:the|a|an)\s+", "", speaker.name, flags=re.IGNORECASE)
        name = resolve_role(description, self.text)
        if name is not None:
            return replace(speaker, name=name, role=speaker.role or description, kind="name")
        first = speaker.mention.split()[0].casefold()
        if first in _DEFINITE:  # "the official", "these sources": one named before
            head = description.split()[-1].casefold()
            for s in recent:
                described = f"{s.role or ''} {s.mention}".casefold()
                if re.search(rf"\b{re.escape(head)}\b", described) and s.name != speaker.name:
                    return replace(s, mention=speaker.mention)
        if first in ("its", "their"):  # "its team": the organisation just named
            near = [s for p, s in reversed(self.seen) if paragraph - p <= 1]
            for s in near:
                if not s.person and not s.agency and s.kind == "name":
                    role = description.split(maxsplit=1)[-1]
                    return replace(s, role=role, mention=speaker.mention)
            return None
        return speaker


def _rejoin_quote_fragments(
    text: str, sentences: list[tuple[int, int]], quotes: Sequence[_Quote]
) -> list[tuple[int, int]]:
    """Join a sentence to the one before when the cut fell inside a quotation and the piece
    after it does not start a sentence ("... songwriters… [from] trademark abuse”"): the parser
    then sees the quotation whole, with its frame."""
    out: list[tuple[int, int]] = []
    for start, end in sentences:
        if out:
            first = text[start:end].lstrip("[(“\"'‘ ")[:1]
            quote = _inside(quotes, start - 1) or _inside(quotes, start)
            if quote is not None and quote.open < out[-1][1] and first and not first.isupper():
                out[-1] = (out[-1][0], end)
                continue
        out.append((start, end))
    return out


def _analyse(text: str) -> _Analysis:
    from bot.text.nlp import parse

    quotes = quotations(text)
    sentences = _rejoin_quote_fragments(text, sentence_spans(text), quotes)
    if not sentences:
        return _Analysis((), ())
    para_starts = _paragraph_starts(text)
    docs = parse([text[s:e] for s, e in sentences])
    frames: list[_Frame] = []
    framed: set[int] = set()
    for index, ((s, e), doc) in enumerate(zip(sentences, docs, strict=True)):
        paragraph = bisect_right(para_starts, s) - 1
        if (subject := _named_subject(doc)) is not None:  # what "it said" may refer to
            at = s + subject.idx
            named = _speaker(subject)
            if named is not None and named.kind == "name":
                named = replace(named, person=False)
            frames.append(_Frame(named or _NOBODY, index, at, at, [], paragraph))
        for token in doc:
            if (_is_speech_verb(token) or token.lower_ == "according") and not _inside(
                quotes, s + token.idx
            ):
                framed.add(paragraph)
            frame = (
                _according_frame(text, token, s, (s, e), index, paragraph)
                or _reported_by_frame(text, token, s, (s, e), index, paragraph)
                or _verb_frame(text, token, s, quotes, index, paragraph)
            )
            if frame is not None:
                frames.append(frame)
    frames = [f for f in frames if f.speaker is not _NOBODY]
    return _resolve(text, sentences, para_starts, quotes, frames, framed)


_NOBODY = _Speaker("", None, "", "name", False, False)


def _named_subject(doc: Doc) -> Token | None:
    """The main clause's subject when it is a named organisation or country."""
    for token in doc:
        named = any(e.label_ in ("ORG", "GPE") and e.start <= token.i < e.end for e in doc.ents)
        if token.dep_ == "nsubj" and token.head.dep_ == "ROOT" and token.pos_ == "PROPN" and named:
            return token
    return None


def _resolve(
    text: str,
    sentences: list[tuple[int, int]],
    para_starts: list[int],
    quotes: list[_Quote],
    frames: list[_Frame],
    framed: set[int],
) -> _Analysis:
    resolver = _Resolver(text)
    out: list[Statement] = []
    unresolved: list[tuple[int, str, bool]] = []
    by_sentence: dict[int, list[tuple[_Frame, _Speaker]]] = {}
    for frame in sorted(frames, key=lambda f: (f.sentence, f.frame_start)):
        speaker = resolver.resolve(frame.paragraph, frame.speaker)
        if speaker is None:
            if frame.contents:
                direct = any(c[0] == "direct" for c in frame.contents)
                unresolved.append((frame.sentence, frame.speaker.mention, direct))
            continue
        if speaker.agency and speaker.kind == "role":  # "the official agency": the last named one
            for _, s in reversed(resolver.seen):
                if s.agency and s.kind == "name":
                    speaker = replace(s, mention=speaker.mention)
                    break
        resolver.add(frame.paragraph, speaker)
        if frame.contents:
            by_sentence.setdefault(frame.sentence, []).append((frame, speaker))
    for index, items in sorted(by_sentence.items()):
        agencies = [sp for _, sp in items if sp.agency]
        people = [(f, sp) for f, sp in items if not sp.agency]
        via = agencies[0].name if agencies and people else None
        for frame, speaker in people or items:
            for kind, start, end, outer_start, outer_end in frame.contents:
                covered = [
                    (a, b)
                    for a, b in sentences
                    if a < max(end, frame.frame_end) and b > min(start, frame.frame_start)
                ]
                sent = (covered[0][0], covered[-1][1]) if covered else sentences[index]
                cite = _extend(
                    text,
                    min(outer_start, frame.frame_start),
                    max(outer_end, frame.frame_end),
                    sent,
                )
                out.append(
                    Statement(
                        speaker=speaker.name,
                        role=speaker.role,
                        kind=kind,
                        via=via if via and actor_key(via) != actor_key(speaker.name) else None,
                        sentence_start=sent[0],
                        sentence_end=sent[1],
                        start=start,
                        end=end,
                        cite_start=cite[0],
                        cite_end=cite[1],
                        mention=speaker.mention,
                    )
                )
    out = _continuations(text, para_starts, quotes, sentences, out, framed)
    unique: dict[tuple[str, int, int], Statement] = {}
    for st in out:
        unique.setdefault((actor_key(st.speaker), st.start, st.end), st)
    ordered = sorted(unique.values(), key=lambda st: (st.start, st.end))
    return _Analysis(tuple(ordered), tuple(unresolved))


def _continuations(
    text: str,
    para_starts: list[int],
    quotes: list[_Quote],
    sentences: list[tuple[int, int]],
    found: list[Statement],
    framed: set[int],
) -> list[Statement]:
    """A paragraph that is one quotation, with no speech verb of its own, continues the speaker
    of the paragraph just before it."""
    out = list(found)
    for q in quotes:
        paragraph = bisect_right(para_starts, q.open) - 1
        if paragraph <= 0 or para_starts[paragraph] != q.open or paragraph in framed:
            continue
        if any(
            q.open <= st.start < q.outer_end or q.open <= st.cite_start < q.outer_end for st in out
        ):
            continue
        previous = [
            st for st in out if bisect_right(para_starts, st.cite_start) - 1 == paragraph - 1
        ]
        if not previous:
            continue
        last = max(previous, key=lambda st: st.cite_end)
        start, end = _trimmed(text, *q.inner)
        covered = [(a, b) for a, b in sentences if a < end and b > start]
        if not covered or end - start < 2:
            continue
        out.append(
            replace(
                last,
                kind="direct",
                sentence_start=covered[0][0],
                sentence_end=covered[-1][1],
                start=start,
                end=end,
                cite_start=covered[0][0],
                cite_end=covered[-1][1],
            )
        )
    return out


# ---- the cache and the public API ---------------------------------------------------------

_CACHE_SIZE = 2048
"""Articles whose statements are kept (a few hundred bytes each): a 1k-article store stays parsed."""
_CACHE: OrderedDict[bytes, _Analysis] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def analyse(text: str) -> _Analysis:
    """The article's statements, parsed once per distinct text (LRU of recent texts)."""
    key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
    result = _analyse(text)
    with _CACHE_LOCK:
        _CACHE[key] = result
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result


def statements(text: str) -> list[Statement]:
    """Every attributed statement of ``text``, in text order."""
    return list(analyse(text).statements)


def statements_at(text: str, start: int, end: int) -> list[Statement]:
    """The statements whose words overlap ``text[start:end]``."""
    return [st for st in analyse(text).statements if st.start < end and st.end > start]


def speakers_at(text: str, start: int, end: int) -> list[str]:
    """Who speaks in ``text[start:end]``: each overlapping statement's speaker, then how the text
    named them there (a description such as "the North Korean leader") and the agency that
    reported them. Empty for the writer's own sentences."""
    out: list[str] = []
    for st in statements_at(text, start, end):
        for name in (st.speaker, st.mention if st.mention != st.speaker else None, st.via):
            if name and name.casefold() not in _PRONOUNS and name not in out:
                out.append(name)
    return out
