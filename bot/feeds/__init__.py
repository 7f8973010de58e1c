"""Following feeds per collection: the registry (``registry``) and refreshing (``refresh``)."""

from bot.feeds.refresh import FeedResult, RefreshReport, refresh_feeds
from bot.feeds.registry import Feed, FeedError, FeedRegistry, RefreshBusy

__all__ = [
    "Feed",
    "FeedError",
    "FeedRegistry",
    "FeedResult",
    "RefreshBusy",
    "RefreshReport",
    "refresh_feeds",
]
