"""End to end in a real browser: ``streamlit run ui/app.py`` driven by Playwright + Chromium.

The fixture follows Streamlit's own e2e tests: start the app on a free port, poll
``/_stcore/health`` until it says ``ok``, hand a page to the test, which waits on application
state (an answer's completion marker, the library's article count), never on a fixed delay.
Every test has its own copy of the store and its own app process, so none depends on another
or on their order.

Answers come from the real embedded SmolLM2 (tested for what holds for any output: every quote
shown is verbatim in a source), from the same GGUF behind a real llama.cpp server, or — where a
test needs one particular answer — from a scripted model behind a real OpenAI-compatible HTTP
server (``tests.fakes.scripted_openai_server``).

Screenshots go to a temporary directory; ``scripts/screenshots`` writes the ones in ``docs/``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.fakes import grounded_reply, scripted_openai_server
from tests.helpers import REPO, SEEDS, free_port, wait_http
from tests.helpers import llama_server as running_llama_server

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ANSWER_TIMEOUT_MS = 180_000
SCREENSHOTS = os.environ.get("BRIEFBOT_SCREENSHOTS")  # a folder: keep the screenshots there
QUESTION = "Did Kim Jong Un accept the US offer of dialogue?"
HIGHLIGHT = "span.stMarkdownColoredBackground"

UPLOADED_TITLE = "Velmora harbour opens tidal power plant"
UPLOADED = f"""{UPLOADED_TITLE}

The town of Velmora opened a tidal power plant on Monday. <script>alert(1)</script> Mayor Ilse Brandt said the tidal power plant will supply 4,000 homes in Velmora with electricity. <img src=x onerror="alert(2)"> Engineers spent three years building the turbines. ![t](http://127.0.0.1:1/x.png)

Critics warned that the turbines could harm the local seal colony, but the environment agency approved the project in March.
"""

if not Path(CHROMIUM).exists() or importlib.util.find_spec("playwright") is None:
    pytest.skip("needs /usr/bin/chromium and the playwright package", allow_module_level=True)


from playwright.sync_api import expect  # noqa: E402  (after the skip above)


def normalise(text: str) -> str:
    return " ".join(text.split())


SEED_TEXT = normalise(" ".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.iterdir())))


# ---- fixtures ---------------------------------------------------------------------------------


def _env(home: Path, collection: str, llm: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFBOT_")}
    env.pop("OPENAI_API_KEY", None)
    env.update(
        BRIEFBOT_HOME=str(home),
        BRIEFBOT_COLLECTION=collection,
        BRIEFBOT_CONFIG=str(home / "no-config.toml"),
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
    )
    if llm:
        env["BRIEFBOT_LLM"] = llm
    return env


class App:
    """One ``streamlit run ui/app.py`` over a private copy of the seeded store."""

    def __init__(self, home: Path, collection: str, log: Path, llm: str | None = None) -> None:
        self.home = home
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "ui/app.py",
                "--server.port",
                str(port),
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",
            ],
            cwd=REPO,
            env=_env(home, collection, llm),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        wait_http(f"{self.url}/_stcore/health", timeout=90, expect="ok")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


@pytest.fixture
def start_app(seeded_settings: Settings, tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    """Starts this test's own app (``start_app(llm=...)``); stopped after the test."""
    apps: list[App] = []

    def start(llm: str | None = None) -> App:
        home = tmp_path / f"home-{len(apps)}"
        shutil.copytree(seeded_settings.home, home)
        app = App(home, seeded_settings.collection, tmp_path / f"app-{len(apps)}.log", llm)
        apps.append(app)
        return app

    yield start
    for app in apps:
        app.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(60_000)
    pg = context.new_page()
    pg.dialogs = []  # type: ignore[attr-defined]
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    yield pg
    context.close()


def open_page(page, app_url: str, path: str = "", heading: str = "Ask your articles") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app_url}/{path}")
    page.get_by_role("heading", name=heading).wait_for()


def answered(page) -> int:  # type: ignore[no-untyped-def]
    """How many answers the chat shows as complete (each carries a completion marker)."""
    return page.locator("[class*='st-key-answer-']").count()


def ask(page, question: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Ask in the chat and wait until the answer is complete; its highlighted quotes."""
    before = answered(page)
    page.get_by_test_id("stChatInputTextArea").fill(question)
    page.keyboard.press("Enter")
    marker = page.locator(f".st-key-answer-{before}")
    marker.wait_for(state="attached", timeout=ANSWER_TIMEOUT_MS)
    assert marker.get_attribute("class") and "st-key-answer-" in marker.get_attribute("class")
    assert not marker.get_by_test_id("stAlertContentError").count(), marker.inner_text()
    return [normalise(s.inner_text()) for s in marker.locator(HIGHLIGHT).all()]


def screenshot(page, name: str, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """The whole app: Streamlit scrolls inside its main block, so grow the window to fit it."""
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    height = page.get_by_test_id("stMainBlockContainer").evaluate("e => e.scrollHeight")
    page.set_viewport_size({"width": 1280, "height": min(max(900, height + 160), 4000)})
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    path = folder / name
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1280, "height": 900})
    return path


# ---- tests ------------------------------------------------------------------------------------


def test_chat_shows_verbatim_quotes(page, start_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # the real embedded model: whatever it writes, every quote shown stands in a source
    app = start_app()
    open_page(page, app.url)
    quotes = ask(page, QUESTION)
    for quote in quotes:
        assert len(quote) > 20 and quote in SEED_TEXT, quote
    assert answered(page) == 1
    # code settles the yes/no from the checked quote (Kim rejected the offer): shown first, bold
    short = page.locator(".st-key-answer-0 .st-key-short-answer-0 strong")
    assert normalise(short.inner_text()) == "No"
    first = page.locator(".st-key-answer-0 [data-testid='stMarkdownContainer']").first
    assert normalise(first.inner_text()) == "No"
    screenshot(page, "screenshot-chat.png", tmp_path)


def test_briefing_pdf_download(page, start_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    app = start_app()
    open_page(page, app.url, "briefing", heading="Policy briefing")
    page.get_by_label("Topic").fill("North Korea and dialogue with the United States")
    page.get_by_role("button", name="Generate briefing").click()
    pdf_button = page.get_by_role("button", name=re.compile("Download PDF"))
    pdf_button.wait_for(timeout=ANSWER_TIMEOUT_MS)
    with page.expect_download() as info:
        pdf_button.click()
    target = tmp_path / "briefing.pdf"
    info.value.save_as(target)
    data = target.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(PdfReader(target).pages) == 1
    page.get_by_role("heading", name="Bottom line").wait_for()
    screenshot(page, "screenshot-briefing.png", tmp_path)


def test_upload_read_inert_and_ask(page, start_app) -> None:  # type: ignore[no-untyped-def]
    # one particular answer is needed here, so the model is scripted (behind a real HTTP server)
    with scripted_openai_server(grounded_reply("4,000 homes")) as (url, calls):
        app = start_app(llm=f"openai-compatible:scripted@{url}")
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        open_page(page, app.url, "library", heading="Library")
        page.get_by_role("heading", name="Stored articles (2)").wait_for()
        # the file's name shows before its upload has reached the server: wait for the upload's
        # response, or "Ingest" can run with no file yet
        with page.expect_response(
            lambda r: "/_stcore/upload_file" in r.url and r.request.method == "PUT",
            timeout=60_000,
        ) as uploaded:
            page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
                files=[
                    {
                        "name": "../../velmora\x1b.txt",
                        "mimeType": "text/plain",
                        "buffer": UPLOADED.encode(),
                    }
                ]
            )
        assert uploaded.value.ok
        page.get_by_text("velmora", exact=False).first.wait_for()
        page.get_by_role("button", name="Ingest").click()
        # the library's count is rendered after the ingest and its rerun have finished
        page.get_by_role("heading", name="Stored articles (3)").wait_for(timeout=120_000)
        page.get_by_text("Added 1", exact=False).first.wait_for()
        page.wait_for_function(  # the grid fills its accessible table after it mounts
            "title => [...document.querySelectorAll('[data-testid=stDataFrame] table')]"
            ".some(t => t.textContent.includes(title))",
            arg=UPLOADED_TITLE,
        )
        saved = list((app.home / "uploads").iterdir())
        assert [f.name for f in saved] == ["velmora.txt"]  # directory part and escape dropped
        assert not (app.home.parent / "velmora.txt").exists()

        # reader view: the hostile markup is shown as text, never as elements
        search = page.get_by_label("Search titles and publishers")
        search.fill("Velmora")
        search.press("Enter")
        page.get_by_role("heading", name=UPLOADED_TITLE).wait_for()
        page.get_by_text("<script>alert(1)</script>", exact=False).first.wait_for()
        _assert_inert(page, requests)

        open_page(page, app.url)
        quotes = ask(page, "How many homes will the Velmora tidal power plant supply?")
        # a figure in a verified quote settles "how many" by code: the uploaded article answers
        # in bold first, and the model is not needed for it
        short = page.locator(".st-key-answer-0 .st-key-short-answer-0 strong")
        assert normalise(short.inner_text()) == "4,000"
        assert not calls
        assert any("supply 4,000 homes" in q for q in quotes), quotes
        assert all(q in normalise(UPLOADED) for q in quotes), quotes
        context = page.get_by_test_id("stChatMessage").last
        assert "<script>alert(1)</script>" in context.inner_text()  # around the quote, as text
        _assert_inert(page, requests)


def _assert_inert(page, requests: list[str]) -> None:  # type: ignore[no-untyped-def]
    app = page.get_by_test_id("stApp")
    assert app.locator("script").count() == 0
    assert app.locator("img[src='x'], img[src*='127.0.0.1:1']").count() == 0
    assert app.locator("[onerror]").count() == 0
    assert not page.dialogs
    assert not [u for u in requests if "127.0.0.1:1/" in u or u.endswith("/x")]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_llama_server(tmp_path_factory.mktemp("llama-server") / "server.log") as url:
        yield url


def test_switch_to_openai_compatible_server(page, start_app, llama_server: str) -> None:  # type: ignore[no-untyped-def]
    app = start_app()
    open_page(page, app.url)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Change model").click()
    choice = sidebar.get_by_role("radio", name="OpenAI-compatible server")
    choice.check(force=True)  # the input is visually hidden behind its label
    expect(choice).to_be_checked()
    name = sidebar.get_by_label("Model name (OpenAI / compatible server)")
    name.fill("smollm2")
    expect(name).to_have_value("smollm2")
    url = sidebar.get_by_label("Server URL (OpenAI-compatible)")
    url.fill(llama_server)
    expect(url).to_have_value(llama_server)
    sidebar.get_by_role("button", name="Use this model").click()
    in_use = sidebar.get_by_text(f"In use: smollm2 @ {llama_server}", exact=False)
    expect(in_use).to_be_visible(timeout=60_000)
    quotes = ask(page, QUESTION)  # the real tiny model behind the server: any output
    assert all(q in SEED_TEXT for q in quotes), quotes


def test_check_page_marks_sentences(page, start_app) -> None:  # type: ignore[no-untyped-def]
    true = "North Korea has carried out six missile tests since 2006."
    swapped = "North Korea has carried out 12 missile tests since 2006."
    app = start_app()
    open_page(page, app.url, "check", heading="Check a draft")
    page.get_by_label("Draft", exact=True).fill(f"{true} {swapped}")
    page.get_by_role("button", name="Check", exact=True).click()
    results = page.locator(".st-key-check-results")
    results.wait_for(timeout=ANSWER_TIMEOUT_MS)
    first, second = results.locator("[class*='st-key-check-sentence-']").all()
    assert "Supported" in first.inner_text() and true in first.inner_text()
    assert [normalise(q.inner_text()) for q in first.locator(HIGHLIGHT).all()] == [true]
    assert re.search("Contradicted|Unsupported", second.inner_text()), second.inner_text()
    assert all(normalise(q.inner_text()) in SEED_TEXT for q in results.locator(HIGHLIGHT).all())


def test_collections_feeds_refresh_and_digest(page, start_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Create and switch collections in the sidebar, follow a feed, refresh it with progress,
    see the new articles marked, and build a digest whose quotes are verbatim and whose DOCX
    download holds them."""
    import docx

    from tests.feedsite import DISTINCT, feed_site, rfc822

    with feed_site() as site:
        items, bodies = [], []
        for n, (title, body) in enumerate(DISTINCT, start=1):
            items.append((title, site.page(f"/a{n}", title, body), rfc822()))
            bodies.append(normalise(title + " " + body))
        feed_url = site.feed("/feed.xml", "Coast News", items)
        app = start_app()
        # the feed server is on loopback: this app's settings allow it (a purely local setup)
        (app.home / "no-config.toml").write_text("allow_private_urls = true\n")
        open_page(page, app.url, "library", heading="Library")
        page.get_by_role("heading", name="Stored articles (2)").wait_for()
        sidebar = page.get_by_test_id("stSidebar")

        sidebar.get_by_text("New collection").click()
        sidebar.get_by_label("Collection name", exact=True).fill("morning")
        sidebar.get_by_role("button", name="Create collection").click()
        sidebar.get_by_text("Created collection morning.").wait_for()
        page.get_by_text("No articles yet", exact=False).wait_for()
        page.get_by_text("No feeds followed in this collection", exact=False).wait_for()

        page.get_by_label("Feed URL", exact=True).fill(feed_url)
        page.get_by_role("button", name="Add feed").click()
        page.locator(".st-key-feeds-list").get_by_text(feed_url).wait_for()
        page.get_by_text("Never refreshed").wait_for()
        page.get_by_role("button", name="Refresh now").click()
        page.get_by_text("Refreshed: 2 new articles").wait_for(timeout=120_000)
        result = page.locator(".st-key-refresh-result")
        result.get_by_text("Refreshed 1 feed: 2 new articles.").wait_for()
        page.get_by_role("heading", name="Stored articles (2)").wait_for()
        marked = page.locator(".st-key-new-articles")
        for title, *_ in items:
            marked.get_by_text(title).wait_for()
        feed_box = page.locator(".st-key-feed-0")
        feed_box.get_by_text("Last refresh", exact=False).wait_for()
        assert "Last error" not in feed_box.inner_text()
        screenshot(page, "screenshot-feeds.png", tmp_path)

        # the other collection is untouched, and switching back finds the feed again
        sidebar.get_by_test_id("stSelectbox").click()
        page.get_by_role("option", name="seeds", exact=True).click()
        sidebar.get_by_text("Switched to collection seeds.").wait_for()
        page.get_by_text("No feeds followed in this collection", exact=False).wait_for()
        expect(page.locator(".st-key-new-articles")).to_have_count(0)
        sidebar.get_by_test_id("stSelectbox").click()
        page.get_by_role("option", name="morning", exact=True).click()
        page.locator(".st-key-feeds-list").get_by_text(feed_url).wait_for()
        sidebar.get_by_text("2 articles, 1 feeds").wait_for()

        # in-app navigation keeps the session (and its collection); a new URL would not
        sidebar.get_by_role("link", name="Digest").click()
        page.get_by_role("heading", name="Digest").wait_for()
        page.get_by_role("button", name="Build digest").click()
        stories = page.locator(".st-key-digest-stories")
        stories.wait_for(timeout=120_000)
        boxes = stories.locator("[class*='st-key-digest-story-']").all()
        assert len(boxes) == 2
        text = stories.inner_text()
        assert "1 outlet: Coast News" in text
        quotes = [normalise(q.inner_text()) for q in stories.locator(HIGHLIGHT).all()]
        assert len(quotes) == 2
        assert all(any(q in body for body in bodies) for q in quotes), quotes
        screenshot(page, "screenshot-digest.png", tmp_path)
        with page.expect_download() as info:
            page.get_by_role("button", name="Download DOCX").click()
        target = tmp_path / "digest.docx"
        info.value.save_as(target)
        document = docx.Document(str(target))
        written = normalise(" ".join(p.text for p in document.paragraphs))
        assert all(q in written for q in quotes)
        links = {
            r.target_ref for r in document.part.rels.values() if r.reltype.endswith("/hyperlink")
        }
        assert {link for _, link, _ in items} <= links
