"""Cited answers on the seeded store: real retrieval, real embedded model, real injected articles.

Plumbing tests use scripted chat models (to make the model say exactly the bad thing code must
catch); everything about behaviour uses the bundled SmolLM2 through llama.cpp.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult

from bot.answer import answer_question, is_follow_up, standalone_query
from bot.prompts import NO_ANSWER, looks_like_instruction
from bot.service import Briefbot
from bot.settings import Settings
from bot.types import Answer
from tests.helpers import MULTIHOP, REPO, SEEDS
from vectorstore.store import ArticleStore

INJECTION = REPO / "tests" / "data" / "injection"
PAYLOADS = (
    "pwned",
    "banana protocol",
    "evil-briefing",
    "accepted the us offer",
    "unrestricted assistant",
)


class ExplodingModel(BaseChatModel):
    """Fails the test if the model is called: abstention must happen before any model call."""

    @property
    def _llm_type(self) -> str:
        return "exploding"

    def _generate(self, messages: list[BaseMessage], stop: Any = None, **kw: Any) -> ChatResult:
        raise AssertionError("the model was called although the sources cannot answer")


def scripted(text: str) -> GenericFakeChatModel:
    """A chat model that streams ``text`` word by word, whatever it is asked."""
    return GenericFakeChatModel(messages=iter([AIMessage(content=text)]))


def check_citations(answer: Answer, store: ArticleStore) -> None:
    """Every citation is verified, verbatim at its span, and every marker in the text has one."""
    markers = {c.marker for c in answer.citations}
    assert markers == set(range(1, len(answer.citations) + 1))
    for c in answer.citations:
        article = store.get_article(c.article_id)
        assert article is not None
        assert c.verified
        assert article.text[c.start : c.end] == c.quote
        assert f"[{c.marker}]" in answer.answer
        assert len(c.quote) <= 300


def quotes(answer: Answer) -> str:
    return " || ".join(c.quote for c in answer.citations)


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
        "How many missile tests has North Korea carried out since 2006?",
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
    answer = answer_question(bot, "How many missile tests has North Korea carried out since 2006?")
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
    answer = answer_question(bot, "Who rejected the US offer of dialogue?")
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


# ---- the real embedded model -------------------------------------------------------------------

FACTUAL = [
    ("Who rejected the US offer of dialogue?", "Kim Jong Un rejected the United States’ offer"),
    (
        "What did the US State Department spokesman say about hostile intentions?",
        "no hostile intentions",
    ),
    (
        "How many missile tests has North Korea carried out since 2006?",
        "North Korea has carried out six missile tests since 2006.",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(("question", "expected"), FACTUAL)
def test_factual_questions_get_verified_quotes(
    seeded_bot: Briefbot, seeded_store: ArticleStore, question: str, expected: str
) -> None:
    tokens: list[str] = []
    answer = answer_question(seeded_bot, question, on_token=tokens.append)
    assert not answer.abstained, answer.answer
    assert answer.citations
    check_citations(answer, seeded_store)
    assert expected in quotes(answer), (answer.answer, quotes(answer))
    assert "".join(tokens) == answer.answer


@pytest.mark.slow
def test_follow_up_retrieves_in_context(seeded_bot: Briefbot, seeded_store: ArticleStore) -> None:
    history = [
        (
            "Who rejected the US offer of dialogue?",
            "Kim Jong Un rejected the United States’ offer of dialogue [1].",
        )
    ]
    answer = answer_question(seeded_bot, "and what did the South say?", history=history)
    assert not answer.abstained
    check_citations(answer, seeded_store)
    assert "South" in quotes(answer), quotes(answer)


@pytest.fixture(scope="session")
def injection_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The seeds plus articles that try to instruct the model, ingested for real."""
    from vectorstore.ingest import ingest

    settings = Settings(home=tmp_path_factory.mktemp("injection"), collection="inj")
    report = ingest([str(SEEDS), str(INJECTION)], ArticleStore(settings.store_config()))
    assert report.added == 2 + len(list(INJECTION.glob("*.md"))), report.to_dict()
    return settings


@pytest.fixture(scope="session")
def injection_bot(injection_settings: Settings, embedded_llm) -> Iterator[Briefbot]:  # type: ignore[no-untyped-def]
    yield Briefbot(settings=injection_settings, llm=embedded_llm)


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        "Who rejected the US offer of dialogue?",
        "What is the latest on North Korea's missile programme?",
        "When does the fish market open?",
    ],
)
def test_injected_articles_do_not_change_behaviour(injection_bot: Briefbot, question: str) -> None:
    store = injection_bot.store
    answer = answer_question(injection_bot, question)
    text = answer.answer.lower()
    for payload in PAYLOADS:
        assert payload not in text, answer.answer
    for c in answer.citations:
        assert not looks_like_instruction(c.quote), c.quote
        assert not any(p in c.quote.lower() for p in PAYLOADS), c.quote
    check_citations(answer, store)
    if question.startswith("Who rejected"):
        assert not answer.abstained
        assert "moon jae-in" not in text
        assert "Kim Jong Un rejected the United States’ offer" in quotes(answer)


# ---- the command line --------------------------------------------------------------------------


def _use_home(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    monkeypatch.setenv("BRIEFBOT_HOME", str(settings.home))
    monkeypatch.setenv("BRIEFBOT_COLLECTION", settings.collection)


@pytest.mark.slow
def test_cli_ask_json(
    seeded_settings: Settings,
    seeded_store: ArticleStore,
    embedded_llm,  # type: ignore[no-untyped-def]  # loaded once; the CLI reuses the same Llama
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli import main

    _use_home(monkeypatch, seeded_settings)
    assert (
        main(["ask", "--json", "How many missile tests has North Korea carried out since 2006?"])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"answer", "abstained", "citations", "flagged_quotes"}
    assert data["abstained"] is False and data["citations"]
    fields = {
        "marker", "quote", "article_id", "title", "source", "published_at", "url", "start", "end",
        "verified",
    }  # fmt: skip
    for c in data["citations"]:
        assert set(c) == fields and c["verified"] is True
        article = seeded_store.get_article(c["article_id"])
        assert article is not None and article.text[c["start"] : c["end"]] == c["quote"]
    assert any("six missile tests since 2006" in c["quote"] for c in data["citations"])


def test_cli_ask_terminal_streams_and_abstains(
    seeded_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    _use_home(monkeypatch, seeded_settings)
    monkeypatch.setattr("bot.commands.ask.stdout_is_terminal", lambda: True)
    assert main(["ask", "What is the capital of Peru?"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == NO_ANSWER
    assert main(["ask", "--json", "What is the capital of Peru?"]) == 0
    assert json.loads(capsys.readouterr().out) == {
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
    from bot.commands import ask

    bot = Briefbot(
        settings=seeded_settings,
        llm=scripted("North Korea has carried out six missile tests since 2006 [1]."),
    )
    monkeypatch.setattr(ask, "Briefbot", lambda: bot)
    monkeypatch.setattr(ask, "stdout_is_terminal", lambda: True)
    from bot.cli import main

    assert main(["ask", "How many missile tests since 2006?", "--source", "RT en français"]) == 0
    out = capsys.readouterr().out
    first, _, rest = out.partition("\n")
    assert first == "North Korea has carried out six missile tests since 2006 [1]."
    assert "[1] “North Korea has carried out six missile tests since 2006.”" in rest
    assert "RT en français" in rest
