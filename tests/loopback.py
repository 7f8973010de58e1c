"""One loopback HTTP server for tests: a real ``ThreadingHTTPServer`` on 127.0.0.1 with a free
port, served from a daemon thread, and the response writers every test site shares.

News sites, feed sites, a model server and a fake OpenAI endpoint all need the same few lines
(start, stop, a quiet handler, a body written with its length even when the client hung up);
they live here once so a fix to one (say, a broken-pipe race) reaches every test server.
"""

from __future__ import annotations

import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that logs nothing and writes whole responses."""

    def log_message(self, *args: Any) -> None:  # tests read their own records
        pass

    def reply(
        self, status: int, body: bytes, content_type: str = "text/html", **headers: str
    ) -> None:
        """Status, ``Content-Type``, ``Content-Length``, extra headers, then the body; a client
        that hung up (timeouts, size limits) is not an error of the server's."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def reply_json(self, body: object, status: int = 200) -> None:
        self.reply(status, json.dumps(body).encode(), "application/json")

    def redirect(self, location: str, status: int = 302) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


class LoopbackServer:
    """``handler`` served on ``127.0.0.1`` at a free port; ``url`` is its base URL. Use as a
    context manager, or ``start()`` / ``stop()``."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port: int = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
