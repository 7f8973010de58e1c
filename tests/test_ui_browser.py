"""End to end in a real browser: ``streamlit run ui/app.py`` driven by Playwright + Chromium.

The fixture follows Streamlit's own e2e tests: start the app on a free port, poll
``/_stcore/health`` until it says ``ok``, hand a page to the test. Answers come from the real
embedded SmolLM2 model (or, in one test, the same GGUF behind a real llama.cpp server).
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
from tests.helpers import REPO, SEEDS, free_port, wait_http

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
DOCS = REPO / "docs"
QUESTION = "Did Kim Jong Un accept the US offer of dialogue?"
HIGHLIGHT = "span.stMarkdownColoredBackground"

UPLOADED_TITLE = "Velmora harbour opens tidal power plant"
UPLOADED = f"""{UPLOADED_TITLE}

The town of Velmora opened a tidal power plant on Monday. <script>alert(1)</script> Mayor Ilse Brandt said the tidal power plant will supply 4,000 homes in Velmora with electricity. <img src=x onerror="alert(2)"> Engineers spent three years building the turbines. ![t](http://127.0.0.1:1/x.png)

Critics warned that the turbines could harm the local seal colony, but the environment agency approved the project in March.
"""

if not Path(CHROMIUM).exists() or importlib.util.find_spec("playwright") is None:
    pytest.skip("needs /usr/bin/chromium and the playwright package", allow_module_level=True)


def normalise(text: str) -> str:
    return " ".join(text.split())


SEED_TEXT = normalise(" ".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.iterdir())))


# ---- fixtures ---------------------------------------------------------------------------------


def _env(home: Path, collection: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFBOT_")}
    env.pop("OPENAI_API_KEY", None)
    env.update(
        BRIEFBOT_HOME=str(home),
        BRIEFBOT_COLLECTION=collection,
        BRIEFBOT_CONFIG=str(home / "no-config.toml"),
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
    )
    return env


@pytest.fixture(scope="module")
def app_home(seeded_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the seeded store that only the app process opens."""
    home = tmp_path_factory.mktemp("browser") / "home"
    shutil.copytree(seeded_settings.home, home)
    return home


@pytest.fixture(scope="module")
def app_url(
    app_home: Path, seeded_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    port = free_port()
    log = (tmp_path_factory.mktemp("logs") / "streamlit.log").open("wb")
    proc = subprocess.Popen(
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
        env=_env(app_home, seeded_settings.collection),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/_stcore/health", timeout=90, expect="ok")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, app_url: str):  # type: ignore[no-untyped-def]
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


def ask(page, question: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Ask in the chat; the highlighted quotes of the answer, once it is complete."""
    before = page.locator(f"[data-testid=stChatMessage] {HIGHLIGHT}").count()
    page.get_by_test_id("stChatInputTextArea").fill(question)
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"n => document.querySelectorAll('[data-testid=stChatMessage] {HIGHLIGHT}').length > n",
        arg=before,
        timeout=ANSWER_TIMEOUT_MS,
    )
    page.get_by_test_id("stChatInput").wait_for()
    spans = page.locator(f"[data-testid=stChatMessage] {HIGHLIGHT}").all()
    return [normalise(s.inner_text()) for s in spans[before:]]


def screenshot(page, path: Path) -> None:  # type: ignore[no-untyped-def]
    """The whole app: Streamlit scrolls inside its main block, so grow the window to fit it."""
    height = page.get_by_test_id("stMainBlockContainer").evaluate("e => e.scrollHeight")
    page.set_viewport_size({"width": 1280, "height": min(max(900, height + 160), 4000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1280, "height": 900})


# ---- tests ------------------------------------------------------------------------------------


def test_chat_shows_verbatim_quotes(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    open_page(page, app_url)
    quotes = ask(page, QUESTION)
    assert quotes
    for quote in quotes:
        assert len(quote) > 20 and quote in SEED_TEXT, quote
    screenshot(page, DOCS / "screenshot-chat.png")


def test_briefing_pdf_download(page, app_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    open_page(page, app_url, "briefing", heading="Policy briefing")
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
    screenshot(page, DOCS / "screenshot-briefing.png")


def test_upload_read_inert_and_ask(page, app_url: str, app_home: Path) -> None:  # type: ignore[no-untyped-def]
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    open_page(page, app_url, "library", heading="Library")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[
            {"name": "../../velmora\x1b.txt", "mimeType": "text/plain", "buffer": UPLOADED.encode()}
        ]
    )
    page.get_by_text("velmora", exact=False).first.wait_for()
    page.get_by_role("button", name="Ingest").click()
    page.get_by_text("Added 1").wait_for(timeout=120_000)
    # "Added 1" shows mid-rerun; the table below it is replaced a moment later in the same run.
    table = page.get_by_test_id("stDataFrame").last
    page.wait_for_function(
        "title => [...document.querySelectorAll('[data-testid=stDataFrame] table')]"
        ".some(t => t.textContent.includes(title))",
        arg=UPLOADED_TITLE,
        timeout=60_000,
    )
    assert UPLOADED_TITLE in table.locator("table").evaluate("e => e.textContent")
    saved = list((app_home / "uploads").iterdir())
    assert len(saved) == 1 and saved[0].name.startswith("velmora-") and saved[0].suffix == ".txt"
    assert not (app_home.parent / "velmora.txt").exists()

    # reader view: the hostile markup is shown as text, never as elements
    search = page.get_by_label("Search titles and publishers")
    search.fill("Velmora")
    search.press("Enter")
    page.get_by_role("heading", name=UPLOADED_TITLE).wait_for()
    page.get_by_text("<script>alert(1)</script>", exact=False).first.wait_for()
    _assert_inert(page, requests)

    open_page(page, app_url)
    quotes = ask(page, "How many homes will the Velmora tidal power plant supply?")
    text = normalise(UPLOADED)
    assert any(q in text for q in quotes), quotes
    context = page.get_by_test_id("stChatMessage").last
    assert "<script>alert(1)</script>" in context.inner_text()  # shown around the quote, as text
    _assert_inert(page, requests)


def _assert_inert(page, requests: list[str]) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_timeout(500)
    app = page.get_by_test_id("stApp")
    assert app.locator("script").count() == 0
    assert app.locator("img[src='x'], img[src*='127.0.0.1:1']").count() == 0
    assert app.locator("[onerror]").count() == 0
    assert not page.dialogs
    assert not [u for u in requests if "127.0.0.1:1/" in u or u.endswith("/x")]


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    """The bundled SmolLM2 GGUF behind a real ``llama_cpp.server`` (OpenAI-compatible API)."""
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed")
    try:
        import fastapi  # noqa: F401
        import sse_starlette  # noqa: F401
        import starlette_context  # noqa: F401
    except ImportError:
        pytest.skip("llama-cpp-python[server] extras are not installed")
    from bot.llm import bundled_model_path

    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(bundled_model_path()),
            "--model_alias",
            "smollm2",
            "--n_ctx",
            "4096",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_http(f"{url}/models", timeout=120, expect="smollm2")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_switch_to_openai_compatible_server(page, app_url: str, llama_server: str) -> None:  # type: ignore[no-untyped-def]
    open_page(page, app_url)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Change model").click()
    sidebar.get_by_text("OpenAI-compatible server").click()
    sidebar.get_by_label("Model name (OpenAI / compatible server)").fill("smollm2")
    sidebar.get_by_label("Server URL (OpenAI-compatible)").fill(llama_server)
    sidebar.get_by_role("button", name="Use this model").click()
    sidebar.get_by_text(f"smollm2 @ {llama_server}", exact=False).first.wait_for()
    quotes = ask(page, QUESTION)
    assert quotes and all(q in SEED_TEXT for q in quotes), quotes
