"""What both command lines share: exit codes, one-line errors, JSON output, time parsing."""

from __future__ import annotations

import datetime as dt
import enum
import errno
import importlib
import json
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from booth.config import log_dir
from booth.errors import BoothError, LedgerFull, LedgerIOError
from sync.protocol.errors import WireError

log = logging.getLogger(__name__)


class ExitCode(enum.IntEnum):
    """The exit status of every ``booth`` and ``booth-hq`` command (README.md, "Exit codes")."""

    OK = 0  # done; the permit is valid; the file verifies; every batch was accepted
    NO = 1  # the answer is no: a permit rejected, a chain or signature that does not verify, batches refused
    USAGE = 2  # the command line is wrong: an unknown option, a missing argument, a bad value
    ERROR = 3  # could not run because of what was given or found: wrong PIN, no bundle, no such file, ...
    FAULT = 4  # a fault of the system: an internal error (trace in crash.log), disk full, I/O error
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
    BROKEN_PIPE = 141  # the reader of the output went away, e.g. `| head -1` (128 + SIGPIPE); nothing printed


# OSErrors that are the system's fault, not the user's: the disk, the medium, the memory
SYSTEM_ERRNOS = frozenset(
    getattr(errno, name) for name in ("ENOSPC", "EDQUOT", "EIO", "ENOMEM", "EFBIG", "ESTALE") if hasattr(errno, name)
)

EXIT_CODES_HELP = (
    "Exit status: 0 done (valid, verified, accepted); 1 the answer is no (a permit rejected, a "
    "signature or chain that does not verify, batches refused); 2 usage error; 3 could not run "
    "(wrong PIN, no bundle, no such file or record, input refused); 4 system fault (internal "
    "error, disk full); 130 interrupted; 141 output pipe closed."
)

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
    "pkcs11": "hq",  # python-pkcs11: issuing keys in a token (booth.token)
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

    # errors of the expected trees that are the system's fault (a full disk), not the user's
    faults: tuple[type[Exception], ...] = (LedgerFull, LedgerIOError)

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Click's main, with every way out one line on stderr and an ``ExitCode``: usage errors
        too (click's own are several lines), and a closed output pipe quietly."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        code: Any = ExitCode.OK
        try:
            try:
                super().main(args, prog_name, complete_var, False, **extra)
            except SystemExit as exc:
                code = exc.code
            except click.exceptions.NoArgsIsHelpError as exc:  # a group without its command: its help
                click.echo(exc.ctx.get_help() if exc.ctx else exc.format_message(), err=True)
                code = ExitCode.USAGE
            except click.BadParameter as exc:
                missing = isinstance(exc, click.MissingParameter)  # its message is made by format_message
                if not missing and isinstance(exc.param and exc.param.type, click.Path):  # a file that is not there
                    code = _say(_sentence(exc.message), ExitCode.ERROR)
                else:
                    code = _say(usage_line(exc), ExitCode.USAGE)
            except click.UsageError as exc:
                code = _say(usage_line(exc), ExitCode.USAGE)
            except click.Abort as exc:  # Ctrl-C, or end of input at a prompt
                if isinstance(exc.__context__, EOFError):
                    code = _say("no answer: the input ended before the question was answered", ExitCode.ERROR)
                else:
                    code = _say("interrupted", ExitCode.INTERRUPTED)
            except click.ClickException as exc:
                code = _say(_sentence(exc.format_message()), ExitCode.ERROR)
            sys.stdout.flush()
        except BrokenPipeError:
            code = broken_pipe()
        sys.exit(code)

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any):
        try:
            return super().make_context(info_name, args, parent, **extra)
        except BrokenPipeError:  # --help into a closed pipe (click would exit 1)
            sys.exit(broken_pipe())

    def invoke(self, ctx: click.Context) -> Any:
        try:
            try:
                return super().invoke(ctx)
            except click.exceptions.Exit as exc:  # ctx.exit(n) in a command
                sys.exit(exc.exit_code)
        except (click.exceptions.Abort, click.ClickException):
            raise
        except self.faults as exc:
            fail(str(exc), code=ExitCode.FAULT)
        except self.expected as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            fail("interrupted", code=ExitCode.INTERRUPTED)
        except BrokenPipeError:
            sys.exit(broken_pipe())
        except OSError as exc:
            line = _sentence(f"{exc.strerror or exc}{': ' + str(exc.filename) if exc.filename else ''}")
            fail(line, code=ExitCode.FAULT if exc.errno in SYSTEM_ERRNOS else ExitCode.ERROR)
        except ModuleNotFoundError as exc:  # a command of an extra that is not installed here
            line = missing_extra(exc, " ".join(filter(None, (ctx.command_path, ctx.invoked_subcommand))))
            if line is None:
                fail(_internal(exc), code=ExitCode.FAULT)
            fail(line)
        except Exception as exc:  # the edge: log the trace, show one line
            line = self.explain(ctx, exc)
            fail(
                line if line is not None else _internal(exc),
                code=ExitCode.ERROR if line is not None else ExitCode.FAULT,
            )

    def explain(self, ctx: click.Context, exc: Exception) -> str | None:
        """The user's line for an unexpected error this program can explain after all, else None."""
        return None


def usage_line(exc: click.UsageError) -> str:
    """Click's usage error as one line: what is wrong, and where the help is."""
    line = _sentence(exc.format_message())
    if exc.ctx is not None:
        line += f" (see {exc.ctx.command_path} --help)"
    return line


def _sentence(message: str) -> str:
    """One line, starting lower case (``No such option`` -> ``no such option``), no final period."""
    line = " ".join(message.split()).replace(". (", " (")
    if line.endswith(".") and not line.endswith(".."):
        line = line[:-1]
    if len(line) > 1 and line[0].isupper() and line[1].islower():
        line = line[0].lower() + line[1:]
    return line


def _say(message: str, code: ExitCode) -> ExitCode:
    click.echo(f"error: {message}", err=True)
    return code


def broken_pipe() -> ExitCode:
    """The reader of stdout went away (``| head``): stop quietly. Later writes, and the flush at
    exit, go to /dev/null (as the Python documentation on SIGPIPE advises)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real stdout (a test runner's): nothing to silence
        pass
    return ExitCode.BROKEN_PIPE


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


def fail(message: str, code: int = ExitCode.ERROR) -> NoReturn:
    """Print ``error: message`` (one line) and exit with ``code`` (by default: could not run)."""
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
