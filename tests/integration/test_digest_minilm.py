"""Digest stories with the real packaged MiniLM embeddings: the same news rewritten by three
outlets is one story with three outlets; different news stays apart; quotes verbatim."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.digest import build_digest, parse_since
from bot.service import Briefbot
from bot.settings import Settings
from vectorstore.ingest import ingest

NOW = datetime.now(UTC) - timedelta(hours=2)
WHEN = NOW.isoformat(timespec="seconds")

ROWS = [
    ("Coast News", "Ferry strike ends after pay deal",
     "The coastal ferry service will resume on Thursday after a two-week strike ended with a new "
     "pay agreement, the operator announced on Tuesday. \"Passengers can book again from today,\" "
     "said Maria Lund, the operator's chief executive."),
    ("Harbour Times", "Ferries to sail again as workers accept offer",
     "Workers on the coast's ferry routes have voted to end their two-week walkout after "
     "accepting a new wage deal, and sailings restart on Thursday, the company said. The union "
     "said the vote was carried by a large majority."),
    ("Daily Wire", "Union calls off ferry strike",
     "Ferry crews will return to work this week after their union accepted an improved pay "
     "offer, ending a fortnight of cancelled crossings. Refunds for cancelled trips will be paid "
     "within a month, the operator said."),
    ("Coast News", "Old river bridge closed for repairs",
     "Engineers closed the old river bridge on Monday after inspectors found cracks in two of its "
     "steel supports. \"Safety comes first,\" said Mayor Tomas Berg, adding that buses would be "
     "diverted over the northern crossing."),
    ("Coast News", "Ferry operator orders two electric ships",
     "The coastal ferry operator has ordered two battery-powered vessels for delivery in 2028, "
     "its chief executive said on Tuesday. The ships will replace two diesel ferries built in "
     "the 1990s."),
]  # fmt: skip


def test_rewrites_fold_into_one_story_with_real_embeddings(tmp_path: Path) -> None:
    bot = Briefbot(Settings(home=tmp_path / "home", collection="minilm"))
    source = tmp_path / "news.jsonl"
    source.write_text(
        "\n".join(
            json.dumps(
                {
                    "title": t,
                    "source": s,
                    "published_at": WHEN,
                    "body": b,
                    "url": f"https://{s.split()[0].lower()}.example/{n}",
                }
            )  # fmt: skip
            for n, (s, t, b) in enumerate(ROWS)
        )
    )
    assert ingest([str(source)], bot.store).added == len(ROWS)
    digest = build_digest(bot, parse_since("24h"))
    groups = sorted(sorted(src.title for src in story.sources) for story in digest.stories)
    assert groups == sorted(
        [
            sorted(t for _, t, _ in ROWS[:3]),
            ["Old river bridge closed for repairs"],
            ["Ferry operator orders two electric ships"],
        ]
    )
    top = digest.stories[0]
    assert top.outlet_count == 3
    for story in digest.stories:
        q = story.quote
        assert (
            q is not None and bot.store.get_article(q.article_id).text[q.start : q.end] == q.quote
        )
