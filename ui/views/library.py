"""Library: add files and URLs, list and search stored articles, read one, delete one."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from bot.redact import redact
from bot.service import Briefbot
from ui import state
from ui.render import byline, escape_md, md_link, safe_paragraphs
from ui.views import feeds
from vectorstore.models import Article, IngestReport
from vectorstore.parsing import SUPPORTED_SUFFIXES
from vectorstore.uploads import UploadRejected, save_upload

_UPLOADER_GEN = "_uploader_generation"
_LAST_REPORT = "_last_ingest"
_CONFIRM = "_confirm_delete"
_FLASH = "_library_flash"


def render() -> None:
    bot = state.get_bot()
    st.title("Library")
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        st.success(flash)
    _add_section(bot)
    st.divider()
    feeds.render(bot)
    st.divider()
    _articles_section(bot)


# ---- adding ------------------------------------------------------------------------------


def _add_section(bot: Briefbot) -> None:
    st.subheader("Add articles")
    generation = st.session_state.setdefault(_UPLOADER_GEN, 0)
    files = st.file_uploader(
        "Files (.txt .md .html .pdf .jsonl)",
        type=[s.lstrip(".") for s in sorted(SUPPORTED_SUFFIXES)],
        accept_multiple_files=True,
        key=f"uploads_{generation}",
    )
    urls_text = st.text_area(
        "Article or feed URLs, one per line",
        key=f"urls_{generation}",
        placeholder="https://example.org/news/article.html",
    )
    if st.button("Ingest", type="primary"):
        _ingest(bot, files or [], urls_text)
    report = st.session_state.get(_LAST_REPORT)
    if report is not None:
        _show_report(*report)


def _ingest(bot: Briefbot, files: list, urls_text: str) -> None:
    sources: list[str] = []
    names: dict[str, str] = {}  # saved path -> name as uploaded, for messages
    rejected: list[tuple[str, str]] = []
    for upload in files:
        try:
            path = save_upload(bot.settings.home, upload.name, upload.getvalue())
        except UploadRejected as exc:
            rejected.append((upload.name, f"could not save: {exc}"))
            continue
        except OSError as exc:
            rejected.append((upload.name, f"could not save: {exc.strerror or exc}"))
            continue
        sources.append(str(path))
        names[str(path)] = upload.name
    for line in urls_text.splitlines():
        url = line.strip()
        if not url:
            continue
        if url.startswith(("http://", "https://")):
            sources.append(url)
        else:
            rejected.append((url, "not an http(s) URL"))
    if not sources and not rejected:
        st.warning("Choose files or type URLs first.")
        return
    bar = st.progress(0.0, text="Starting…")

    def progress(done: int, total: int, label: str) -> None:
        shown = names.get(label, label)
        bar.progress(done / total if total else 1.0, text=escape_md(f"{done}/{total} {shown}"))

    try:
        report = bot.ingest(sources, progress=progress) if sources else IngestReport()
    except Exception as exc:
        bar.empty()
        st.error(f"Ingest failed: {escape_md(redact(str(exc)))}")
        return
    bar.empty()
    st.session_state[_LAST_REPORT] = (report, names, rejected)
    st.session_state[_UPLOADER_GEN] = st.session_state[_UPLOADER_GEN] + 1
    st.rerun()


def _show_report(report: IngestReport, names: dict[str, str], rejected: list) -> None:
    summary = (
        f"Added {report.added}, replaced {report.replaced}, skipped {report.skipped} "
        f"(already stored) — {report.chunks} passages."
    )
    failures = [(names.get(f.path, f.path), f.error) for f in report.failed] + list(rejected)
    (st.warning if failures else st.success)(summary)
    for dup in report.near_duplicates:
        st.caption(f"Near-duplicate: {escape_md(dup.get('title'))} resembles an earlier article")
    if failures:
        st.dataframe(
            [
                {"file or URL": Path(p).name if "://" not in p else p, "error": e}
                for p, e in failures
            ],
            hide_index=True,
            width="stretch",
        )


# ---- listing, reading, deleting ----------------------------------------------------------


def _articles_section(bot: Briefbot) -> None:
    since = feeds.visit_reference(bot)  # recorded on the first view, even of an empty library
    articles = bot.articles()
    st.subheader(f"Stored articles ({len(articles)})")
    if not articles:
        st.info("No articles yet: add some above.")
        return
    feeds.new_articles_notice(articles, since)
    query = st.text_input("Search titles and publishers", key="library_search")
    shown = [a for a in articles if _matches(a, query)]
    st.dataframe(
        [
            {
                "new": "new" if feeds.is_new(a, since) else "",
                "title": a.title,
                "publisher": a.source or "",
                "date": (a.published_at or "")[:10],
                "chunks": a.chunk_count,
                "id": a.id,
            }
            for a in shown
        ],
        hide_index=True,
        width="stretch",
    )
    if not shown:
        st.caption("No article matches.")
        return
    by_id = {a.id: a for a in shown}
    chosen = st.selectbox(
        "Read an article",
        list(by_id),
        format_func=lambda i: f"{by_id[i].title} ({by_id[i].source or 'unknown publisher'})",
        key="library_reader",
    )
    if chosen:
        _reader(bot, chosen)


def _matches(article: Article, query: str) -> bool:
    query = query.strip().lower()
    if not query:
        return True
    return query in article.title.lower() or query in (article.source or "").lower()


def _reader(bot: Briefbot, article_id: str) -> None:
    article = bot.article(article_id)
    if article is None:
        st.warning("That article is no longer stored.")
        return
    with st.container(border=True):
        st.markdown(f"### {md_link(article.title, article.url)}")
        meta = byline(article.source, article.published_at)
        extra = f"{article.chunk_count} passages · id {escape_md(article.id)}"
        st.caption(f"{meta} · {extra}" if meta else extra)
        if st.session_state.get(_CONFIRM) == article.id:
            st.warning("Delete this article and its passages?")
            yes, no = st.columns(2)
            if yes.button("Yes, delete", type="primary", key="delete_confirm"):
                bot.remove(article.id)
                st.session_state.pop(_CONFIRM, None)
                st.session_state[_FLASH] = f"Deleted “{escape_md(article.title)}”."
                st.rerun()
            if no.button("Cancel", key="delete_cancel"):
                st.session_state.pop(_CONFIRM, None)
                st.rerun()
        elif st.button("Delete article", key="delete_article"):
            st.session_state[_CONFIRM] = article.id
            st.rerun()
        st.markdown(safe_paragraphs(article.text))
