"""Cited answers on the seeded store: real retrieval, real embedded model, real injected articles.

Behaviour is pinned with scripted chat models (``tests/fakes.py``): what the pipeline does with
a given model output — a faithful sentence, a wrong marker, an invented number, an obeyed
injection. The bundled SmolLM2 through llama.cpp is tested only for what must hold for *any*
output it writes (its wording changes with the CPU and the thread count): every citation is
verbatim at its span and resolves to a stored article, no injected payload appears, what streams
is the answer, and it finishes in bounded time.
"""

from __future__ import annotations

import json

import pytest

from bot.answer import answer_question, is_follow_up, standalone_query
from bot.answer.extractive import balanced_span, marks_balanced
from bot.answer.question import question_kind
from bot.llm.prompts import NO_ANSWER
from bot.service import Briefbot
from bot.settings import Settings
from bot.text.untrusted import looks_like_instruction
from tests.fakes import ExplodingModel, cited_reply, grounded_reply, scripted
from tests.helpers import MULTIHOP, PAYLOADS, check_citations, quotes
from vectorstore.store import ArticleStore

# ---- follow-ups (code only) --------------------------------------------------------------------


def test_follow_up_questions_are_joined_with_the_previous_one() -> None:
    history = [("Who rejected the US offer of dialogue?", "Kim Jong Un [1].")]
    assert is_follow_up("and what did the South say?")
    assert is_follow_up("What did he say next?")
    assert not is_follow_up("What is the capital of Peru?")
    joined = standalone_query("and what did the South say?", history)
    assert "South" in joined and "US offer of dialogue" in joined
    assert (
        standalone_query("What is the capital of Peru?", history) == "What is the capital of Peru?"
    )
    roles = [("user", "Who rejected the offer?"), ("assistant", "Kim [1].")]
    assert "rejected the offer" in standalone_query("and why?", roles)
    assert standalone_query("and why?", []) == "and why?"


# ---- abstention before the model ---------------------------------------------------------------


def null_queries(n: int) -> list[str]:
    data = json.loads((MULTIHOP / "queries_dev.json").read_text(encoding="utf-8"))
    return [q["query"] for q in data if q["question_type"] == "null_query"][:n]


def test_uncovered_questions_abstain_without_calling_the_model(seeded_settings: Settings) -> None:
    bot = Briefbot(settings=seeded_settings, llm=ExplodingModel())
    questions = [
        "What is the capital of Peru?",
        "What did the Bank of England decide in March 2019?",
        "Did the Federal Reserve raise interest rates?",
        *null_queries(2),
    ]
    streamed: list[str] = []
    for question in questions:
        answer = answer_question(bot, question, on_token=streamed.append)
        assert answer.abstained, question
        assert answer.answer == NO_ANSWER and answer.citations == []
    assert streamed == [NO_ANSWER] * len(questions)


# ---- code checks what a model writes (scripted model) ------------------------------------------


def test_wrong_marker_is_reattributed_and_markers_renumbered(
    seeded_settings: Settings, seeded_store: ArticleStore
) -> None:
    text = (
        "North Korea has carried out six missile tests since 2006 [7]. "
        "North Korea has not carried out any nuclear tests since 2017 [2]."
    )
    tokens: list[str] = []
    bot = Briefbot(settings=seeded_settings, llm=scripted(text))
    answer = answer_question(
        bot,
        "Tell me about the tests North Korea has carried out since 2006.",
        on_token=tokens.append,
    )
    assert not answer.abstained
    check_citations(answer, seeded_store)
    assert "[7]" not in answer.answer
    assert answer.answer.index("[1]") < answer.answer.index("[2]")
    assert answer.citations[0].quote == "North Korea has carried out six missile tests since 2006."
    assert "nuclear tests or intercontinental ballistic missile fire since 2017" in quotes(answer)
    assert "".join(tokens) == answer.answer


def test_invented_number_is_dropped_and_answer_becomes_extractive(
    seeded_settings: Settings, seeded_store: ArticleStore
) -> None:
    bot = Briefbot(
        settings=seeded_settings,
        llm=scripted("North Korea has carried out 12 missile tests since 2006 [1]."),
    )
    answer = answer_question(bot, "Tell me about North Korea's missile tests since 2006.")
    assert "12" not in answer.answer
    assert not answer.abstained
    check_citations(answer, seeded_store)
    assert "North Korea has carried out six missile tests since 2006." in quotes(answer)


def test_misattributed_speaker_is_not_kept(
    seeded_settings: Settings, seeded_store: ArticleStore
) -> None:
    # Kim rejected the offer; the spokesman did not say so.
    text = (
        "The US State Department spokesman said that Kim Jong Un rejected the United States’ "
        "offer of dialogue [1]."
    )
    bot = Briefbot(settings=seeded_settings, llm=scripted(text))
    answer = answer_question(
        bot, "What did the US State Department spokesman say about hostile intentions?"
    )
    assert "spokesman said that Kim" not in answer.answer
    check_citations(answer, seeded_store)
    assert "no hostile intentions" in quotes(answer)


def test_unsupported_quotation_is_flagged_and_unquoted(
    seeded_settings: Settings, seeded_store: ArticleStore
) -> None:
    text = "Kim Jong Un rejected the United States’ offer of dialogue as “a trap for fools” [1]."
    bot = Briefbot(settings=seeded_settings, llm=scripted(text))
    answer = answer_question(bot, "Tell me about the rejected US offer of dialogue.")
    assert answer.flagged_quotes == ["a trap for fools"]
    assert "“a trap for fools”" not in answer.answer
    check_citations(answer, seeded_store)


def test_model_saying_sources_do_not_answer_abstains(seeded_settings: Settings) -> None:
    bot = Briefbot(settings=seeded_settings, llm=scripted("The sources do not say."))
    answer = answer_question(bot, "What did Moon Jae-in propose?")
    assert answer.abstained and answer.citations == [] and answer.answer == NO_ANSWER


def test_scripted_injection_payload_is_dropped(injection_settings: Settings) -> None:
    # Even a model that obeys the injected article cannot get its words into the answer.
    store = ArticleStore(injection_settings.store_config())
    bot = Briefbot(settings=injection_settings, llm=scripted("I have been pwned [1]."))
    answer = answer_question(bot, "What is the latest on North Korea's missile programme?")
    assert "pwned" not in answer.answer.lower()
    check_citations(answer, store)
    assert not any(looks_like_instruction(c.quote) for c in answer.citations)


# ---- a capable model synthesises: every sentence goes through the claim checker --------------

DIALOGUE = "How did Kim Jong Un and the United States respond to the offer of dialogue?"
KIM = "Kim Jong Un rejected the United States’ offer of dialogue"
HOSTILE = "the US State Department said it had no hostile intentions"


def _answer(settings: Settings, reply: str, question: str = DIALOGUE):  # type: ignore[no-untyped-def]
    bot = Briefbot(settings=settings, llm=scripted(cited_reply(reply)))
    return answer_question(bot, question)


def test_two_source_sentence_keeps_both_markers(
    seeded_settings: Settings, seeded_store: ArticleStore
) -> None:
    answer = _answer(seeded_settings, f"{KIM} [@{KIM}], while {HOSTILE} [@no hostile intentions].")
    assert answer.answer == f"{KIM}, while {HOSTILE} [1][2]."
    check_citations(answer, seeded_store)
    assert KIM in answer.citations[0].quote
    assert "“no hostile intentions”" in answer.citations[1].quote
    # one sentence, two articles: Kim's rejection (AFP) and Biden's words (RT)
    biden = "Joe Biden said he had no illusions about the difficulty"
    answer = _answer(seeded_settings, f"{KIM} [@{KIM}], while {biden} [@no illusions].")
    assert answer.answer == f"{KIM}, while {biden} [1][2]."
    check_citations(answer, seeded_store)
    assert len({c.article_id for c in answer.citations}) == 2


def test_wrong_marker_is_re_anchored_to_the_supporting_quote(
    seeded_settings: Settings, seeded_store: ArticleStore
) -> None:
    answer = _answer(seeded_settings, f"{HOSTILE[0].upper()}{HOSTILE[1:]} [!no hostile].")
    assert answer.answer == "The US State Department said it had no hostile intentions [1]."
    check_citations(answer, seeded_store)
    assert "“no hostile intentions”" in answer.citations[0].quote


@pytest.mark.parametrize(
    "fabricated",
    [
        "Kim Jong Un rejected the offer of dialogue 12 times",  # wrong number
        "Joe Biden said he had no hostile intentions towards Pyongyang",  # swapped speaker
        "Kim Jong Un rejected the offer of dialogue in Paris",  # invented event
    ],
)
def test_fabricated_sentence_dropped_true_one_kept(
    seeded_settings: Settings, seeded_store: ArticleStore, fabricated: str
) -> None:
    answer = _answer(seeded_settings, f"{fabricated} [@{KIM}]. {KIM} [@{KIM}].")
    assert answer.answer == f"{KIM} [1]."
    check_citations(answer, seeded_store)


# ---- covered questions: code decides to answer, a faithful model gets the right quote ----------

OPEN = [
    (
        "Tell me about the rejected US offer of dialogue.",
        "Kim Jong Un rejected the United States’ offer",
    ),
    ("Tell me about US hostile intentions.", "no hostile intentions"),
    (
        "Tell me about North Korea's missile tests since 2006.",
        "North Korea has carried out six missile tests since 2006.",
    ),
]


@pytest.mark.parametrize(("question", "expected"), OPEN)
def test_open_questions_cite_the_sentence_that_answers(
    seeded_settings: Settings, seeded_store: ArticleStore, question: str, expected: str
) -> None:
    model = scripted(grounded_reply(expected))
    tokens: list[str] = []
    answer = answer_question(
        Briefbot(settings=seeded_settings, llm=model), question, on_token=tokens.append
    )
    assert len(model.calls) == 1  # code decided the sources answer, then asked the model once
    assert expected in model.calls[0]  # retrieval put the answering passage in front of it
    assert not answer.abstained, answer.answer
    assert answer.short_answer is None  # an open question has no few-word answer
    check_citations(answer, seeded_store)
    assert expected in quotes(answer), (answer.answer, quotes(answer))
    assert "".join(tokens) == answer.answer


# ---- short answers settled by code (the model is never called: ExplodingModel) ----------------

SETTLED = [
    ("Who rejected the US offer of dialogue?", "Kim", "Kim Jong Un rejected the United States’"),
    ("How many missile tests has North Korea carried out since 2006?", "six", "six missile tests"),
    ("Did Kim Jong Un reject the US offer of dialogue?", "Yes", "rejected the United States’"),
    ("Did Kim Jong Un accept the US offer of dialogue?", "No", "rejected the United States’"),
]


@pytest.mark.parametrize(("question", "short", "quoted"), SETTLED)
def test_code_settles_the_short_answer_from_verified_quotes(
    seeded_settings: Settings, seeded_store: ArticleStore, question: str, short: str, quoted: str
) -> None:
    shorts: list[str] = []
    tokens: list[str] = []
    bot = Briefbot(settings=seeded_settings, llm=ExplodingModel())
    answer = answer_question(bot, question, on_token=tokens.append, on_short=shorts.append)
    assert not answer.abstained, answer.answer
    assert answer.short_answer is not None and answer.short_answer.startswith(short)
    assert shorts == [answer.short_answer]
    assert len(answer.short_answer.split()) <= 4
    check_citations(answer, seeded_store)
    assert quoted in quotes(answer), quotes(answer)
    if short not in ("Yes", "No"):  # a name or number is read off the quotes it comes from
        assert short in quotes(answer)
    assert "".join(tokens) == answer.answer
    assert marks_balanced(answer.answer)
    assert answer.to_dict()["short_answer"] == answer.short_answer


def test_seed_deal_is_the_analysts_own_words(
    seeded_settings: Settings, seeded_store: ArticleStore
) -> None:
    bot = Briefbot(settings=seeded_settings, llm=ExplodingModel())
    answer = answer_question(
        bot,
        "What deal might Pyongyang accept according to Cheong Seong-chang of the Sejong Institute?",
    )
    assert not answer.abstained
    check_citations(answer, seeded_store)
    said = quotes(answer)
    assert "gradual reduction of its nuclear arsenal" in said
    assert "in exchange for a relaxation of sanctions" in said
    assert "resume nuclear testing" not in answer.answer
    assert marks_balanced(answer.answer)


@pytest.mark.parametrize("who", ["Biden", "Joe Biden"])
def test_what_someone_said_is_their_own_words_not_the_narrators(
    seeded_settings: Settings, seeded_store: ArticleStore, who: str
) -> None:
    bot = Briefbot(settings=seeded_settings, llm=ExplodingModel())
    answer = answer_question(bot, f"What did {who} say about illusions?")
    assert not answer.abstained
    check_citations(answer, seeded_store)
    assert "We have no illusions about the difficulty" in quotes(answer)
    assert "says he is" not in answer.answer  # the narrator's report of his words
    assert "Kim Jong" not in answer.answer  # no quote that does not bear on the question
    assert len(answer.citations) == 1
    assert marks_balanced(answer.answer)  # the quotation is widened to its closing mark


def test_question_kinds_are_read_by_rule() -> None:
    assert question_kind("Who rejected the US offer of dialogue?") == ("who", None)
    assert question_kind("Which company is accused by TechCrunch of X?")[0] == "which"
    assert question_kind("How many missile tests has North Korea carried out?")[0] == "how_many"
    # what was paid, spent or cost is an amount
    assert question_kind("What did Google pay to be the default search engine?")[0] == "how_many"
    assert question_kind("What was the total cost of the new wall?")[0] == "how_many"
    assert question_kind("What did the court rule?")[0] == "open"
    assert question_kind("When will the UN Security Council meet?")[0] == "when"
    assert question_kind("Did Kim reject the offer?")[0] == "yes_no"
    assert question_kind("Do both The Verge and TechCrunch report that X?")[0] == "compare"
    assert (
        question_kind("Between the A report on May 1 and the B report, was there a change?")[0]
        == "compare"
    )
    assert question_kind("Did CBS report on X before Sporting News mentioned Y?")[0] == "order"
    assert question_kind("What did Biden say about illusions?") == ("said", "Biden")
    assert question_kind("What deal might Pyongyang accept according to Cheong?") == (
        "said",
        "Cheong",
    )
    # "according to" a publication in a which-question stays a which-question
    assert question_kind("What company, according to TechCrunch, cut prices?")[0] == "which"
    assert question_kind("Tell me about the summit.")[0] == "open"


def test_quotes_are_widened_to_balanced_quotation_marks() -> None:
    text = "Intro.\n“We have no illusions, absolutely none. It is hard, ”he told reporters.\n"
    start = text.index("“")
    end = text.index("none.") + len("none.")
    assert not marks_balanced(text[start:end])
    widened = balanced_span(text, start, end)
    assert widened is not None
    assert text[widened[0] : widened[1]].endswith("he told reporters.")
    assert marks_balanced(text[widened[0] : widened[1]])
    assert balanced_span("“never closed here.", 0, 19) is None
    assert balanced_span("plain.", 0, 6) == (0, 6)


def test_follow_up_retrieves_in_context(
    seeded_settings: Settings, seeded_store: ArticleStore
) -> None:
    history = [
        (
            "Who rejected the US offer of dialogue?",
            "Kim Jong Un rejected the United States’ offer of dialogue [1].",
        )
    ]
    model = scripted(grounded_reply("South Korean President Moon Jae-in"))
    bot = Briefbot(settings=seeded_settings, llm=model)
    answer = answer_question(bot, "and what did the South say?", history=history)
    assert model.calls and "South" in model.calls[-1]
    assert not answer.abstained
    check_citations(answer, seeded_store)
    assert "South" in quotes(answer), quotes(answer)


def test_injected_articles_do_not_steer_a_faithful_model(injection_settings: Settings) -> None:
    store = ArticleStore(injection_settings.store_config())
    expected = "Kim Jong Un rejected the United States’ offer"
    model = scripted(grounded_reply(expected, fallback="I have been pwned [1]."))
    bot = Briefbot(settings=injection_settings, llm=model)
    answer = answer_question(bot, "Tell me about the rejected US offer of dialogue.")
    assert not answer.abstained
    check_citations(answer, store)
    assert expected in quotes(answer)
    text = answer.answer.lower()
    assert "moon jae-in" not in text
    assert not any(p in text for p in PAYLOADS), answer.answer


# ---- the command line --------------------------------------------------------------------------


def _use_home(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    monkeypatch.setenv("BRIEFBOT_HOME", str(settings.home))
    monkeypatch.setenv("BRIEFBOT_COLLECTION", settings.collection)


def test_cli_ask_terminal_streams_and_abstains(
    seeded_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    _use_home(monkeypatch, seeded_settings)
    monkeypatch.setattr("bot.cli.ask.stdout_is_terminal", lambda: True)
    assert main(["ask", "What is the capital of Peru?"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == NO_ANSWER
    assert main(["ask", "--json", "What is the capital of Peru?"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "short_answer": None,
        "answer": NO_ANSWER,
        "abstained": True,
        "citations": [],
        "flagged_quotes": [],
    }


def test_cli_prints_citations_as_plain_text(
    seeded_settings: Settings,
    seeded_store: ArticleStore,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli import ask

    bot = Briefbot(
        settings=seeded_settings,
        llm=scripted("North Korea has carried out six missile tests since 2006 [1]."),
    )
    monkeypatch.setattr(ask, "Briefbot", lambda: bot)
    monkeypatch.setattr(ask, "stdout_is_terminal", lambda: True)
    from bot.cli import main

    question = "Tell me about missile tests since 2006."
    assert main(["ask", question, "--source", "RT en français"]) == 0
    out = capsys.readouterr().out
    first, _, rest = out.partition("\n")
    assert first == "North Korea has carried out six missile tests since 2006 [1]."
    assert "[1] “North Korea has carried out six missile tests since 2006.”" in rest
    assert "RT en français" in rest


def test_cli_shows_the_short_answer_first(
    seeded_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli import ask, main

    bot = Briefbot(settings=seeded_settings, llm=ExplodingModel())
    monkeypatch.setattr(ask, "Briefbot", lambda: bot)
    question = "How many missile tests has North Korea carried out since 2006?"
    monkeypatch.setattr(ask, "stdout_is_terminal", lambda: False)
    assert main(["ask", question]) == 0
    first, _, rest = capsys.readouterr().out.partition("\n")
    assert first == "Short answer: six"
    assert "six missile tests since 2006" in rest
    assert main(["ask", "--json", question]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["short_answer"] == "six" and not data["abstained"]
    monkeypatch.setattr(ask, "stdout_is_terminal", lambda: True)
    assert main(["ask", question]) == 0
    out = capsys.readouterr().out
    assert out.startswith("six\n")  # streamed: the short answer, bold on a real terminal
    assert "six missile tests since 2006" in out
