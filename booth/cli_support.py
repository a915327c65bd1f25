"""What both command lines share: one-line errors, JSON output, time parsing."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import traceback
from typing import Any, NoReturn

import click

from booth.config import log_dir
from booth.errors import BoothError
from sync.protocol.errors import WireError

log = logging.getLogger(__name__)


class Group(click.Group):
    """A click group that turns every failure into one clear line, never a traceback."""

    # the error trees whose messages are meant for the user (the rest is an internal error)
    expected: tuple[type[Exception], ...] = (BoothError, WireError)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except self.expected as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            fail("interrupted", code=130)
        except OSError as exc:
            fail(f"{exc.strerror or exc}{': ' + str(exc.filename) if exc.filename else ''}")
        except Exception as exc:  # the edge: log the trace, show one line
            fail(f"internal error ({type(exc).__name__}: {exc}); details in {_dump_trace()}", code=3)


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _dump_trace() -> str:
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "crash.log"
        with open(path, "a") as f:
            f.write(f"--- {dt.datetime.now(dt.UTC).isoformat()}\n{traceback.format_exc()}")
        return str(path)
    except OSError:
        return "(log folder not writable)"


def print_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, sort_keys=False))


def parse_time(text: str | None) -> int:
    """ISO 8601 (naive means UTC) or now, as epoch seconds."""
    if text is None:
        return int(dt.datetime.now(dt.UTC).timestamp())
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an ISO time such as 2026-11-26T08:30:00Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


def read_text_arg(text: str) -> str:
    """TEXT or '-' for stdin; strip the line ending a scanner or a pipe adds (not spaces:
    space is a base45 character)."""
    if text == "-":
        text = sys.stdin.read()
    return text.rstrip("\r\n")
