"""Page script for st.navigation (a file, so that AppTest can switch to it)."""

from ui.views import digest

digest.render()
