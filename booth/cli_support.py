"""What both command lines share: one-line errors, JSON output, time parsing."""

from __future__ import annotations

import datetime as dt
import importlib
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

# The optional extras of pyproject.toml, by the modules whose absence means one is not installed.
EXTRA_OF_MODULE = {
    "PySide6": "station",
    "shiboken6": "station",
    "cv2": "station",
    "zxingcpp": "station",
    "pyzbar": "station",
    "fastapi": "hq",
    "starlette": "hq",
    "pydantic": "hq",
    "uvicorn": "hq",
    "sqlalchemy": "hq",
    "psycopg": "hq",
    "jinja2": "hq",
}


def missing_extra(exc: ModuleNotFoundError, what: str) -> str | None:
    """The one line to show when ``what`` (a command) failed for lack of an extra, else None."""
    module = (exc.name or "").partition(".")[0]
    extra = EXTRA_OF_MODULE.get(module)
    if extra is None:
        return None
    return f"{what} needs the {extra} extra ({module} is not installed): pip install 'booth[{extra}]'"


class Group(click.Group):
    """A click group that turns every failure into one clear line, never a traceback."""

    # the error trees whose messages are meant for the user (the rest is an internal error)
    expected: tuple[type[Exception], ...] = (BoothError, WireError)
    group_class = type  # its subgroups are of its class: the line can name the whole command

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
        except ModuleNotFoundError as exc:  # a command of an extra that is not installed here
            line = missing_extra(exc, " ".join(filter(None, (ctx.command_path, ctx.invoked_subcommand))))
            if line is None:
                fail(_internal(exc), code=3)
            fail(line)
        except Exception as exc:  # the edge: log the trace, show one line
            line = self.explain(ctx, exc)
            fail(line if line is not None else _internal(exc), code=1 if line is not None else 3)

    def explain(self, ctx: click.Context, exc: Exception) -> str | None:
        """The user's line for an unexpected error this program can explain after all, else None."""
        return None


def _internal(exc: Exception) -> str:
    return f"internal error ({type(exc).__name__}: {exc}); details in {_dump_trace()}"


class LazyGroup(Group):
    """A Group some of whose commands are imported only when used (``lazy={"name": "module:attr"}``),
    so that e.g. ``booth verify`` loads neither OpenCV nor the QR decoders. A lazy command whose
    module needs an extra that is not installed becomes a stand-in that says so in one line."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, attr = self.lazy[cmd_name].partition(":")
            try:
                command = getattr(importlib.import_module(module), attr)
            except ModuleNotFoundError as exc:
                line = missing_extra(exc, f"{ctx.command_path} {cmd_name}")
                if line is None:
                    raise
                command = _stand_in(cmd_name, line)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


def _stand_in(name: str, line: str) -> click.Command:
    def callback(args: tuple[str, ...]) -> None:
        fail(line)

    return click.Command(
        name,
        callback=callback,
        help=f"Not installed here: {line}.",
        short_help="(not installed)",
        params=[click.Argument(["args"], nargs=-1)],
        context_settings={"ignore_unknown_options": True},
    )


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
