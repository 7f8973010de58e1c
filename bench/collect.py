"""Assemble docs/benchmarks.md from the fragments each benchmark writes to docs/bench/*.md.

Run: .venv/bin/python bench/collect.py
"""

from __future__ import annotations

from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"
ORDER = [
    "ingest",
    "retrieval",
    "attribution",
    "claims",
    "claims-100000",
    "short-answers",
    "answer",
    "briefing-sources",
    "briefing",
]
HEADER = """# Benchmarks

Measured on this project's machine (2 CPU cores, 24 GiB, no GPU). Each section names the command
that produced it; re-run that command to refresh the section, then `.venv/bin/python bench/collect.py`.
"""


def main() -> None:
    fragments = sorted((DOCS / "bench").glob("*.md"))
    ranked = sorted(
        fragments, key=lambda p: (ORDER.index(p.stem) if p.stem in ORDER else 99, p.stem)
    )
    parts = [HEADER] + [p.read_text(encoding="utf-8").strip() + "\n" for p in ranked]
    (DOCS / "benchmarks.md").write_text("\n".join(parts), encoding="utf-8")
    print(f"wrote {DOCS / 'benchmarks.md'} from {len(ranked)} fragments")


if __name__ == "__main__":
    main()
