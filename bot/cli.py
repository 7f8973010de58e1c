"""``briefbot`` command line: a dispatcher over one module per command group in ``bot/commands``."""

from __future__ import annotations

import argparse
import importlib
import sys

# Each module exposes ``register(subparsers)`` and sets ``func(args) -> int`` on its parsers.
COMMAND_MODULES = ("library", "ask", "brief", "eval")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefbot",
        description="Source-grounded briefings: every quote is checked word for word against its article.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"bot.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bot.commands.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from bot.commands.common import report_errors
    from bot.redact import install_log_redaction

    install_log_redaction()  # before anything can log or raise with a key in hand
    args = build_parser().parse_args(argv)
    with report_errors():
        return int(args.func(args) or 0)
    return 1


if __name__ == "__main__":
    sys.exit(main())
