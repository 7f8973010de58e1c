"""Who/which short answers (``bot.answer.short.settle`` on handmade evidence): a name written as
its initials votes for the name, and the name is shown in the fullest form the articles give."""

from __future__ import annotations

from bot.answer.evidence import Evidence
from bot.answer.question import Question
from bot.answer.short import settle
from vectorstore.chunking import chunk_article
from vectorstore.models import Article, ScoredChunk
from vectorstore.sentences import sentence_spans


def article(aid: str, text: str, title: str = "Trial notes") -> Article:
    return Article(
        id=aid, title=title, text=text, content_hash=aid, source="Wire", published_at="2023-10-01"
    )


def evidence(*articles: Article) -> list[Evidence]:
    """Every sentence of every article bears on the question alike."""
    out = []
    for a in articles:
        for chunk in chunk_article(a.id, a.text):
            spans = sentence_spans(a.text, chunk.start, chunk.end)
            out.append(
                Evidence(
                    ScoredChunk(chunk, 1.0, a), 1.0, 1.0, set(), [(s, e, 1.0) for s, e in spans]
                )
            )
    return out


def short_answer(question: str, *articles: Article) -> str | None:
    settled = settle(None, Question.read(question), evidence(*articles))  # type: ignore[arg-type]
    return settled.short_answer if settled else None


QUESTION = "Who is the individual accused of fraud by the prosecutors?"


def test_initials_vote_for_the_name_they_stand_for() -> None:
    articles = [
        article("a", "The fund was run for years by Caroline Ellison in Hong Kong."),
        article("b", "On Tuesday Caroline Ellison testified at the trial."),
        article("c", "The exchange was founded by Sam Bankman-Fried in 2019."),
        article("d", "Prosecutors told the jury that SBF lied to investors."),
        article("e", "The court heard that SBF took money from customers."),
    ]
    # two articles name Ellison; three name Sam Bankman-Fried, two of them by his initials
    assert short_answer(QUESTION, *articles) == "Sam Bankman-Fried"


def test_initials_shared_by_two_names_vote_for_neither() -> None:
    articles = [
        article("a", "The fund was run for years by Caroline Ellison in Hong Kong."),
        article("b", "On Tuesday Caroline Ellison testified at the trial."),
        article("c", "The exchange was founded by Sam Bankman-Fried in 2019."),
        article("d", "A lawyer named Sarah Beth Fox spoke for Sam Bankman-Fried."),
        article("e", "The court heard that SBF took money from customers."),
        article("f", "The court also heard from Caroline Ellison about the fund."),
    ]
    # without the initials, three articles name Ellison, two Sam Bankman-Fried
    assert short_answer(QUESTION, *articles) == "Caroline Ellison"


def test_a_short_name_is_shown_as_the_title_writes_it_in_full() -> None:
    articles = [
        article(
            "a",
            "Prosecutors said Bankman-Fried lied.",
            "The jury finally hears from Sam Bankman-Fried",
        ),
        article("b", "The jury heard that Bankman-Fried took money."),
    ]
    assert short_answer(QUESTION, *articles) == "Sam Bankman-Fried"


def test_a_name_word_after_the_short_form_completes_it() -> None:
    question = "Which company handled the losses of the exchange?"
    articles = [
        article("a", "Losses were moved to Alameda by the exchange."),
        article("b", "The losses were handled by Alameda Research, the trading firm."),
        article("c", "Auditors said Alameda handled losses."),
    ]
    assert short_answer(question, *articles) == "Alameda Research"


def test_an_opening_word_is_not_taken_for_a_first_name() -> None:
    articles = [
        article("a", "Meanwhile Bankman-Fried lied to the jury, prosecutors said."),
        article("b", "Meanwhile Bankman-Fried took money, the court heard."),
        article("c", "The prosecutors accused Bankman-Fried of fraud."),
    ]
    assert short_answer(QUESTION, *articles) == "Bankman-Fried"


def test_a_common_noun_after_the_name_is_not_part_of_it() -> None:
    question = "Which company paid to be the default on phones?"
    articles = [
        article("a", "Apple was paid by Google to make it the default."),
        article("b", "The deal made Google Search the default on phones, and search grew."),
        article("c", "Regulators said Google paid billions for the default."),
    ]
    assert short_answer(question, *articles) == "Google"


KIND_QUESTION = "What type of establishments adjust their lines and offer welcome promotions?"


def test_a_question_for_a_kind_of_thing_is_answered_with_the_common_noun() -> None:
    articles = [
        article("a", "Caesars Sportsbook offers new users a welcome promotion."),
        article("b", "Sportsbooks adjust their lines when news about a team breaks."),
        article("c", "Most sportsbooks offer welcome promotions with conditions."),
        article("d", "Odds shift as sportsbooks take in more money on one side."),
    ]
    assert short_answer(KIND_QUESTION, *articles) == "Sportsbooks"


def test_no_kind_is_given_when_no_noun_stands_out() -> None:
    articles = [
        article("a", "Caesars Sportsbook offers new users welcome bonuses."),
        article("b", "Sportsbooks adjust lines when news about a team breaks."),
        article("c", "Bookmakers offer welcome bonuses with conditions."),
    ]
    # "sportsbooks" in two sentences, "bonuses" in two: nothing settles the kind
    assert short_answer(KIND_QUESTION, *articles) is None


def test_a_plural_of_the_question_s_own_word_is_not_the_kind() -> None:
    question = "What are the entities that change betting odds after news breaks?"
    articles = [
        article("a", "Bets placed late move the odds."),
        article("b", "Sportsbooks move the odds when bets pile up."),
        article("c", "Sportsbooks watch the news and bets closely."),
        article("d", "Large bets arrive and sportsbooks react."),
    ]
    assert short_answer(question, *articles) == "Sportsbooks"
