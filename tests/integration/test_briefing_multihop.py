"""A briefing over a larger corpus: the 326 MultiHop-RAG sample articles in a fresh store."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from bot.briefing import generate_briefing
from bot.briefing.model import Briefing
from bot.export import SECTION_HEADINGS, export_briefing
from bot.service import Briefbot
from bot.settings import Settings
from tests.helpers import MULTIHOP
from vectorstore.ingest import ingest
from vectorstore.store import ArticleStore

ARTICLES = MULTIHOP / "articles.jsonl"
TOPIC = "Google antitrust case"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ARTICLES.exists(), reason="shared MultiHop-RAG sample not present"),
]


@pytest.fixture(scope="module")
def multihop_bot(tmp_path_factory: pytest.TempPathFactory) -> Briefbot:
    settings = Settings(home=tmp_path_factory.mktemp("multihop"), collection="multihop")
    report = ingest([str(ARTICLES)], ArticleStore(settings.store_config()))
    assert report.added == 326, report.to_dict()
    return Briefbot(settings=settings)


@pytest.fixture(scope="module")
def google_briefing(multihop_bot: Briefbot) -> Briefing:
    # The model's bottom line is exercised on the seeds (tests/test_briefing.py); here the
    # extractive path keeps the run shorter on a shared 2-core machine.
    return generate_briefing(multihop_bot, TOPIC, use_model=False)


def test_multihop_briefing_quotes_are_verified(
    multihop_bot: Briefbot, google_briefing: Briefing
) -> None:
    b = google_briefing
    assert len(b.citations) >= 4
    assert b.source_count >= 3
    for c in b.citations:
        article = multihop_bot.store.get_article(c.article_id)
        assert article is not None
        assert c.verified and article.text[c.start : c.end] == c.quote
    # on topic: most quotes mention Google
    assert sum("Google" in c.quote for c in b.citations) >= len(b.citations) // 2
    # dated developments from publication dates, in order
    assert b.developments
    keys = [d.sort_key for d in b.developments]
    assert keys == sorted(keys)
    assert b.earliest and b.latest and b.earliest <= b.latest
    assert b.earliest.startswith("2023")


def test_multihop_briefing_fits_one_page(google_briefing: Briefing, tmp_path: Path) -> None:
    result = export_briefing(google_briefing, tmp_path / "google.pdf")
    assert result.pages == 1
    reader = PdfReader(str(result.path))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for heading in SECTION_HEADINGS:
        assert heading in text
    for c in result.citations:
        assert c.verified
        assert f"[{c.marker}]" in text
    md = export_briefing(google_briefing, tmp_path / "google.md").path.read_text(encoding="utf-8")
    assert "## References" in md
