"""Yes/no short answers over the sides of a question (bot.answer.short), on handmade articles.

A fake bot stands in for the store: the real question analysis (``bot.retrieval.query``) names
the publications, and "retrieval" returns every passage of the named sources. The checker is
code, so verdicts are pinned exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from bot.answer.question import Question
from bot.answer.short import publication_day, respective_claims, settle, side_claim
from bot.answer.short.sides import relation_asked
from bot.claims.checker import ClaimChecker, Verdict, check, names_written
from bot.retrieval.query import QueryAnalysis, SourceMatcher, analyse
from bot.settings import Settings
from bot.text.words import claim_terms, name_runs, negations, opposite_stems
from bot.types import SearchFilters
from tests.fakes import HashEmbeddings
from vectorstore.chunking import chunk_article
from vectorstore.models import Article, ScoredChunk


def article(aid: str, source: str, title: str, text: str, day: str = "2023-10-01") -> Article:
    return Article(
        id=aid, title=title, text=text, content_hash=aid, source=source, published_at=day
    )


def passages(*articles: Article) -> list[ScoredChunk]:
    return [ScoredChunk(c, 1.0, a) for a in articles for c in chunk_article(a.id, a.text)]


@dataclass
class FakeRetriever:
    articles: list[Article]
    searched: list[tuple[str, int, tuple[str, ...]]] = field(default_factory=list)

    def analyse(self, question: str) -> QueryAnalysis:
        return analyse(question, SourceMatcher(a.source or "" for a in self.articles))

    def retrieve(
        self, query: str, k: int = 6, filters: SearchFilters | None = None
    ) -> list[ScoredChunk]:
        sources = filters.sources if filters else ()
        self.searched.append((query, k, tuple(sources)))
        chosen = [a for a in self.articles if not sources or a.source in sources]
        return passages(*chosen)[:k]


@dataclass
class FakeBot:
    retriever: FakeRetriever
    settings: Settings = field(default_factory=Settings)
    sentence_embeddings: HashEmbeddings = field(default_factory=HashEmbeddings)


def short_answer(question: str, *articles: Article) -> str | None:
    bot = FakeBot(FakeRetriever(list(articles)))
    settled = settle(bot, Question.read(question), [])  # type: ignore[arg-type]
    return settled.short_answer if settled else None


# ---- respectively ----------------------------------------------------------------------------


def test_respectively_shares_the_list_out_in_order() -> None:
    # a clause as the question analysis gives it: the publications' names taken out
    claim = side_claim(
        "while ' ' and ' ' articles imply Google's actions are driven by profit "
        "maximization and anticompetitive behavior, respectively"
    )
    assert respective_claims(claim, 2) == [
        "Google s actions are driven by profit maximization",
        "Google s actions are driven by anticompetitive behavior",
    ]
    assert respective_claims("prices rose and fell, respectively", 3) is None  # 2 items, 3 sources
    assert respective_claims("prices rose and fell", 2) is None


AGE = article(
    "age",
    "The Age",
    "Is search fair?",
    "Critics argue Google's actions are driven by profit maximization above all. "
    "The company disputes this.",
)
TECH = article(
    "tc",
    "TechCrunch",
    "Publishers sue Google",
    "The lawsuit says Google's actions are driven by anticompetitive behavior in the ad market. "
    "Google said it would fight the case.",
)


def test_respectively_checks_each_source_on_its_own_claim() -> None:
    bot = FakeBot(FakeRetriever([AGE, TECH]))
    question = (
        "Do 'The Age' and 'TechCrunch' imply Google's actions are driven by profit "
        "maximization and anticompetitive behavior, respectively?"
    )
    settled = settle(bot, Question.read(question), [])  # type: ignore[arg-type]
    assert settled is not None and settled.short_answer == "Yes"
    searched = {(query, sources) for query, _, sources in bot.retriever.searched}
    assert searched == {
        ("Google s actions are driven by profit maximization", ("The Age",)),
        ("Google s actions are driven by anticompetitive behavior", ("TechCrunch",)),
    }
    # each quote comes from the source its claim was shared out to
    assert {c.source for c in settled.citations} == {"The Age", "TechCrunch"}


# ---- names across the article ----------------------------------------------------------------

FILM = article(
    "film",
    "Fortune",
    "Beyoncé's Renaissance concert film opens to $21 million",
    "Ticket sales were strong over the weekend. "
    "The concert film earned $21 million in its opening weekend at the box office.",
)


def test_side_names_may_be_in_the_title_while_the_predicate_is_in_the_quote() -> None:
    claim = "Beyoncé's Renaissance concert film earned $21 million in its opening weekend"
    strict = ClaimChecker().check(claim, passages(FILM))
    assert strict.verdict is Verdict.UNSUPPORTED and "name not in quote" in strict.reason
    loose = check(claim, passages(FILM), names_in_articles=True)
    assert loose.verdict is Verdict.SUPPORTED
    assert loose.citations[0].quote.startswith("The concert film earned $21 million")
    # the names alone do not carry a claim: its other words must be in one sentence
    other = "Beyoncé's Renaissance concert film was banned in France by the censors"
    assert check(other, passages(FILM), names_in_articles=True).verdict is not Verdict.SUPPORTED


def test_named_source_is_searched_deeper_with_names_across_its_articles() -> None:
    bot = FakeBot(FakeRetriever([FILM]))
    question = (
        "Does the Fortune article report that Beyoncé's Renaissance concert film earned "
        "$21 million in its opening weekend?"
    )
    settled = settle(bot, Question.read(question), [])  # type: ignore[arg-type]
    assert settled is not None and settled.short_answer == "Yes"
    assert all(k == bot.settings.answer.side_passages_named for _, k, _ in bot.retriever.searched)
    assert all(s == ("Fortune",) for _, _, s in bot.retriever.searched)


# ---- negation paraphrase ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claim_side", "source_side"),
    [
        ("the absence of a legislative remedy", "there is no legislative remedy"),
        ("a lack of legislative remedy", "there is no legislative remedy"),
        ("sellers set non-competitive prices", "sellers set prices that are not competitive"),
    ],
)
def test_negation_paraphrases_count_alike(claim_side: str, source_side: str) -> None:
    assert negations(claim_side) == negations(source_side) == 1


def test_non_prefix_is_a_negation_not_a_content_word() -> None:
    assert "non" not in {t.stem for t in claim_terms("non-competitive prices")}
    assert negations("nonetheless the prices rose") == 0


REMEDY = article(
    "rem",
    "TechCrunch",
    "AI rules",
    "Right now there is no legislative remedy to potential AI risks and abuses.",
)


def test_absence_of_x_is_not_contradicted_by_no_x() -> None:
    result = check("the absence of a legislative remedy for AI risks and abuses", passages(REMEDY))
    assert result.verdict is Verdict.SUPPORTED, result.reason
    # the plain opposite still is a contradiction
    opposite = check("there is a legislative remedy for AI risks and abuses", passages(REMEDY))
    assert opposite.verdict is Verdict.CONTRADICTED


# ---- opposites and "No" needs evidence -------------------------------------------------------


def test_victory_and_loss_are_opposites() -> None:
    assert "loss" in opposite_stems("victory") or "los" in opposite_stems("victory")
    assert "victory" in opposite_stems("loss") or "victory" in opposite_stems("los")


GAME = article(
    "game",
    "Sporting News",
    "Cowboys top Seahawks",
    "The Dallas Cowboys earned a victory over the Seattle Seahawks on Thursday night.",
)
WATCH = article(
    "watch",
    "The Verge",
    "FTX withdrawals",
    "Bankman-Fried decided which customers could withdraw funds from the exchange.",
)


def test_unsupported_side_is_not_no_but_a_contradicted_one_is() -> None:
    contradicted = "Did the Sporting News report a loss for the Dallas Cowboys?"
    assert short_answer(contradicted, GAME) == "No"
    supported = "Did the Sporting News report a victory for the Dallas Cowboys?"
    assert short_answer(supported, GAME) == "Yes"
    # nothing in the source bears on the planted detail: no evidence for either word
    unsupported = (
        "Does The Verge suggest that Bankman-Fried set withdrawal permissions by customer "
        "satisfaction scores?"
    )
    assert short_answer(unsupported, WATCH) not in ("No", "Yes")


TRIAL = article(
    "trial",
    "The Verge",
    "In the end, the FTX trial was about the friends",
    "Wang testified that Bankman-Fried let Alameda keep withdrawing money from FTX. "
    "The jury deliberated for hours.",
)


def test_the_article_s_short_form_of_a_name_counts_as_the_name() -> None:
    # "Sam" is never written; the article's own "Bankman-Fried" ends the claim's name
    assert names_written("Sam Bankman-Fried let Alameda withdraw money", TRIAL) == 1.0
    # a first name alone is not the person, and a name the article lacks is not written
    assert names_written("Sam Altman let Alameda withdraw money", TRIAL) == 0.5
    claim = "Sam Bankman-Fried let Alameda keep withdrawing money from FTX"
    assert check(claim, passages(TRIAL), names_in_articles=True).verdict is Verdict.SUPPORTED
    assert check(claim, passages(TRIAL)).verdict is not Verdict.SUPPORTED


def test_a_publication_date_scopes_the_search_and_is_no_claim() -> None:
    text, day = publication_day("the report on the trial published on October 6, 2023")
    assert text == "the report on the trial" and day is not None and day.isoformat() == "2023-10-06"
    text, day = publication_day("a decline for Murray in their December 19, 2023, article")
    assert day is not None and day.isoformat() == "2023-12-19" and "2023" not in text
    # "the report by <publication> on <day>", the publication's name already taken out
    text, day = publication_day("After the report by on October 22, 2023, about Google search")
    assert day is not None and day.isoformat() == "2023-10-22" and "2023" not in text
    # a date the claim itself states stays in the claim
    assert publication_day("Kim said on October 6, 2023 that he would go") == (
        "Kim said on October 6, 2023 that he would go",
        None,
    )


def test_a_dated_side_reads_its_dated_article_first() -> None:
    early = article(
        "e", "TechCrunch", "Trial day one", "The trial of Bankman-Fried opened.", "2023-10-01"
    )
    late = article(
        "l", "TechCrunch", "Trial verdict", "The trial of Bankman-Fried ended.", "2023-11-02"
    )
    bot = FakeBot(FakeRetriever([early, late]))
    question = (
        "Was the TechCrunch report published on November 2, 2023 about the trial of "
        "Bankman-Fried consistent with the TechCrunch report published on October 1, 2023?"
    )
    settle(bot, Question.read(question), [])  # type: ignore[arg-type]
    assert all("2023" not in query for query, _, _ in bot.retriever.searched)


def test_a_hyphenated_name_opening_a_claim_is_one_name() -> None:
    assert name_runs("Spider-Man embodies the spirit of Thanksgiving")[0] == ("spider", "man")
    assert name_runs("Then Biden spoke") == [("biden",)]  # an opening word alone is no name


def test_a_name_written_as_its_initials_is_written() -> None:
    nmpa = article(
        "nmpa",
        "Music Business Worldwide",
        "Publishers on AI",
        "The NMPA advocates for regulations on AI development.",
    )
    claim = "the National Music Publishers Association advocates for regulations on AI development"
    assert names_written(claim, nmpa) == 1.0
    assert names_written("the National Football League advocates for regulations", nmpa) == 0.0
    assert check(claim, passages(nmpa), names_in_articles=True).verdict is Verdict.SUPPORTED


# ---- soundness: what per-side checks cannot settle ------------------------------------------

HOPE_GUARDIAN = article(
    "hope-g",
    "The Guardian",
    "West Indies v England: first T20",
    "Shai Hope struggled against legspin bowling in the first T20 international.",
)
HOPE_AGE = article(
    "hope-a",
    "The Age",
    "West Indies v England: fifth T20",
    "Shai Hope played the anchor role in the fifth T20 international.",
)


def test_a_relation_between_sides_is_not_settled_by_each_side() -> None:
    # each side is written word for word in its source, yet "identically" is what is asked
    question = (
        "Did The Guardian say Shai Hope struggled against legspin bowling in the first T20 "
        "international identically to how The Age says Shai Hope played the anchor role in "
        "the fifth T20 international?"
    )
    assert short_answer(question, HOPE_GUARDIAN, HOPE_AGE) is None
    changed = (
        "Between The Guardian report that Shai Hope struggled against legspin bowling and The "
        "Age report that Shai Hope played the anchor role, was there a change in the reporting?"
    )
    assert short_answer(changed, HOPE_GUARDIAN, HOPE_AGE) is None
    # the same question without a relation is settled by its sides
    both = (
        "Does The Guardian say Shai Hope struggled against legspin bowling in the first T20 "
        "international, while The Age says Shai Hope played the anchor role in the fifth T20 "
        "international?"
    )
    assert short_answer(both, HOPE_GUARDIAN, HOPE_AGE) == "Yes"


def test_the_same_source_is_no_relation() -> None:
    assert not relation_asked("Did the same source also report a win for the Eagles?")
    assert not relation_asked("on the same day, did The Age report the Swans' position?")
    assert relation_asked("Did the same source describe his role the same way?")
    assert relation_asked("was the coverage consistent?")
    assert relation_asked("Has the stance of the Federal Reserve changed?")


EAGLES = article(
    "eagles",
    "Sporting News",
    "Eagles vs Dolphins on Sunday Night Football",
    "The Philadelphia Eagles met the Miami Dolphins on Sunday Night Football in Philadelphia.",
)
COWBOYS = article(
    "cowboys",
    "Sporting News",
    "Cowboys top Seahawks",
    "The Dallas Cowboys earned a victory over the Seattle Seahawks in Week 13.",
)


def test_a_predicate_with_an_opposite_must_be_written() -> None:
    # every other word is in the passage; whether the Eagles won or lost it does not say
    question = (
        "Did the Sporting News report a win for the Philadelphia Eagles against the Miami "
        "Dolphins on Sunday Night Football?"
    )
    assert short_answer(question, EAGLES) is None
    won = article(
        "won",
        "Sporting News",
        "Eagles vs Dolphins on Sunday Night Football",
        "The Philadelphia Eagles won against the Miami Dolphins on Sunday Night Football.",
    )
    assert short_answer(question, won) == "Yes"  # "won" says what "win" says


def test_a_clause_naming_no_publication_is_checked_too() -> None:
    # the second clause names no publication: it is asked of the Sporting News as well
    question = (
        "Did the Sporting News report a victory for the Dallas Cowboys over the Seattle "
        "Seahawks in Week 13, and did the same source also report a win for the Philadelphia "
        "Eagles against the Miami Dolphins on Sunday Night Football?"
    )
    assert short_answer(question, COWBOYS, EAGLES) is None
    won = article(
        "won",
        "Sporting News",
        "Eagles vs Dolphins",
        "The Philadelphia Eagles won against the Miami Dolphins on Sunday Night Football.",
    )
    assert short_answer(question, COWBOYS, won) == "Yes"
    assert side_claim("and the other detailing options like a team leading") == (
        "options like a team leading"
    )


def test_a_negated_side_counts_only_when_the_checker_supports_it() -> None:
    odds = article(
        "odds",
        "Sporting News",
        "Line Shopping in Sports Betting",
        "Sportsbooks move their betting lines and odds after gathering information from "
        "sharp bettors. Sharp bettors shop for the best line.",
    )
    # most of its words are there, and the checker finds no quote saying it either way
    question = "Does the Sporting News article suggest that sportsbooks do not adjust odds?"
    assert short_answer(question, odds) is None


def test_reported_terms_are_read_in_the_passage_not_the_whole_article() -> None:
    filler = " ".join(f"Paragraph {i} is about the weather in the city today." for i in range(40))
    long_article = article(
        "long",
        "The Verge",
        "Gift guide",
        "A GameStop gift card makes a gift. "
        + filler
        + " Gamers are useless at waiting. "
        + filler
        + " Every console has a preference screen.",
    )
    question = (
        "Does The Verge suggest that a GameStop gift card is a universally useless gift for "
        "gamers regardless of console preference?"
    )
    assert short_answer(question, long_article) is None


def test_before_a_did_b_asks_whether_b_came_first() -> None:
    norway = article(
        "norway",
        "The New York Times",
        "Norway's long wait",
        "Norway's football team has lacked competitiveness in major football tournaments.",
        "2023-11-17",
    )
    question = (
        "Before The New York Times reported on Norway's football team's lack of "
        "competitiveness in major football tournaments, did the Sporting News describe "
        "Manchester United's seven wins against Chelsea from 1905 to 1913?"
    )
    assert Question.read(question).kind == "order"
    for day, expected in (("2023-12-05", "No"), ("2023-10-02", "Yes")):
        united = article(
            "united",
            "Sporting News",
            "Man United vs Chelsea head to head",
            "Manchester United had seven wins against Chelsea from 1905 to 1913.",
            day,
        )
        assert short_answer(question, norway, united) == expected


# ---- both sources, unnamed ---------------------------------------------------------------------

_WIRE = article(
    "w1",
    "Daily Wire Service",
    "Talks stalled",
    "Talks between Washington and Pyongyang have been deadlocked since the failed summit in "
    "Hanoi in 2019. The port of Nampo was closed for repairs last week.",
)
_PAPER = article(
    "p1",
    "Evening Paper",
    "A standstill",
    "Talks between Washington and Pyongyang have been deadlocked since the failed summit in "
    "Hanoi in 2019, diplomats said. A new ferry line opened in Busan on Monday.",
)


def test_both_sources_needs_each_independent_source_to_say_it() -> None:
    said_by_both = "Do both sources report that talks have been deadlocked since the Hanoi summit?"
    bot = FakeBot(FakeRetriever([_WIRE, _PAPER]))
    settled = settle(bot, Question.read(said_by_both), [])  # type: ignore[arg-type]
    assert settled is not None and settled.short_answer == "Yes"
    assert {c.article_id for c in settled.citations} == {"w1", "p1"}  # one quote per source
    # only the wire says the port closed: "both" is not settled, and no "No" either
    said_by_one = "Do both articles report that the port of Nampo was closed for repairs?"
    settled = settle(bot, Question.read(said_by_one), [])  # type: ignore[arg-type]
    assert settled is not None and settled.short_answer is None
    assert "w1" in {c.article_id for c in settled.citations}
    # one source alone can never be "both"
    assert short_answer(said_by_both, _WIRE) is None
