"""Check: paste a draft, see each sentence marked supported, unsupported or contradicted by the
stored articles, with the verbatim quote behind each verdict highlighted in its paragraph."""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from bot.claims import ClaimCheck, check_draft
from bot.redact import redact
from ui import state
from ui.citations import context_key, quote_contexts, show_citation
from ui.render import QuoteContext, escape_md

RESULT = "check_result"
BADGES = {
    "supported": ("Supported", "green", ":material/check_circle:"),
    "unsupported": ("Unsupported", "gray", ":material/help:"),
    "contradicted": ("Contradicted", "red", ":material/cancel:"),
}


@dataclass
class CheckResult:
    draft: str
    checks: list[ClaimCheck] = field(default_factory=list)
    contexts: dict[tuple[str, int, int], QuoteContext | None] = field(default_factory=dict)
    error: str | None = None


def render() -> None:
    st.title("Check a draft")
    st.caption(
        "Each sentence is checked against the stored articles: supported only when verbatim "
        "quotes say it, contradicted when a quote gives another figure, date or the opposite."
    )
    draft = st.text_area("Draft", key="check_draft", height=180, placeholder="Paste your text")
    if st.button("Check", type="primary", key="check_run"):
        if draft.strip():
            st.session_state[RESULT] = _check(draft)
        else:
            st.warning("Paste some text to check.")
    result: CheckResult | None = st.session_state.get(RESULT)
    if result is not None:
        with st.container(key="check-results"):
            _show(result)


def _check(draft: str) -> CheckResult:
    bot = state.get_bot()
    result = CheckResult(draft)
    with st.status("Checking sentences…", expanded=False) as status:
        bar = st.progress(0.0)

        def progress(done: int, total: int) -> None:
            bar.progress(done / total if total else 1.0, text=f"{done} of {total} sentences")

        try:
            result.checks = check_draft(bot, draft, progress=progress)
        except Exception as exc:  # shown to the user, never with a secret in it
            result.error = redact(f"{type(exc).__name__}: {exc}")
            status.update(label="Check failed", state="error")
            return result
        result.contexts = quote_contexts(bot, (c for r in result.checks for c in r.citations))
        status.update(label=f"Checked {len(result.checks)} sentence(s)", state="complete")
    return result


def _show(result: CheckResult) -> None:
    if result.error:
        st.error(f"Could not check the draft: {escape_md(result.error)}")
        return
    if not result.checks:
        st.info("The draft holds no sentence to check.")
        return
    counts = {v: sum(r.verdict.value == v for r in result.checks) for v in BADGES}
    st.caption(", ".join(f"{n} {v}" for v, n in counts.items()))
    for index, claim in enumerate(result.checks):
        with st.container(border=True, key=f"check-sentence-{index}"):
            label, color, icon = BADGES[claim.verdict.value]
            st.badge(label, icon=icon, color=color)
            st.markdown(escape_md(claim.sentence))
            if claim.reason and not claim.supported:
                st.caption(escape_md(claim.reason))
            for c in claim.citations:
                show_citation(c, result.contexts.get(context_key(c)))
