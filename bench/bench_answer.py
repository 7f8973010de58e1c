"""Answer latency with the embedded model on the seeds: time to first token, full answer, prompt.

    .venv/bin/python bench/bench_answer.py [--runs 2] [--threads N] [--out docs/bench/answer.md]

Ingests ``seeds/`` into a temporary store, loads the bundled SmolLM2 GGUF once, warms up, then
asks each question ``--runs`` times. "First token" is the time until ``on_token`` first receives
text: answers stream sentence by sentence after code has checked each sentence, so this is the
time to the first *checked* sentence (or to the extractive answer / abstention). The prompt size
is the chat-formatted prompt the model reads, in its own tokens.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

QUESTIONS = [
    "Who rejected the US offer of dialogue?",
    "What did the US State Department spokesman say about hostile intentions?",
    "How many missile tests has North Korea carried out since 2006?",
    "When will the UN Security Council meet?",
    "What did Joe Biden say about illusions?",
]
WARM_UP = "What did Kim say about mutual respect?"
ABSTAIN = "What did the Bank of England decide in March 2019?"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def answer_kind(answer) -> str:  # type: ignore[no-untyped-def]
    """Whether the model's checked sentences or the extractive fallback made the answer."""
    if answer.abstained:
        return "abstained"
    shown = " ".join(answer.answer.split())
    if any(" ".join(c.quote.split()) in shown for c in answer.citations):
        return "extractive"
    return "model"


def prompt_tokens(bot, question: str) -> int:  # type: ignore[no-untyped-def]
    """Tokens of the prompt ``answer_question`` would send for ``question``."""
    from bot.answer.evidence import assess, excerpt, select_for_model
    from bot.answer.pipeline import retrieve_for
    from bot.answer.question import Question
    from bot.llm.prompts import ANSWER_PROMPT, format_passages

    read = Question.read(question)
    passages = retrieve_for(bot, read, None)
    evidence = assess(passages, read, bot.sentence_embeddings)
    profile = bot.model_profile
    chosen = select_for_model(
        evidence, min(bot.settings.top_k, profile.max_passages or bot.settings.top_k)
    )
    views = [excerpt(ev, profile.passage_chars) for ev in chosen] if profile.passage_chars else None
    messages = ANSWER_PROMPT.format_messages(
        passages=format_passages([ev.passage for ev in chosen], views), question=question
    )
    return bot.llm.prompt_tokens(messages)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="repetitions of each question")
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads")
    parser.add_argument("--out", type=Path, default=None, help="write a Markdown report here")
    args = parser.parse_args()

    from bot.answer import answer_question
    from bot.service import Briefbot
    from bot.settings import Settings
    from vectorstore.ingest import ingest
    from vectorstore.store import ArticleStore

    with tempfile.TemporaryDirectory() as home:
        settings = Settings(
            home=Path(home), collection="bench", llm="embedded", llm_threads=args.threads
        )
        report = ingest([str(REPO / "seeds")], ArticleStore(settings.store_config()))
        assert report.added == 2, report.to_dict()
        bot = Briefbot(settings=settings)
        t0 = time.perf_counter()
        bot.llm  # noqa: B018 - load the GGUF
        load_s = time.perf_counter() - t0
        answer_question(bot, WARM_UP)  # BM25 index, embeddings, llama.cpp buffers

        tokens = {q: prompt_tokens(bot, q) for q in QUESTIONS}
        per_q: dict[str, list[tuple[float, float]]] = {q: [] for q in QUESTIONS}
        last: dict[str, object] = {}
        firsts: list[float] = []
        totals: list[float] = []
        cpus: list[float] = []
        # Questions in turn, not one question repeated: consecutive prompts then share only the
        # system prompt in llama.cpp's prefix cache, as in real use.
        for _ in range(args.runs):
            for question in QUESTIONS:
                first: list[float] = []
                cpu = time.process_time()
                start = time.perf_counter()

                def on_token(_text: str, f: list[float] = first, s: float = start) -> None:
                    if not f:
                        f.append(time.perf_counter() - s)

                answer = answer_question(bot, question, on_token=on_token)
                total = time.perf_counter() - start
                cpus.append(time.process_time() - cpu)
                firsts.append(first[0] if first else total)
                totals.append(total)
                per_q[question].append((firsts[-1], total))
                last[question] = answer
        rows = [
            (
                q,
                tokens[q],
                statistics.median(f for f, _ in per_q[q]),
                statistics.median(t for _, t in per_q[q]),
                answer_kind(last[q]),
                last[q].answer,  # type: ignore[attr-defined]
            )
            for q in QUESTIONS
        ]
        t = time.perf_counter()
        abstained = answer_question(bot, ABSTAIN)
        abstain_s = time.perf_counter() - t
        assert abstained.abstained

    threads = args.threads or os.cpu_count()
    lines = [
        "# Answer latency (embedded SmolLM2-135M-Instruct Q4_1, llama.cpp)",
        "",
        "Command: `.venv/bin/python bench/bench_answer.py"
        + (f" --runs {args.runs}" if args.runs != 2 else "")
        + (f" --threads {args.threads}" if args.threads else "")
        + "`",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, llama.cpp threads {threads}, "
        f"load average at end {os.getloadavg()[0]:.1f} (other jobs shared the machine).",
        f"Model load: {load_s:.1f} s. {len(QUESTIONS)} questions × {args.runs} runs on the two "
        "seed articles, after one warm-up answer.",
        "",
        "| | median | p95 |",
        "|---|---|---|",
        f"| time to first token (first checked sentence) | {statistics.median(firsts):.2f} s "
        f"| {percentile(firsts, 0.95):.2f} s |",
        f"| full answer | {statistics.median(totals):.2f} s | {percentile(totals, 0.95):.2f} s |",
        f"| CPU time per answer (all threads; load-independent) | {statistics.median(cpus):.2f} s "
        f"| {percentile(cpus, 0.95):.2f} s |",
        "",
        f"Abstention decided before any model call ({ABSTAIN!r}): {abstain_s:.2f} s.",
        "",
        "Per question (median over the runs):",
        "",
        "| question | prompt tokens | first token | full answer | answer from |",
        "|---|---|---|---|---|",
    ]
    for question, tokens, first_s, total_s, kind, _text in rows:
        lines.append(f"| {question} | {tokens} | {first_s:.2f} s | {total_s:.2f} s | {kind} |")
    lines += ["", "Answers (last run):", ""]
    for question, *_, text in rows:
        lines.append(f"- **{question}** {' '.join(text.split())}")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
