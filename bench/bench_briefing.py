"""Briefing generation time with the embedded model, per stage, on the seeds and the MultiHop
sample; plus PDF fitting and Markdown export. Writes ``docs/bench/briefing.md``.

    .venv/bin/python bench/bench_briefing.py                # seeds + multihop, 3 runs each
    .venv/bin/python bench/bench_briefing.py --corpus seeds --runs 1 --no-write
    .venv/bin/python bench/bench_briefing.py --corpus multihop --runs 2 --home /tmp/bb-multihop

``--home DIR`` keeps the store in DIR (one collection per corpus) and ingests only when it is
empty, so repeated runs skip the ingest.

Each corpus is ingested into a fresh temporary store (or the ``--home`` one). Run 1 is cold (BM25 index build, first
embedding calls); the table reports every run. The model's bottom line is timed separately
("summary"); ``--threads`` sets ``BRIEFBOT_LLM_THREADS`` for the embedded model.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CORPORA = {
    "seeds": (REPO / "seeds", "North Korea–US relations"),
    "multihop": (
        REPO.parent / "shared" / "bench" / "multihop" / "articles.jsonl",
        "Google antitrust case",
    ),
}
STAGES = ("gather", "timeline", "select", "summary", "check")


def run_corpus(
    name: str, runs: int, threads: int | None, use_model: bool, home: Path | None = None
) -> dict:
    from bot.briefing import generate_briefing
    from bot.export import export_briefing
    from bot.llm import make_chat_model
    from bot.service import Briefbot
    from bot.settings import Settings
    from vectorstore.ingest import ingest
    from vectorstore.store import ArticleStore

    path, topic = CORPORA[name]
    if not path.exists():
        raise SystemExit(f"{path} is missing")
    home = home or Path(tempfile.mkdtemp(prefix=f"bench-brief-{name}-"))
    settings = Settings(home=home, collection=name, llm="embedded", llm_threads=threads)
    store = ArticleStore(settings.store_config())
    t0 = time.perf_counter()
    if store.article_count() == 0:
        report = ingest([str(path)], store)
        articles, chunks = report.added, report.chunks
    else:  # a kept store (--home): no ingest
        articles, chunks = store.article_count(), 0
    ingest_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    llm = make_chat_model(settings) if use_model else None
    load_s = time.perf_counter() - t0
    bot = Briefbot(settings=settings, llm=llm)
    rows = []
    for n in range(runs):
        t0 = time.perf_counter()
        briefing = generate_briefing(bot, topic, use_model=use_model)
        total = time.perf_counter() - t0
        t0 = time.perf_counter()
        pdf = export_briefing(briefing, home / f"brief{n}.pdf")
        pdf_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        export_briefing(briefing, home / f"brief{n}.md")
        md_s = time.perf_counter() - t0
        rows.append(
            {
                "run": n + 1,
                "total": total,
                **{s: briefing.timings.get(s, 0.0) for s in STAGES},
                "pdf": pdf_s,
                "md": md_s,
                "pages": pdf.pages,
                "quotes": len(briefing.citations),
                "quotes_pdf": len(pdf.citations),
                "sources": briefing.source_count,
                "origin": briefing.bottom_line_origin,
                "corroborated": sum(d.corroboration > 1 for d in briefing.developments),
                "developments": len(briefing.developments),
                "disagreements": len(briefing.disagreements),
            }
        )
        print(f"{name} run {n + 1}: {rows[-1]}", file=sys.stderr)
    return {
        "name": name,
        "topic": topic,
        "articles": articles,
        "chunks": chunks,
        "ingest_s": ingest_s,
        "load_s": load_s,
        "rows": rows,
    }


def to_markdown(results: list[dict], command: str, threads: int | None) -> str:
    try:
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "n/a"
    lines = [
        "# Briefing generation benchmark",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average at the end {load} (the machine is shared; other jobs were running). "
        f"Embedded model SmolLM2-135M-Instruct Q4_1 via llama.cpp, "
        f"threads = {threads if threads else 'default (all cores)'}.",
        "",
        "Stages (seconds): **gather** = 5 retrieval queries + sentence embedding; **timeline** = "
        "date extraction; **select** = disagreements (claim checks of the top sentences "
        "against every other independent source), watch, positions, developments and their "
        "corroboration (claim checks against every other source); **summary** = the code-built "
        "bottom line and the model's (each sentence checked); **check** = re-verification and "
        "renumbering. **pdf** = one-page fitting (renders + pypdf page counts); **md** = Markdown.",
        "",
    ]
    for r in results:
        lines += [
            f"## {r['name']}: “{r['topic']}”",
            "",
            (
                f"{r['articles']} articles / {r['chunks']} passages ingested in "
                f"{r['ingest_s']:.1f} s; "
                if r["chunks"]
                else f"{r['articles']} articles in a kept store (--home, no ingest); "
            )
            + f"model load {r['load_s']:.1f} s.",
            "",
            "| run | total | gather | timeline | select | summary | check | pdf | md | pages "
            "| quotes (pdf) | sources | corroborated | disagreements | bottom line |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- "
            "| --- |",
        ]
        for row in r["rows"]:
            lines.append(
                f"| {row['run']} | {row['total']:.2f} | {row['gather']:.2f} | {row['timeline']:.3f} "
                f"| {row['select']:.3f} | {row['summary']:.2f} | {row['check']:.3f} "
                f"| {row['pdf']:.2f} | {row['md']:.3f} | {row['pages']} "
                f"| {row['quotes']} ({row['quotes_pdf']}) | {row['sources']} "
                f"| {row['corroborated']}/{row['developments']} | {row['disagreements']} "
                f"| {row['origin']} |"
            )
        warm = r["rows"][1:] or r["rows"]
        lines += [
            "",
            f"Warm median total {statistics.median(x['total'] for x in warm):.2f} s, of which "
            f"summary {statistics.median(x['summary'] for x in warm):.2f} s; "
            f"PDF fitting {statistics.median(x['pdf'] for x in warm):.2f} s.",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", choices=["seeds", "multihop", "both"], default="both")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads")
    parser.add_argument("--no-model", action="store_true", help="extractive bottom line only")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "bench" / "briefing.md")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument(
        "--home", type=Path, default=None, help="keep the stores here (ingest once, reuse)"
    )
    parser.add_argument(
        "--append", action="store_true", help="add to --out instead of replacing it"
    )
    args = parser.parse_args(argv)
    names = ["seeds", "multihop"] if args.corpus == "both" else [args.corpus]
    results = [run_corpus(n, args.runs, args.threads, not args.no_model, args.home) for n in names]
    command = ".venv/bin/python bench/bench_briefing.py " + shlex.join(
        sys.argv[1:] if argv is None else argv
    )
    text = to_markdown(results, command.strip(), args.threads)
    print(text)
    if not args.no_write:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        if args.append and args.out.exists():
            text = args.out.read_text(encoding="utf-8").rstrip() + "\n\n---\n\n" + text
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
