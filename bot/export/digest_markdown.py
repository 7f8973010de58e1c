"""A digest as Markdown: one section per story, its quote inline with ``[n]``, its sources
with working links, and the quote's article and character span in the references."""

from __future__ import annotations

from bot.briefing.model import inline_quote
from bot.digest.model import Digest, Story
from bot.export.common import NO_DATE, VERBATIM_NOTE
from bot.export.markdown import md_text, md_url

NO_STORIES = "Nothing new in this window."
NO_QUOTE = "No quotable sentence in these articles."


def digest_title(digest: Digest) -> str:
    return f"Digest: {digest.collection}"


def digest_summary(digest: Digest) -> str:
    stories = len(digest.stories) + digest.omitted_stories
    return (
        f"New since {digest.since}: {digest.article_count} article"
        f"{'s' if digest.article_count != 1 else ''} in {stories} stor"
        f"{'ies' if stories != 1 else 'y'}"
    )


def outlets_line(story: Story) -> str:
    n = story.outlet_count
    return f"{n} outlet{'s' if n != 1 else ''}: " + ", ".join(story.outlets)


def _story_md(number: int, story: Story) -> list[str]:
    out = [f"## {number}. {md_text(story.headline)}", "", f"_{md_text(outlets_line(story))}_", ""]
    if story.quote:
        out += [f"> {md_text(inline_quote(story.quote.quote))} [{story.quote.marker}]", ""]
    else:
        out += [f"_{NO_QUOTE}_", ""]
    for s in story.sources:
        date = (s.published_at or "")[:10] or NO_DATE
        link = md_url(s.url)
        out.append(
            f"- {md_text(s.outlet)}: {md_text(s.title)} ({md_text(date)})"
            + (f" {link}" if link else "")
        )
    out.append("")
    return out


def digest_to_markdown(digest: Digest) -> str:
    out = [f"# {md_text(digest_title(digest))}", "", md_text(digest_summary(digest)), ""]
    out += [f"_{VERBATIM_NOTE}_", ""]
    if not digest.stories:
        out += [NO_STORIES, ""]
    for number, story in enumerate(digest.stories, start=1):
        out += _story_md(number, story)
    if digest.citations:
        out += ["## References", ""]
        for c in digest.citations:
            link = md_url(c.url)
            out.append(
                f"{c.marker}. {md_text(c.source or 'Unknown publisher')}, {md_text(c.title)} — "
                f"article {c.article_id}, characters {c.start}–{c.end}"
                + (f" {link}" if link else "")
            )
        out.append("")
    return "\n".join(out)
