"""``briefbot`` command line: a dispatcher over one module per command group (``library``, ``ask``,
``brief``, ``check``, ``eval``); ``common`` holds what they share. The console script is ``bot.cli:main``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
from collections.abc import Iterator

# Each module exposes ``register(subparsers)`` and sets ``func(args) -> int`` on its parsers.
COMMAND_MODULES = ("library", "ask", "brief", "check", "eval", "collections", "feeds", "digest")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefbot",
        description="Source-grounded briefings: every quote is checked word for word against its article.",
    )
    parser.add_argument(
        "--collection",
        metavar="NAME",
        help="the collection to work on (default: $BRIEFBOT_COLLECTION, else briefbot)",
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
    with report_errors(), collection_chosen(args.collection):
        return int(args.func(args) or 0)
    return 1


@contextlib.contextmanager
def collection_chosen(name: str | None) -> Iterator[None]:
    """``--collection NAME`` for the duration of one command: every command builds its
    settings from the environment, so the option is ``BRIEFBOT_COLLECTION`` (restored after,
    for callers of ``main`` in process)."""
    if name is None:
        yield
        return
    from bot.cli.common import CliError
    from vectorstore.collections import CollectionError, check_name

    try:
        check_name(name)
    except CollectionError as exc:
        raise CliError(str(exc)) from None
    before = os.environ.get("BRIEFBOT_COLLECTION")
    os.environ["BRIEFBOT_COLLECTION"] = name
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("BRIEFBOT_COLLECTION", None)
        else:
            os.environ["BRIEFBOT_COLLECTION"] = before
