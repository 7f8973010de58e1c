"""Briefbot web app: ``streamlit run ui/app.py`` (settings from ``BRIEFBOT_*`` / config.toml)."""

from __future__ import annotations

import sys
from pathlib import Path

# ``streamlit run ui/app.py`` puts ui/ on sys.path, not the repository root.
_HERE = Path(__file__).resolve().parent
if str(_HERE.parent) not in sys.path:
    sys.path.insert(0, str(_HERE.parent))

import streamlit as st  # noqa: E402

from bot.redact import install_log_redaction, redact  # noqa: E402
from ui import sidebar  # noqa: E402
from ui.render import escape_md  # noqa: E402
from vectorstore.store import StoreUnavailable  # noqa: E402


def main() -> None:
    install_log_redaction()  # idempotent; keys typed in the sidebar never reach the server log
    st.set_page_config(page_title="Briefbot", page_icon=":material/newspaper:", layout="wide")
    page = st.navigation(
        [
            st.Page(_HERE / "routes/chat.py", title="Ask", icon=":material/forum:", default=True),
            st.Page(_HERE / "routes/briefing.py", title="Briefing", icon=":material/description:"),
            st.Page(_HERE / "routes/digest.py", title="Digest", icon=":material/today:"),
            st.Page(_HERE / "routes/check.py", title="Check", icon=":material/fact_check:"),
            st.Page(_HERE / "routes/library.py", title="Library", icon=":material/library_books:"),
        ]
    )
    try:
        sidebar.render()
    except Exception as exc:  # bad environment settings: say so instead of a traceback
        st.error(f"Settings problem: {escape_md(redact(str(exc)))}")
        st.stop()
    try:
        page.run()
    except StoreUnavailable as exc:
        st.error(f"The article store is unavailable: {escape_md(redact(str(exc)))}")


main()
