"""Who/which short answers (``bot.answer.short.settle`` on handmade evidence): a name written as
its initials votes for the name, the name is shown in the fullest form the articles give, and it
is of the kind the question asks for (a person, not a place or an acronym; a company or team, not
a person; not a person the articles call by the other pronoun than the question's)."""

from __future__ import annotations

from bot.answer.evidence import Evidence
from bot.answer.question import Question
from bot.answer.short import settle
from vectorstore.chunking import chunk_article
from vectorstore.models import Article, ScoredChunk
from vectorstore.sentences import sentence_spans


def article(aid: str, text: str, title: str = "Trial notes", source: str = "Wire") -> Article:
    return Article(
        id=aid, title=title, text=text, content_hash=aid, source=source, published_at="2023-10-01"
    )


def evidence(*articles: Article, scores: dict[str, float] | None = None) -> list[Evidence]:
    """Every sentence of every article bears on the question alike (or as ``scores`` says, by
    article id)."""
    out = []
    for a in articles:
        score = (scores or {}).get(a.id, 1.0)
        for chunk in chunk_article(a.id, a.text):
            spans = sentence_spans(a.text, chunk.start, chunk.end)
            out.append(
                Evidence(
                    ScoredChunk(chunk, score, a),
                    score,
                    score,
                    set(),
                    [(s, e, score) for s, e in spans],
                )
            )
    out.sort(key=lambda ev: -ev.similarity)
    return out


def short_answer(
    question: str, *articles: Article, scores: dict[str, float] | None = None
) -> str | None:
    found = evidence(*articles, scores=scores)
    settled = settle(None, Question.read(question), found)  # type: ignore[arg-type]
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


# ---- the kind of name asked for -----------------------------------------------------------


def test_which_individual_is_never_an_acronym() -> None:
    question = "Which individual took money from customers?"
    articles = [
        article("a", "FTX took money from customers, the court heard."),
        article("b", "Customers lost money at FTX, prosecutors said."),
        article("c", "Prosecutors said Sam Bankman-Fried took money from customers."),
    ]
    # two articles name FTX, one the person: "which individual" asks for a person, as "who" does
    assert short_answer(question, *articles) == "Sam Bankman-Fried"


def test_a_place_is_not_the_individual() -> None:
    question = "Who is the individual at the centre of the boom?"
    articles = [
        article("a", "In Silicon Valley the boom went on."),
        article("b", "Investors in Silicon Valley backed the boom."),
        article("c", "The boom made Sam Altman famous."),
    ]
    assert short_answer(question, *articles) == "Sam Altman"


def test_a_person_is_not_the_team() -> None:
    question = "Which NFL team won the game on Monday?"
    articles = [
        article("a", "The game was won when Josh Dobbs threw late."),
        article("b", "Josh Dobbs threw two touchdowns in the game."),
        article("c", "In the end the Vikings won the game."),
    ]
    assert short_answer(question, *articles) == "Vikings"


def test_a_name_read_as_a_place_is_a_company_in_its_fuller_form() -> None:
    question = "Which company handled the losses of the exchange?"
    articles = [
        article("a", "Losses were moved to Alameda by the exchange."),
        article("b", "Alameda handled losses, auditors said."),
        article("c", "The trading firm Alameda Research was set up in 2017."),
    ]
    # the best sentences write "Alameda" (a place to the entity recogniser); the articles also
    # write "Alameda Research", a company: the answer stands
    assert short_answer(question, *articles, scores={"c": 0.3}) == "Alameda Research"


def test_the_asking_words_are_not_the_verb() -> None:
    question = "Which NFL team, seen on Monday night, won the game?"
    articles = [
        article("a", "The ADOT numbers show how teams pass."),
        article("b", "In the end the Vikings won the game."),
        article("c", "At home the Vikings won on Monday night."),
    ]
    # "team" is what the question asks for, not its verb: "ADOT … teams" is no subject of it
    scores = {"a": 1.0, "b": 0.9, "c": 0.9}
    assert short_answer(question, *articles, scores=scores) == "Vikings"


# ---- he or she ----------------------------------------------------------------------------


def test_a_person_the_articles_call_she_is_not_the_man_asked_for() -> None:
    question = "Who is the individual accused of hiding losses from his investors?"
    articles = [
        article("a", "In court Caroline Ellison hid nothing: she hid the losses, she testified."),
        article("b", "In court Caroline Ellison said she was told to hide losses."),
        article("c", "In court Sam Bankman-Fried hid the losses from investors, and he lied."),
    ]
    assert short_answer(question, *articles) == "Sam Bankman-Fried"


def test_the_pronoun_may_be_that_of_a_person_the_question_names() -> None:
    question = "Who is the trader that testified against Sam Bankman-Fried and blamed him?"
    articles = [
        article("a", "In court Caroline Ellison blamed the losses on the founder, she testified."),
        article("b", "In court Caroline Ellison said she was told to hide losses."),
        article("c", "In court Sam Bankman-Fried denied it, and he said the trader was to blame."),
        article("d", "In court Sam Bankman-Fried told the jury he had done nothing wrong."),
    ]
    # "him" is Sam Bankman-Fried's (the articles call him "he"): it says nothing of the answer
    assert short_answer(question, *articles) == "Caroline Ellison"


def test_a_name_at_a_sentence_opening_completes_when_it_opens_the_whole_name() -> None:
    articles = [
        article(
            "a",
            "Prosecutors said Bankman-Fried lied.",
            "Sam Bankman-Fried didn’t ask where the money went",
        ),
        article("b", "The jury heard that Bankman-Fried took money."),
    ]
    assert short_answer(QUESTION, *articles) == "Sam Bankman-Fried"


def test_a_kind_written_in_the_singular_counts_too() -> None:
    question = "What are the entities that adjust lines and return stakes?"
    articles = [
        article("a", "Sportsbooks adjust the lines after injuries."),
        article("b", "Odds shift when money arrives."),
        article("c", "Every sportsbook offers welcome promotions."),
        article("d", "The odds are set by traders."),
        article("e", "Sportsbooks return stakes when games are called off."),
    ]
    # "sportsbooks" twice and "every sportsbook" once, "odds" twice: the kind is settled
    assert short_answer(question, *articles) == "Sportsbooks"


def test_the_name_the_publications_asked_about_share_leads() -> None:
    question = "Which company, covered by Wire and the Post, opened new factories?"
    articles = [
        article("a", "Tesla opened new factories, the report said."),
        article("b", "New factories were opened by Tesla."),
        article("c", "Analysts said Amazon opened new factories.", source="Post"),
        article("d", "Shoppers can buy cables at Amazon."),
    ]
    # Tesla leads the best sentences, but only Wire writes it; Wire and the Post both name Amazon
    scores = {"a": 1.0, "b": 1.0, "c": 0.9, "d": 0.3}
    assert short_answer(question, *articles, scores=scores) == "Amazon"
