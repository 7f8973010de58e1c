"""One module per page: chat, briefing, library."""
