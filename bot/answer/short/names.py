"""Who / which: the name (or, for "what type of …", the kind) the best sentences agree on."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.answer.evidence import Evidence
from bot.answer.question import Question
from bot.answer.short.settled import (
    Sentence,
    Settled,
    article_sentences,
    best_sentences,
    quote_lines,
)
from bot.text.attribution import PERSON_ROLES
from bot.text.nlp import parse
from bot.text.speech import (
    TITLES,
    actor_key,
    clean_name,
    entities,
    is_nationality,
)
from bot.text.words import (
    claim_stems,
    claim_terms,
    word_set,
)
from vectorstore.sentences import sentence_spans

if TYPE_CHECKING:
    from spacy.tokens import Doc

_NOT_NAMES = word_set(
    """monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december week"""
)
_CAPITALISED_RUN = re.compile(r"[A-Z][\w'’\-]*(?:\s+(?:(?:of|de|the|for)\s+)?[A-Z0-9][\w'’\-]*)*")


_TITLE_WORDS = re.compile(rf"^(?:(?:{TITLES})\s+)+", re.IGNORECASE)


def name_mentions(sentence: str) -> list[tuple[str, bool]]:
    """The proper names of a sentence as written, each with whether it opens the sentence
    (then its first word may be any capitalised word: "Additionally", "Using …"): runs of
    capitalised words that ``bot.text.speech.entities`` (the one definition of a name) also
    reads as names, less a leading title ("CEO Caroline Ellison") and possessives."""
    keys = entities(sentence)
    out = []
    for match in _CAPITALISED_RUN.finditer(sentence):
        offset = match.start()
        for piece in re.split(r"(['’]s)\b\s*", match.group()):
            if not piece or piece in ("'s", "’s"):
                offset += len(piece)
                continue
            name = clean_name(re.sub(r"^(?:(?:of|the|for|de)\s+)+", "", piece.rstrip("'’")))
            opening = offset == 0
            offset += len(piece)
            if not name or actor_key(name) not in keys | {actor_key(piece)}:
                continue
            name = re.sub(r"^(?:(?:of|the|for|de)\s+)+", "", _TITLE_WORDS.sub("", name)).strip()
            if name and not is_nationality(name) and name.casefold() not in _NOT_NAMES:
                out.append((name, opening and not name.isupper()))
    return out


def _words(name: str) -> frozenset[str]:
    """A name as its words ("Kim Jong-un" and "Kim Jong Un" are both kim, jong, un)."""
    return frozenset(actor_key(w) for w in re.split(r"[\s\-‐]+", name) if actor_key(w))


def _given_names(question: Question, sources: Sequence[str]) -> set[str]:
    """Name words the question itself gives, and the publishers: never the answer."""
    given = set(claim_stems(question.text)) | entities(question.text)
    for source in sources:
        given |= entities(source) | {actor_key(source)}
    return given


_PERSON_NOUNS = PERSON_ROLES | word_set(
    """individual individuals person people man woman star singer actor actress rapper artist
    musician athlete quarterback billionaire entrepreneur celebrity figure"""
)
_ORGANISATION_NOUNS = word_set(
    """company companies firm firms team teams organization organizations organisation
    organisations brand brands platform platforms network networks agency agencies outlet
    outlets publication publications startup startups retailer retailers club clubs"""
)
_WHICH = re.compile(r"^\s*(?:which|what)\s+", re.IGNORECASE)


def _asked_noun(question: Question) -> tuple[str | None, str]:
    """What kind of name the question asks for — ``person`` ("who …", "which individual",
    "which pop star"), ``organisation`` ("which company", "which NFL team") or None — and the
    question's text after the words that ask ("Who", "Which NFL team")."""
    text = question.text
    who = re.match(r"\s*(?:who|whom)\b", text, re.IGNORECASE)
    if who:
        return "person", text[who.end() :]
    which = _WHICH.match(text)
    if which is None:
        return None, text
    end = which.end()
    words = re.finditer(r"[\w\-]+", text[end:])
    for count, word in enumerate(words):
        if count == 4 or text[end : which.end() + word.start()].strip():
            break  # the asking words end at a comma or after four words
        noun = word.group().casefold()
        end = which.end() + word.end()
        if noun in _PERSON_NOUNS:
            return "person", text[end:]
        if noun in _ORGANISATION_NOUNS:
            return "organisation", text[end:]
    first = re.match(r"\s*(?:which|what)\s+[\w\-]+", text, re.IGNORECASE)
    return None, text[first.end() :] if first else text


_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
_NOT_OF_KIND = {
    # an individual is not a place; a company or a team is neither a person nor a place, a
    # date or an event ("Prime Big Deal Days" is Amazon's sale, not a company)
    "person": _PLACE_LABELS,
    "organisation": _PLACE_LABELS | {"PERSON", "DATE", "TIME", "EVENT"},
}


def _of_other_kind(
    kind: str | None, mentions: dict[frozenset[str], list[tuple[str, str]]]
) -> set[frozenset[str]]:
    """Candidates that are not the kind of name asked: spaCy's entity recogniser labels every
    one of their mentions in the best sentences with a kind the question excludes ("Silicon
    Valley" is a place, never "the individual"). A mention it leaves unlabelled, or labels
    otherwise, keeps the candidate. ``mentions``: name words → (name as written, sentence)."""
    if kind is None or not mentions:
        return set()
    texts = sorted({text for pairs in mentions.values() for _, text in pairs})
    labels_of: dict[str, list[tuple[str, str]]] = {
        text: [(e.text, e.label_) for e in doc.ents]
        for text, doc in zip(texts, parse(texts), strict=True)
    }
    out = set()
    for words, pairs in mentions.items():
        labels = set()
        for name, text in pairs:
            found = [label for ent, label in labels_of[text] if name in ent or ent in name]
            labels.add(found[0] if found else None)
        if labels and labels <= _NOT_OF_KIND[kind]:
            out.add(words)
    return out


_MALE = re.compile(r"\b(?:he|him|his|himself)\b", re.IGNORECASE)
_FEMALE = re.compile(r"\b(?:she|her|hers|herself)\b", re.IGNORECASE)


def _pronoun_gender(text: str) -> str | None:
    """ "male" when the text's personal pronouns are all he/him/his, "female" when all
    she/her, else None."""
    male, female = bool(_MALE.search(text)), bool(_FEMALE.search(text))
    if male == female:
        return None
    return "male" if male else "female"


def _pronoun_votes(evidence: Sequence[Evidence]) -> dict[frozenset[str], dict[str, int]]:
    """How the articles refer to each name: a sentence that opens on a name (its first name,
    "Ellison's tenure … , she testified") and whose personal pronouns are all of one gender
    votes that gender for that name."""
    votes: dict[frozenset[str], dict[str, int]] = {}
    for ev, a, b in article_sentences(evidence, 8):
        article = ev.passage.article
        assert article is not None
        text = article.text[a:b]
        gender = _pronoun_gender(text)
        if gender is None:
            continue
        first = (_MALE.search(text) or _FEMALE.search(text)).start()  # type: ignore[union-attr]
        for name, opening in name_mentions(text[:first]):
            if opening and " " in name:  # "Using Caroline Ellison": not a first name
                name = name.split(" ", 1)[1]
            words = _words(name)
            if words:
                per_gender = votes.setdefault(words, {})
                per_gender[gender] = per_gender.get(gender, 0) + 1
    return votes


def _votes_for(
    words: frozenset[str], votes: dict[frozenset[str], dict[str, int]]
) -> dict[str, int]:
    """The pronoun votes of a name and of its shorter and longer forms ("Ellison",
    "Caroline Ellison")."""
    out: dict[str, int] = {}
    for other, per_gender in votes.items():
        if other <= words or words <= other:
            for gender, count in per_gender.items():
                out[gender] = out.get(gender, 0) + count
    return out


def _of_other_gender(
    question: Question,
    candidates: Sequence[frozenset[str]],
    evidence: Sequence[Evidence],
) -> set[frozenset[str]]:
    """ "Who … his responsibilities?" asks for a man: a candidate the articles refer to with
    the other pronoun, more than once and more often than with the question's, is not the one
    asked for. Not applied when a name the question gives is itself referred to with the
    question's pronoun (then "his" may be that person's)."""
    gender = _pronoun_gender(question.text)
    if gender is None:
        return set()
    other = "female" if gender == "male" else "male"
    votes = _pronoun_votes(evidence)
    for name, _ in name_mentions(question.text):
        given = _votes_for(_words(name), votes)
        if given.get(gender, 0) >= 2 and given.get(gender, 0) > given.get(other, 0):
            return set()
    out = set()
    for words in candidates:
        counts = _votes_for(words, votes)
        if counts.get(other, 0) >= 2 and counts.get(other, 0) > counts.get(gender, 0):
            out.add(words)
    return out


_CLASS_ASKED = re.compile(
    r"^\s*(?:what|which)\s+(?:are\s+the\s+)?(?:(?:types?|kinds?|sorts?)\s+of\b|entities\b)",
    re.IGNORECASE,
)
_PLURAL = re.compile(r"\b[a-z]{3,}(?<![su]s)(?<!ss)s\b")


def _class_noun(question: Question, sentences: Sequence[Sentence]) -> Settled | None:
    """ "What type of establishments …" / "What are the entities that …" asks for a kind of
    thing, not a name: the plural common noun the best sentences use most ("sportsbooks"),
    one the question does not give, clearly ahead of the next (else no answer)."""
    asked = claim_stems(question.text)
    question_words = re.findall(r"[a-z]+", question.text.casefold())
    counts: dict[str, int] = {}
    lowered = [s.text[:1].lower() + s.text[1:] for s in sentences[:12]]  # "Sportsbooks adjust …"
    plurals = {word for text in lowered for word in _PLURAL.findall(text)}
    for text in lowered:
        # "every sportsbook" speaks of sportsbooks too: a noun counts in the singular as well
        for word in {w for w in plurals if re.search(rf"\b{w[:-1]}s?\b", text)}:
            # "bets" is given by "betting": a word of the question's own family
            if not claim_stems(word) & asked and not any(
                w.startswith(word[:-1]) for w in question_words
            ):
                counts[word] = counts.get(word, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < 3 or (len(ranked) > 1 and ranked[1][1] >= ranked[0][1]):
        return None
    noun = ranked[0][0]
    picks = [s for s in sentences[:12] if re.search(rf"\b{noun[:-1]}s?\b", s.text, re.I)]
    body, citations, used = quote_lines(_one_per_article(picks), focus=question.focus)
    if not citations:
        return None
    display = noun.capitalize()
    return Settled(display, body, citations, used)


def settle_name(question: Question, evidence: Sequence[Evidence]) -> Settled | None:
    sentences = best_sentences(evidence)
    if not sentences:
        return None
    if _CLASS_ASKED.search(question.text):
        return _class_noun(question, sentences)
    floor = sentences[0].score * 0.6
    sources = {s.passage.article.source or "" for s in sentences if s.passage.article}
    given = _given_names(question, sorted(sources))
    asked, _ = _asked_noun(question)
    kind_is_person = asked == "person"
    acronyms: dict[str, list[Sentence]] = {}
    best: dict[frozenset[str], dict[str, float]] = {}  # name words -> article id -> score
    forms: dict[frozenset[str], dict[str, int]] = {}
    mentions: dict[frozenset[str], list[tuple[str, str]]] = {}
    mid_sentence = {
        actor_key(n) for s in sentences for n, opening in name_mentions(s.text) if not opening
    }
    for s in sentences:
        if s.score < floor:
            continue
        for name, opening in name_mentions(s.text):
            if opening and actor_key(name) not in mid_sentence:
                # a capitalised opening word is not a name unless seen inside a sentence
                name = name.split(" ", 1)[1] if " " in name else ""
            if kind_is_person and name.isupper():
                # an acronym names an organisation, not "the individual" (unless it stands
                # for a person's name: "SBF", merged below)
                acronyms.setdefault(name, []).append(s)
                continue
            words = _words(name)
            if not words or words <= given or actor_key(name) in given:
                continue
            assert s.passage.article is not None
            per_article = best.setdefault(words, {})
            aid = s.passage.article.id
            per_article[aid] = max(per_article.get(aid, 0.0), s.score)
            forms.setdefault(words, {})
            forms[words][name] = forms[words].get(name, 0) + 1
            mentions.setdefault(words, []).append((name, s.text))
    _merge_acronyms(acronyms, best, forms)
    votes, subjects = _subject_votes(question, sentences[:3])
    for words, bonus in votes.items():
        if words in best:
            best[words]["subject"] = bonus
    if not best:
        return None
    # "Bankman-Fried" counts for "Sam Bankman-Fried": a name's votes go to the longer names
    # that contain all its words.
    totals: dict[frozenset[str], float] = {}
    for words in best:
        merged: dict[str, float] = {}
        for other, per_article in best.items():
            if words <= other or other <= words:
                for aid, score in per_article.items():
                    merged[aid] = max(merged.get(aid, 0.0), score)
        totals[words] = sum(merged.values()) + 0.01 * len(words)
    # a name of another kind than asked, or (for a person) of the other gender, still lends
    # its votes to the names that contain it, but is never the answer itself
    common = _lower_case_words(evidence)
    excluded = _of_other_kind(asked, mentions)
    for words in [
        w for w in excluded if all(totals[w] > totals[o] for o in totals if o not in excluded)
    ]:
        # "Alameda" reads as a place; "Alameda Research", as the articles write it in full, not
        fuller = _fullest_form(words, forms, evidence, common)
        sentence = _sentence_with(evidence, fuller)
        if (
            sentence
            and _words(fuller) > words
            and not _of_other_kind(asked, {words: [(fuller, sentence)]})
        ):
            excluded.discard(words)
    if kind_is_person:
        excluded |= _of_other_gender(question, list(totals), evidence)
    eligible = [w for w in totals if w not in excluded]
    if not eligible:
        return None
    # a multi-source question: the name the most of its named publications write leads
    covered = _sources_covering(question, eligible, sentences)
    winner = max(eligible, key=lambda w: (covered.get(w, 0), totals[w]))
    shorter = [o for o in eligible if o < winner and (winner - o) <= common]
    if shorter:  # "Google Search" is Google's search: the name is "Google"
        winner = max(shorter, key=lambda w: (totals[w], len(w)))
    longer = [o for o in eligible if winner < o and not (o - winner) <= common]
    if longer:  # "Kim" stands for "Kim Jong Un": show the fullest form the sources give
        winner = max(longer, key=lambda w: (totals[w], len(w)))
    display = _fullest_form(winner, forms, evidence, common)
    picks = [
        s
        for s in sentences
        if any(winner <= _words(n) or _words(n) <= winner for n, _ in name_mentions(s.text))
    ]
    # the sentence where the answer is the subject of the question's verb leads
    picks = _one_per_article(
        sorted(picks, key=lambda s: (s not in subjects, _headline(s.text), -s.score))
    )
    body, citations, used = quote_lines(picks, focus=question.focus)
    if not citations:
        return None
    return Settled(display, body, citations, used)


def _sources_covering(
    question: Question, candidates: Sequence[frozenset[str]], sentences: Sequence[Sentence]
) -> dict[frozenset[str], int]:
    """How many of the publications the question names ("as reported by The Verge and
    TechCrunch") write each candidate in the sentences found for the question: the answer is
    the name they share."""
    named: dict[str, set[frozenset[str]]] = {}
    for s in sentences:
        article = s.passage.article
        assert article is not None
        source = (article.source or "").split("|")[0].strip()  # "Cnbc | World Business …"
        if not source or not re.search(rf"(?<!\w){re.escape(source)}(?!\w)", question.text, re.I):
            continue
        found = named.setdefault(source, set())
        for name, _ in name_mentions(s.text):
            found.add(_words(name))
    out: dict[frozenset[str], int] = {}
    for words in candidates:
        out[words] = sum(
            any(w and (w <= words or words <= w) for w in found) for found in named.values()
        )
    return out


def _initials(name: str) -> str:
    """ "Sam Bankman-Fried" → "SBF"."""
    return "".join(w[0] for w in re.split(r"[\s\-‐]+", name) if w).upper()


def _merge_acronyms(
    acronyms: dict[str, list[Sentence]],
    best: dict[frozenset[str], dict[str, float]],
    forms: dict[frozenset[str], dict[str, int]],
) -> None:
    """ "SBF" is "Sam Bankman-Fried" when exactly one candidate of two or more words has those
    initials: the acronym's sentences vote for that name."""
    for acronym, said in acronyms.items():
        if len(acronym) < 2:
            continue
        owners = [w for w in best if len(w) >= 2 and any(_initials(n) == acronym for n in forms[w])]
        if len(owners) != 1:
            continue
        per_article = best[owners[0]]
        for s in said:
            aid = s.passage.chunk.article_id
            per_article[aid] = max(per_article.get(aid, 0.0), s.score)


def _fullest_form(
    winner: frozenset[str],
    forms: dict[frozenset[str], dict[str, int]],
    evidence: Sequence[Evidence],
    common: set[str],
) -> str:
    """The name as the sources write it most fully: "Bankman-Fried" is shown as "Sam
    Bankman-Fried", "Alameda" as "Alameda Research" when the articles give the longer form (one
    more name word before or after it). A sentence's opening word counts as that word only
    when the articles also write it capitalised inside a sentence, or when the tagger reads it
    as a proper noun that opens an entity spanning the whole form ("Sam Bankman-Fried didn't
    ask …"; never "Using", "Meanwhile")."""
    display = max(forms[winner], key=lambda n: (forms[winner][n], len(n)))
    fuller: dict[str, int] = {}
    opening_forms: dict[str, int] = {}
    opening_texts: dict[str, list[str]] = {}
    inside: set[str] = set()
    seen: set[str] = set()
    for ev in evidence[:8]:
        article = ev.passage.article
        assert article is not None
        if article.id in seen:
            continue
        seen.add(article.id)
        texts = [article.text[a:b] for a, b in sentence_spans(article.text, 0, len(article.text))]
        if article.title and not _title_case(article.title):
            texts.append(article.title)
        for text in texts:
            for name, opening in name_mentions(text):
                words = _words(name)
                if not opening:
                    inside |= words
                if not (winner < words and len(words) - len(winner) == 1):
                    continue
                if name.endswith(display) or name.startswith(display + " "):
                    counts = opening_forms if opening else fuller
                    counts[name] = counts.get(name, 0) + 1
                    if opening:
                        opening_texts.setdefault(name, []).append(text)
    for name, count in opening_forms.items():
        if _words(name) - winner <= inside or any(
            _opens_with_name(doc, name) for doc in parse(opening_texts[name][:3])
        ):
            fuller[name] = fuller.get(name, 0) + count
    # a word after the name that the articles also write in lower case is a common noun
    # ("Google Search" is Google's search), not part of the name ("Alameda Research")
    fuller = {
        n: c
        for n, c in fuller.items()
        if n.endswith(display) or actor_key(n.split()[-1]) not in common
    }
    return max(fuller, key=lambda n: (fuller[n], n.endswith(display))) if fuller else display


def _opens_with_name(doc: Doc, name: str) -> bool:
    """The parsed text opens on ``name`` as one entity whose first word is a proper noun."""
    return (
        len(doc) > 0
        and doc[0].pos_ == "PROPN"
        and any(e.start == 0 and e.text == name for e in doc.ents)
    )


def _sentence_with(evidence: Sequence[Evidence], name: str) -> str | None:
    """The first sentence of the evidence's articles that writes ``name`` as a whole word."""
    for ev in evidence[:8]:
        article = ev.passage.article
        assert article is not None
        found = re.search(rf"(?<![\w\-]){re.escape(name)}(?![\w\-])", article.text)
        if found:
            for a, b in sentence_spans(article.text, 0, len(article.text)):
                if a <= found.start() < b:
                    return article.text[a:b]
    return None


def _lower_case_words(evidence: Sequence[Evidence]) -> set[str]:
    """The words the evidence's articles write in lower case (common nouns, verbs): "search"
    tells that "Google Search" is Google's search, not a longer name of Google."""
    texts = {
        ev.passage.article.id: ev.passage.article.text for ev in evidence[:8] if ev.passage.article
    }
    return {w for text in texts.values() for w in re.findall(r"\b[a-z][a-z]+\b", text)}


def _title_case(title: str) -> bool:
    """A headline In Title Case: its capitals do not tell names from other words."""
    words = re.findall(r"[A-Za-z][\w'’\-]*", title)
    return sum(w[0].isupper() for w in words) > len(words) / 2


def _subject_votes(
    question: Question, sentences: Sequence[Sentence]
) -> tuple[dict[frozenset[str], float], list[Sentence]]:
    """ "Who rejected X?": in the best sentences, the name right before the question's verb
    ("Kim Jong Un rejected …") is the one asked for — a vote as strong as a sentence."""
    # the verb right after the asking words ("Which NFL team, featured …" has none)
    _, rest = _asked_noun(question)
    match = re.match(r"\s+(?:(?:has|had|have|was|is|did)\s+)?(\w+)", rest, re.IGNORECASE)
    if match is None:
        return {}, []
    verb = claim_terms(match.group(1))
    if not verb:
        return {}, []
    votes: dict[frozenset[str], float] = {}
    subjects: list[Sentence] = []
    for s in sentences:
        text = s.text
        for token in re.finditer(r"[\w'’\-]+", text):
            if claim_terms(token.group()) and claim_terms(token.group())[0].stem == verb[0].stem:
                before = name_mentions(text[: token.start()])
                if before:
                    words = _words(before[-1][0])
                    votes[words] = max(votes.get(words, 0.0), s.score)
                    subjects.append(s)
                break
    return votes, subjects


def _headline(text: str) -> bool:
    """A headline or fragment (no closing punctuation): a poor quote when a sentence says it."""
    return not re.search(r"[.!?…][\"'”’»)]*\s*$", text)


def _one_per_article(picks: Sequence[Sentence]) -> list[Sentence]:
    """The best sentence of each article first, then the rest."""
    seen: set[str] = set()
    first, rest = [], []
    for pick in picks:
        aid = pick.passage.chunk.article_id
        (rest if aid in seen else first).append(pick)
        seen.add(aid)
    return first + rest
