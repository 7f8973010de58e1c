"""Claim checking (bot.claims.checker) and ``briefbot check``, on the two seed articles.

No model writes anything here: the checker is code, so every verdict is pinned exactly.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.claims.checker import ClaimCheck, Verdict, check
from bot.claims.citations import verify_citation
from bot.claims.clauses import split_claims
from bot.service import Briefbot
from bot.settings import Settings
from vectorstore.store import ArticleStore


@pytest.fixture(scope="module")
def bot(seeded_settings: Settings) -> Briefbot:
    return Briefbot(settings=seeded_settings)


def _verified(result: ClaimCheck, store: ArticleStore) -> None:
    for c in result.citations:
        article = store.get_article(c.article_id)
        assert article is not None and verify_citation(c, article.text)


def _verdict(bot: Briefbot, store: ArticleStore, sentence: str) -> ClaimCheck:
    result = check(sentence, bot)
    _verified(result, store)
    return result


@pytest.mark.parametrize(
    ("sentence", "quoted"),
    [
        (
            "North Korean leader Kim Jong Un rejected the United States' offer of dialogue.",
            "Kim Jong Un rejected the United States’ offer of dialogue",
        ),
        ("North Korea has carried out six missile tests since 2006.", "six missile tests"),
        ("Kim Jong Un turned down the US offer of talks.", "rejected the United States’ offer"),
        (
            "Biden said: “We have no illusions about the difficulty, absolutely none.”",
            "We have no illusions about the difficulty",
        ),
        ("In May, Joe Biden criticized the approach of Donald Trump.", "In May, Joe Biden"),
    ],
)
def test_supported_verbatim_and_paraphrased(
    bot: Briefbot, seeded_store: ArticleStore, sentence: str, quoted: str
) -> None:
    result = _verdict(bot, seeded_store, sentence)
    assert result.verdict is Verdict.SUPPORTED, result.reason
    assert len(result.citations) == 1 and quoted in result.citations[0].quote


@pytest.mark.parametrize(
    "sentence",
    [
        "Moon Jae-in rejected the United States' offer of dialogue.",  # name
        "The UN Security Council plans to meet urgently Friday on North Korea.",  # weekday
        # speaker: Hong Min said it, not Cheong Seong-chang
        "Cheong Seong-chang said Pyongyang intends to continue its arms policy unless "
        "Washington changes course.",
        # Biden's words put in Kim's mouth
        "Kim Jong Un said: “We have no illusions about the difficulty, absolutely none.”",
        "It's about a report that mentions a blockade in Gaza.",
        # a true sentence with an invented clause appended: most words are the source's
        "North Korean leader Kim Jong Un rejected the United States' offer of dialogue, "
        "a decision welcomed by most regional governors.",
        "North Korea has carried out six missile tests since 2006, which critics described "
        "as reckless and improvised.",
    ],
)
def test_swapped_or_unsourced_rejected(
    bot: Briefbot, seeded_store: ArticleStore, sentence: str
) -> None:
    result = _verdict(bot, seeded_store, sentence)
    assert result.verdict is not Verdict.SUPPORTED, result


@pytest.mark.parametrize(
    ("sentence", "conflicting"),
    [
        (
            "North Korea has carried out 12 missile tests since 2006.",
            "North Korea has carried out six missile tests since 2006.",
        ),
        (  # date
            "North Korea has carried out six missile tests since 2009.",
            "North Korea has carried out six missile tests since 2006.",
        ),
        (  # negation
            "North Korea has carried out nuclear tests since 2017.",
            "North Korea has not carried out any nuclear tests",
        ),
        (  # month
            "In April, Joe Biden criticized the approach of Donald Trump.",
            "In May, Joe Biden criticized",
        ),
        (  # an opposite predicate, no negation word
            "Kim Jong Un accepted the United States’ offer of dialogue.",
            "Kim Jong Un rejected the United States’ offer of dialogue",
        ),
    ],
)
def test_contradicted_with_the_conflicting_quote(
    bot: Briefbot, seeded_store: ArticleStore, sentence: str, conflicting: str
) -> None:
    result = _verdict(bot, seeded_store, sentence)
    assert result.verdict is Verdict.CONTRADICTED, result
    assert any(conflicting in c.quote for c in result.citations)


def test_negated_claim_supported_by_negated_source(
    bot: Briefbot, seeded_store: ArticleStore
) -> None:
    result = _verdict(
        bot, seeded_store, "North Korea has not carried out nuclear tests since 2017."
    )
    assert result.verdict is Verdict.SUPPORTED


def test_two_source_sentence_supported_by_two_quotes(
    bot: Briefbot, seeded_store: ArticleStore
) -> None:
    sentence = (
        "Kim called the offer of dialogue a facade, while Biden said he had no illusions "
        "about the difficulty."
    )
    result = _verdict(bot, seeded_store, sentence)
    assert result.verdict is Verdict.SUPPORTED, result.reason
    assert len(result.claims) == 2 and len(result.citations) == 2
    assert len({c.article_id for c in result.citations}) == 2
    assert "facade" in result.citations[0].quote
    assert "illusions" in result.citations[1].quote


def test_given_passages_and_preferred_marker(bot: Briefbot, seeded_store: ArticleStore) -> None:
    passages = bot.retriever.retrieve("missile tests since 2006 hostile intentions", k=6)
    sentence = "North Korea has carried out six missile tests since 2006."
    result = check(sentence, passages)
    assert result.verdict is Verdict.SUPPORTED
    (index,) = result.passages
    assert "six missile tests" in passages[index].article.text  # type: ignore[union-attr]
    wrong = next(i for i, p in enumerate(passages) if "six missile" not in p.chunk.text)
    # a wrong marker is re-anchored: the cited passage does not say it, the right one does
    assert check(sentence, passages, prefer=[wrong]).passages == (index,)
    assert check(sentence, []).verdict is Verdict.UNSUPPORTED


def test_split_claims() -> None:
    assert split_claims("Kim called it a facade, while Washington said it meant no harm.") == [
        "Kim called it a facade",
        "Washington said it meant no harm.",
    ]
    assert split_claims("Kim, the leader, spoke.") == ["Kim, the leader, spoke."]


# ---- briefbot check ----------------------------------------------------------------------------

DRAFT = """# Notes

North Korea has carried out 12 missile tests since 2006 [1].
- North Korean leader Kim Jong Un rejected the United States' offer of dialogue.
"""


def _use_home(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    monkeypatch.setenv("BRIEFBOT_HOME", str(settings.home))
    monkeypatch.setenv("BRIEFBOT_COLLECTION", settings.collection)


def test_cli_check_file_json_schema(
    seeded_settings: Settings,
    seeded_store: ArticleStore,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from bot.cli import main

    _use_home(monkeypatch, seeded_settings)
    draft = tmp_path / "draft.md"
    draft.write_text(DRAFT, encoding="utf-8")
    assert main(["check", "--json", str(draft)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"sentences"}
    assert [s["verdict"] for s in data["sentences"]] == ["contradicted", "supported"]
    assert (
        data["sentences"][0]["text"] == "North Korea has carried out 12 missile tests since 2006."
    )
    for sentence in data["sentences"]:
        assert set(sentence) == {"text", "verdict", "citations"}
        for c in sentence["citations"]:
            assert set(c) == {"quote", "article_id", "start", "end"}
            article = seeded_store.get_article(c["article_id"])
            assert article is not None and article.text[c["start"] : c["end"]] == c["quote"]


def test_cli_check_stdin_terminal(
    seeded_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    _use_home(monkeypatch, seeded_settings)
    monkeypatch.setattr("sys.stdin", io.StringIO(DRAFT))
    assert main(["check", "-"]) == 0
    out = capsys.readouterr().out
    assert "≠ contradicted North Korea has carried out 12 missile tests since 2006." in out
    assert "“North Korea has carried out six missile tests since 2006.”" in out
    assert "✓ supported" in out and out.rstrip().endswith(
        "1 supported, 0 unsupported, 1 contradicted"
    )


def test_cli_check_claims_jsonl_keeps_order(
    seeded_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from bot.cli import main

    _use_home(monkeypatch, seeded_settings)
    claims = [
        "It's about a report that mentions a blockade in Gaza.",
        "North Korea has carried out six missile tests since 2006.",
        "North Korea has carried out 12 missile tests since 2006.",
    ]
    path = tmp_path / "claims.jsonl"
    path.write_text("".join(json.dumps({"claim": c}) + "\n" for c in claims), encoding="utf-8")
    assert main(["check", "--claims", str(path)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [x["claim"] for x in lines] == claims
    assert [x["verdict"] for x in lines] == ["unsupported", "supported", "contradicted"]
    assert all(set(x) == {"claim", "verdict", "citations"} for x in lines)
    assert lines[0]["citations"] == []


@pytest.mark.parametrize(
    ("argv", "content", "message"),
    [
        (["check", "{path}"], "", "the draft is empty"),
        (["check", "{path}"], "# only a heading\n", "the draft is empty"),
        (["check", "--claims", "{path}"], "not json\n", "line 1: not JSON"),
        (["check", "--claims", "{path}"], '{"text": "x"}\n', 'expected {"claim"'),
        (["check", "{path}"], b"\xff\xfe\x00\x01", "is not a text file"),
        (["check"], None, "give a DRAFT file"),
        (["check", "{missing}"], None, "cannot read"),
    ],
)
def test_cli_check_bad_input(
    seeded_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    argv: list[str],
    content: str | bytes | None,
    message: str,
) -> None:
    from bot.cli import main

    _use_home(monkeypatch, seeded_settings)
    path = tmp_path / "input"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    args = [a.format(path=path, missing=tmp_path / "missing.md") for a in argv]
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_opposite_predicates_are_one_shared_table() -> None:
    from bot.text.words import claim_stem, opposite_stems

    assert claim_stem("rejected") in opposite_stems(claim_stem("accepted"))
    assert claim_stem("fell") in opposite_stems(claim_stem("rose"))
    assert claim_stem("accepted") in opposite_stems(claim_stem("rejects"))
    assert opposite_stems(claim_stem("offer")) == frozenset()
