"""Feed monitoring against real HTTP servers started by the tests: a feed that gains entries,
one answering 304 to a conditional GET, one that hangs, one that is malformed, one whose entry
redirects to a private address (refused with the private-address guard on)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.feeds import FeedError, FeedRegistry, refresh_feeds
from bot.settings import FeedSettings, Settings
from tests.fakes import HashEmbeddings
from tests.feedsite import FeedSite, feed_site, rfc822, story
from tests.helpers import REPO
from vectorstore.parsing import web
from vectorstore.store import ArticleStore

FAST = FeedSettings(timeout_s=1.0, budget_s=30.0)


@pytest.fixture
def site():  # type: ignore[no-untyped-def]
    with feed_site() as served:
        yield served


def _store(tmp_path: Path, collection: str = "feeds", **overrides: object) -> ArticleStore:
    config = Settings(home=tmp_path / "home", collection=collection).store_config()
    return ArticleStore(dataclasses.replace(config, **overrides), embeddings=HashEmbeddings())


def _publish(site: FeedSite, path: str, numbers: list[int], prefix: str = "/a") -> str:
    items = []
    for n in numbers:
        title, body = story(n)
        items.append((title, site.page(f"{prefix}{n}", title, body), rfc822()))
    return site.feed(path, "Coast News", items)


def test_feed_refreshed_three_times_yields_exactly_the_new_articles(
    site: FeedSite, store_settings: Settings
) -> None:
    """Against the embedded store and a ``chroma run`` server."""
    url = _publish(site, "/feed.xml", [1, 2])
    site.conditional.add("/feed.xml")
    store = ArticleStore(store_settings.store_config(), embeddings=HashEmbeddings())
    registry = FeedRegistry(store.config)
    registry.add(url)

    first = refresh_feeds(store, registry, FAST)
    assert first.to_dict() == {
        "feeds": [{"url": url, "new": 2, "skipped": 0, "error": None}],
        "added": 2,
    }
    assert sorted(a.url for a in store.list_articles()) == [site.url + "/a1", site.url + "/a2"]

    _publish(site, "/feed.xml", [1, 2, 3])  # a new entry between the first two refreshes
    site.requests.clear()
    second = refresh_feeds(store, registry, FAST)
    assert second.to_dict() == {
        "feeds": [{"url": url, "new": 1, "skipped": 2, "error": None}],
        "added": 1,
    }
    [new_id] = second.feeds[0].article_ids
    assert store.get_article(new_id).url == site.url + "/a3"
    assert [p for p, _ in site.requests] == ["/feed.xml", "/a3"], "known entries not fetched"

    site.requests.clear()
    third = refresh_feeds(store, registry, FAST)
    assert third.to_dict()["added"] == 0 and third.feeds[0].not_modified
    assert len(site.requests) == 1 and site.requests[0][1] is not None, "a conditional GET"
    assert store.article_count() == 3
    [feed] = registry.feeds()
    assert feed.last_error is None and feed.last_refresh and feed.etag


def test_one_failing_feed_never_stops_the_others(site: FeedSite, tmp_path: Path) -> None:
    good = _publish(site, "/good.xml", [10, 11])
    same = _publish(site, "/same.xml", [20], prefix="/s")
    site.conditional.add("/same.xml")
    site.routes["/hang.xml"] = "HANG"
    site.routes["/bad.xml"] = ("application/rss+xml", b"<rss><channel><item><title>x</ti")
    site.routes["/html"] = ("text/html", b"<html><body><p>not a feed</p></body></html>")
    store = _store(tmp_path)
    registry = FeedRegistry(store.config)
    for url in (site.url + "/hang.xml", site.url + "/bad.xml", same, site.url + "/html", good):
        registry.add(url)
    refresh_feeds(store, registry, FAST)  # /same.xml now has validators
    _publish(site, "/good.xml", [10, 11, 12])

    started = time.monotonic()
    report = refresh_feeds(store, registry, FAST)
    elapsed = time.monotonic() - started
    rows = {row["url"]: row for row in report.to_dict()["feeds"]}
    assert elapsed < 4 * FAST.timeout_s + 5, "the hanging feed is bounded by the timeout"
    assert "timed out" in rows[site.url + "/hang.xml"]["error"]
    assert rows[site.url + "/bad.xml"]["error"]
    assert "not an RSS or Atom feed" in rows[site.url + "/html"]["error"]
    assert rows[same] == {"url": same, "new": 0, "skipped": 0, "error": None}
    assert rows[good] == {"url": good, "new": 1, "skipped": 2, "error": None}
    assert report.added == 1 and store.article_count() == 4
    errors = {f.url: f.last_error for f in registry.feeds()}
    assert "timed out" in errors[site.url + "/hang.xml"] and errors[good] is None


def test_entry_redirecting_to_a_private_address_is_refused(
    site: FeedSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With BRIEFBOT_ALLOW_PRIVATE_URLS unset, ``news.example`` plays a public site (vetted,
    served on loopback); its entry redirects to 127.0.0.1 and must be refused there."""
    monkeypatch.delenv("BRIEFBOT_ALLOW_PRIVATE_URLS", raising=False)
    real = web.vet_host
    monkeypatch.setattr(
        web,
        "vet_host",
        lambda host, port: ["127.0.0.1"] if host == "news.example" else real(host, port),
    )
    public = f"http://news.example:{site.port}"
    title, body = story(30)
    site.page("/ok", title, body)
    site.page("/secret", "Internal wiki", story(31)[1])
    site.routes["/leak"] = f"{site.url}/secret"  # to a private (loopback) address
    site.feed(
        "/feed.xml",
        "Coast News",
        [("Ok", public + "/ok", rfc822()), ("Leak", public + "/leak", rfc822())],
    )
    store = _store(tmp_path)
    assert store.config.allow_private_urls is False
    registry = FeedRegistry(store.config)
    registry.add(public + "/feed.xml")
    [row] = refresh_feeds(store, registry, FAST).feeds
    assert row.new == 1
    assert row.error and "refused" in row.error and "loopback" in row.error
    assert "BRIEFBOT_ALLOW_PRIVATE_URLS=1" in row.error
    assert "/secret" not in [p for p, _ in site.requests]
    assert [a.url for a in store.list_articles()] == [public + "/ok"]


def test_failed_entries_are_retried_then_given_up(site: FeedSite, tmp_path: Path) -> None:
    url = _publish(site, "/feed.xml", [40])
    site.conditional.add("/feed.xml")
    items = [(story(40)[0], site.url + "/a40", None), ("Gone", site.url + "/missing", None)]
    site.feed("/feed.xml", "Coast News", items)
    store = _store(tmp_path)
    registry = FeedRegistry(store.config)
    registry.add(url)
    limits = FAST.model_copy(update={"max_attempts": 2})
    rows = [refresh_feeds(store, registry, limits).feeds[0] for _ in range(3)]
    assert [r.new for r in rows] == [1, 0, 0]
    assert "HTTP 404" in rows[0].error and "HTTP 404" in rows[1].error
    assert site.hits("/missing") == 2, "tried max_attempts times"
    # while an entry was pending no validators were kept; once it was given up, they were
    validators = [etag for path, etag in site.requests if path == "/feed.xml"]
    assert validators[:2] == [None, None] and validators[2] is not None
    assert rows[2].not_modified and rows[2].error is None


def test_registry_add_remove_and_errors(tmp_path: Path) -> None:
    registry = FeedRegistry(_store(tmp_path).config)
    registry.add("https://example.org/feed.xml ")
    with pytest.raises(FeedError, match="already followed"):
        registry.add("https://example.org/feed.xml")
    with pytest.raises(FeedError, match="unsupported URL scheme"):
        registry.add("file:///etc/passwd")
    assert [f.url for f in registry.feeds()] == ["https://example.org/feed.xml"]
    registry.remove("https://example.org/feed.xml")
    with pytest.raises(FeedError, match="not followed"):
        registry.remove("https://example.org/feed.xml")
    assert registry.feeds() == []


def test_cli_feeds_and_refresh_in_process(
    site: FeedSite, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("vectorstore.embeddings.default_embeddings", HashEmbeddings)
    url = _publish(site, "/feed.xml", [50])
    assert main(["--collection", "morning", "feeds", "add", url]) == 0
    assert main(["--collection", "morning", "feeds", "list", "--json"]) == 0
    capsys.readouterr()
    assert main(["--collection", "morning", "refresh", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"feeds": [{"url": url, "new": 1, "skipped": 0, "error": None}], "added": 1}
    assert main(["--collection", "morning", "refresh", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["added"] == 0
    assert main(["feeds", "list", "--json"]) == 0  # the default collection follows nothing
    assert json.loads(capsys.readouterr().out) == []
    assert "BRIEFBOT_COLLECTION" not in os.environ
    with pytest.raises(SystemExit):
        main(["--collection", "morning", "feeds", "remove", "http://nowhere.example/x"])
    assert "not followed" in capsys.readouterr().err


def test_cli_watch_stops_cleanly(site: FeedSite, monkeypatch: pytest.MonkeyPatch) -> None:
    """``watch`` refreshes, waits, and a Ctrl-C during the wait ends it with exit code 0."""
    import threading

    from bot.cli import build_parser

    monkeypatch.setattr("vectorstore.embeddings.default_embeddings", HashEmbeddings)
    url = _publish(site, "/feed.xml", [60])
    assert main(["feeds", "add", url]) == 0
    args = build_parser().parse_args(["watch", "--every", "1h", "--json"])
    stop = threading.Event()
    waits: list[float] = []

    class Interrupting(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            waits.append(timeout or 0)
            raise KeyboardInterrupt

    stop = Interrupting()
    assert args.func(args, stop=stop) == 0
    assert len(waits) == 1 and 3500 < waits[0] <= 3600
    assert site.hits("/feed.xml") == 1 and site.hits("/a60") == 1


def test_briefbot_subprocess_refresh_json(site: FeedSite, tmp_path: Path) -> None:
    url = _publish(site, "/feed.xml", [70, 71])
    env = {**os.environ, "PYTHONPATH": str(REPO), "BRIEFBOT_COLLECTION": "wire"}
    briefbot = [sys.executable, "-m", "bot.cli"]
    subprocess.run([*briefbot, "feeds", "add", url], env=env, check=True, timeout=120)
    done = subprocess.run(
        [*briefbot, "refresh", "--json"], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "feeds": [{"url": url, "new": 2, "skipped": 0, "error": None}],
        "added": 2,
    }
    listed = subprocess.run(
        [*briefbot, "collections", "list", "--json"],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert {"name": "wire", "articles": 2, "feeds": 1} in json.loads(listed.stdout)


def test_watch_subprocess_stops_cleanly_on_ctrl_c(site: FeedSite, tmp_path: Path) -> None:
    import signal

    url = _publish(site, "/feed.xml", [80])
    env = {**os.environ, "PYTHONPATH": str(REPO), "BRIEFBOT_COLLECTION": "watched"}
    briefbot = [sys.executable, "-m", "bot.cli"]
    subprocess.run([*briefbot, "feeds", "add", url], env=env, check=True, timeout=120)
    proc = subprocess.Popen(
        [*briefbot, "watch", "--every", "1h"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # as typed at a terminal: a suite started in the background without job control
        # inherits SIGINT ignored, and Python then never raises KeyboardInterrupt
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        lines = []
        while not lines or not lines[-1].startswith("added "):  # the first refresh is done
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            lines.append(line.strip())
        assert lines[-1] == "added 1" and f"{url}: 1 new, 0 skipped" in lines
        proc.send_signal(signal.SIGINT)  # Ctrl-C while it waits for the next round
        assert proc.wait(timeout=60) == 0
        assert "stopped" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_second_refresh_of_the_same_collection_is_refused(site: FeedSite, tmp_path: Path) -> None:
    from bot.feeds import RefreshBusy

    url = _publish(site, "/feed.xml", [90])
    store = _store(tmp_path)
    registry = FeedRegistry(store.config)
    registry.add(url)
    other = FeedRegistry(_store(tmp_path, collection="elsewhere").config)
    with registry.refresh_lock():  # as if cron's refresh were running
        with pytest.raises(RefreshBusy, match="already running"):
            refresh_feeds(store, FeedRegistry(store.config), FAST)
        assert refresh_feeds(store, other, FAST).feeds == []  # another collection is free
    assert site.hits("/feed.xml") == 0
    assert refresh_feeds(store, registry, FAST).added == 1


def test_refresh_killed_mid_feed_loses_and_duplicates_nothing(
    site: FeedSite, tmp_path: Path
) -> None:
    """kill -9 while the second entry's page hangs: the first article is committed but its
    entry not yet marked read; the next refresh stores the rest, nothing twice."""
    import signal

    url = _publish(site, "/feed.xml", [95, 96])
    site.routes["/a96"] = "HANG"
    home = tmp_path / "home"
    env = {**os.environ, "PYTHONPATH": str(REPO), "BRIEFBOT_HOME": str(home),
           "BRIEFBOT_COLLECTION": "killed", "BRIEFBOT_FEEDS__TIMEOUT_S": "300"}  # fmt: skip
    briefbot = [sys.executable, "-m", "bot.cli"]
    subprocess.run([*briefbot, "feeds", "add", url], env=env, check=True, timeout=120)
    proc = subprocess.Popen([*briefbot, "refresh", "--json"], env=env)
    try:
        assert site.arrived("/a96").wait(180), "the refresh reached the hanging entry"
        # ingest writes a batch in the background while it reads the next source: wait for the
        # first article's commit (application state), then kill while the second one hangs
        watcher = ArticleStore(Settings(home=home, collection="killed").store_config())
        deadline = time.monotonic() + 120
        while watcher.article_count() < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert proc.poll() is None, "the refresh is still waiting on the hanging entry"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    title, body = story(96)
    site.page("/a96", title, body)
    settings = Settings(home=home, collection="killed")
    store = ArticleStore(settings.store_config())
    assert store.article_count() == 1, "the first entry's article was committed"
    [row] = refresh_feeds(store, FeedRegistry(store.config), FAST).feeds
    assert row.error is None and row.new == 1 and row.skipped == 1, row
    assert sorted(a.url for a in store.list_articles()) == [site.url + "/a95", site.url + "/a96"]
    assert store.verify().ok
    [again] = refresh_feeds(store, FeedRegistry(store.config), FAST).feeds
    assert again.new == 0
