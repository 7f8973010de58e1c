"""``briefbot`` command line: a dispatcher over one module per command group (``library``, ``ask``,
``brief``, ``check``, ``eval``); ``common`` holds what they share. The console script is ``bot.cli:main``.
"""

from __future__ import annotations

import argparse
import importlib

# Each module exposes ``register(subparsers)`` and sets ``func(args) -> int`` on its parsers.
COMMAND_MODULES = ("library", "ask", "brief", "check", "eval")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefbot",
        description="Source-grounded briefings: every quote is checked word for word against its article.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"bot.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bot.cli.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from bot.cli.common import report_errors
    from bot.redact import install_log_redaction

    install_log_redaction()  # before anything can log or raise with a key in hand
    args = build_parser().parse_args(argv)
    with report_errors():
        return int(args.func(args) or 0)
    return 1
