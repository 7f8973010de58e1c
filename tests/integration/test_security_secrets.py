"""API keys never appear in logs, error messages, exports or the store."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.redact import redact, register_secret, terminal_safe
from tests.helpers import SEEDS
from tests.integration.test_reliability import BRIEFBOT, REPO, cli_env
from tests.loopback import LoopbackServer, QuietHandler

KEY = "sk-test-" + "Zx9" * 12  # OpenAI-shaped, and unique enough to grep for
ODD_KEY = "plainsecretvalue4242"  # a registered secret of no recognisable shape


# ---- redact ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"Incorrect API key provided: {KEY}. You can find your API key at https://x.test",
        f"Authorization: Bearer {KEY}",
        "Authorization: Bearer abcdef0123456789",
        f"https://api.test/v1?api_key={KEY}&x=1",
        '{"api_key": "abcdef0123456789"}',
        "OPENAI_API_KEY=abcdef0123456789",
        "password=hunter2hunter2",
        f"headers={{'authorization': 'Bearer {KEY}'}}",
    ],
)
def test_redact_scrubs_key_shapes(text: str) -> None:
    out = redact(text)
    assert "[redacted]" in out
    for secret in (KEY, "abcdef0123456789", "hunter2hunter2"):
        assert secret not in out


def test_redact_scrubs_registered_secrets_and_keeps_prose() -> None:
    register_secret(ODD_KEY)
    assert ODD_KEY not in redact(f"connecting with {ODD_KEY} now")
    prose = "The secret talks began on Monday; the token gesture was welcomed by the password-less."
    assert redact(prose) == prose


# ---- logging -------------------------------------------------------------------------------------

LOGGING_SCRIPT = """
import io, logging, sys, threading
from bot.redact import install_log_redaction
key = sys.argv[1]
early = io.StringIO()
logging.getLogger().addHandler(logging.StreamHandler(early))  # a handler from before
install_log_redaction()
install_log_redaction()  # idempotent
late = io.StringIO()
logging.getLogger().setLevel(logging.DEBUG)
logging.getLogger().addHandler(logging.StreamHandler(late))   # a handler from after
child = logging.getLogger("httpx.some.child")
child.propagate = True
child.warning("request failed for key %s", key)
child.info("headers: %r", {"Authorization": f"Bearer {key}"})
logging.getLogger("bot.llm").error(f"model said {key}")
try:
    raise RuntimeError(f"Incorrect API key provided: {key}")
except RuntimeError:
    logging.getLogger("ui").exception("call failed")
own = io.StringIO()
handler = logging.StreamHandler(own)
lone = logging.getLogger("isolated"); lone.propagate = False; lone.addHandler(handler)
lone.warning("isolated logger: %s", key)
sys.stdout.write(early.getvalue() + late.getvalue() + own.getvalue())
def boom():
    raise ValueError(f"thread failed with {key}")
t = threading.Thread(target=boom); t.start(); t.join()
raise RuntimeError(f"uncaught {key}")
"""


def test_log_records_and_tracebacks_are_scrubbed(tmp_path: Path) -> None:
    """Every record of every logger, whichever handler prints it (added before or after), and
    uncaught exceptions in threads and the main thread."""
    done = subprocess.run(
        [sys.executable, "-c", LOGGING_SCRIPT, KEY],
        capture_output=True,
        text=True,
        timeout=60,
        env=cli_env(tmp_path, OPENAI_API_KEY=KEY),
        cwd=REPO,
    )
    output = done.stdout + done.stderr
    assert "request failed for key [redacted]" in output
    assert "Incorrect API key provided: [redacted]" in output  # the traceback text too
    assert "isolated logger: [redacted]" in output
    assert "thread failed with [redacted]" in output and "uncaught [redacted]" in output
    assert KEY not in output
    assert "Zx9Zx9" not in output


# ---- the CLI and files -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fake_openai() -> Iterator[str]:
    """An OpenAI-compatible server on loopback that rejects the key the way OpenAI does:
    by quoting it back in the error message."""

    class Handler(QuietHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            key = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            error = {
                "message": f"Incorrect API key provided: {key}. You can find your API "
                "key at https://platform.openai.test/account/api-keys.",
                "type": "invalid_request_error",
                "code": "invalid_api_key",
            }
            self.reply_json({"error": error}, 401)

    with LoopbackServer(Handler) as server:
        yield f"{server.url}/v1"


QUESTION = "Tell me about Kim Jong-un and the offer of dialogue."  # open: the model is asked


@pytest.fixture(scope="module")
def key_runs(tmp_path_factory: pytest.TempPathFactory, fake_openai: str) -> dict:
    """Ingest, ask and brief with ``OPENAI_API_KEY`` set and a model server that quotes the key
    back in its 401; every run's output, the data directory and the export."""
    root = tmp_path_factory.mktemp("secrets")
    home, export = root / "home", root / "briefing.md"
    env = cli_env(
        home, OPENAI_API_KEY=KEY, BRIEFBOT_LLM=f"openai-compatible:gpt-test@{fake_openai}"
    )
    # Ingest in this process, with the key in its environment too (quicker than a CLI run).
    from bot.settings import Settings
    from vectorstore.ingest import ingest
    from vectorstore.store import ArticleStore

    saved = os.environ.get("OPENAI_API_KEY")
    os.environ["OPENAI_API_KEY"] = KEY
    try:
        settings = Settings(home=home)
        assert settings.openai_api_key is not None
        report = ingest([str(SEEDS)], ArticleStore(settings.store_config()))
        assert report.added == 2
    finally:
        if saved is None:
            os.environ.pop("OPENAI_API_KEY", None)
        else:
            os.environ["OPENAI_API_KEY"] = saved
    calls = {
        "ask": [BRIEFBOT, "ask", QUESTION],
        "brief": [BRIEFBOT, "brief", "North Korea", "--out", str(export)],
    }
    procs = {
        name: subprocess.Popen(
            args, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for name, args in calls.items()
    }
    runs = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=300)
        runs[name] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return {"runs": runs, "home": home, "export": export}


def _grep_tree(root: Path, needles: tuple[bytes, ...]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found.extend(f"{path}: {n!r}" for n in needles if n in data)
    return found


def _leaks(text: str) -> bool:
    return KEY in text or "Zx9Zx9Zx9" in text


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ask", "brief"])
def test_key_never_in_cli_output(key_runs: dict, name: str) -> None:
    result = key_runs["runs"][name]
    assert not _leaks(result.stdout + result.stderr), f"{name} printed the key: {result.stderr}"


@pytest.mark.slow
def test_key_never_in_files_or_exports(key_runs: dict) -> None:
    """Nothing under BRIEFBOT_HOME (Chroma, locks, caches, uploads) nor the exported briefing
    holds the key, in UTF-8 or UTF-16."""
    needles = (KEY.encode(), KEY.encode("utf-16-le"), b"Zx9Zx9Zx9")
    assert _grep_tree(key_runs["home"], needles) == []
    if key_runs["export"].exists():
        assert _grep_tree(key_runs["export"].parent, needles) == []


@pytest.mark.slow
def test_failing_model_call_is_one_redacted_line(key_runs: dict) -> None:
    """The 401 that quotes the key ends ``briefbot ask`` with exit 1 and one scrubbed line."""
    result = key_runs["runs"]["ask"]
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "[redacted]" in result.stderr


def test_terminal_safe_keeps_ordinary_text() -> None:
    text = "Café — “quoted” 北朝鮮\tcolumn\nnext line"
    assert terminal_safe(text) == text
