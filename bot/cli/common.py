"""Helpers shared by CLI commands: filters from flags, JSON output, error reporting, progress."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from datetime import date

from bot.types import SearchFilters


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--source", action="append", default=[], help="only this publisher (repeatable)"
    )
    parser.add_argument(
        "--since", type=date.fromisoformat, help="only articles published on/after YYYY-MM-DD"
    )
    parser.add_argument(
        "--until", type=date.fromisoformat, help="only articles published on/before YYYY-MM-DD"
    )


def filters_from_args(args: argparse.Namespace) -> SearchFilters:
    return SearchFilters(sources=tuple(args.source or ()), since=args.since, until=args.until)


def print_json(data: object) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


class CliError(Exception):
    """An expected failure with a message for the user (exit code 1, no traceback)."""


@contextlib.contextmanager
def report_errors() -> Iterator[None]:
    """Known failures become one clear line on stderr and exit code 1; secrets never printed."""
    from bot.llm import ModelUnavailable
    from bot.redact import redact
    from vectorstore.store import StoreUnavailable

    try:
        yield
    except (CliError, StoreUnavailable, ModelUnavailable) as exc:
        print(f"briefbot: {redact(str(exc))}", file=sys.stderr)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        print("briefbot: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    except Exception as exc:  # anything else: one redacted line, never a traceback quoting secrets
        print(
            f"briefbot: unexpected error: {redact(f'{type(exc).__name__}: {exc}')}", file=sys.stderr
        )
        raise SystemExit(1) from None
