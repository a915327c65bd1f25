"""What every ``booth-hq`` command module shares: the one way to open the HQ, and ``pass_hq``.

``main`` opens the HQ named by ``--data-dir`` / ``--database`` (``open_hq``) and puts it on the
click context, closed when the command ends; a command that needs it takes it with ``@pass_hq``.
Nothing is read from disk until a command asks the HQ for its keys, registry or sync store; the
passphrase of encrypted key files (``--passphrase-file``, else a prompt in a terminal) is read
only when a command reads or writes such a key.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from sync.hq.facade import HQ
from sync.protocol.errors import KeyFileError

pass_hq = click.make_pass_decorator(HQ)
PASSPHRASE_FILE = "booth_hq.passphrase_file"  # ctx.meta: the --passphrase-file given, or None


def open_hq(ctx: click.Context, data_dir: Path, database: str | None, passphrase_file: Path | None = None) -> HQ:
    """The HQ of ``data_dir`` (sync store at ``database``, else SQLite in it), closed with ``ctx``."""
    ctx.meta[PASSPHRASE_FILE] = passphrase_file
    hq = HQ(data_dir, database, passphrase=passphrase_source(passphrase_file))
    ctx.obj = hq
    ctx.call_on_close(hq.close)
    return hq


def passphrase_source(passphrase_file: Path | None) -> Callable[[], bytes] | None:
    """What gives the key passphrase when one is needed: the file, else a prompt in a terminal."""
    if passphrase_file is not None:
        return lambda: read_passphrase(passphrase_file)
    if sys.stdin.isatty():
        return lambda: click.prompt("Passphrase of HQ's keys", hide_input=True).encode()
    return None


def read_passphrase(path: Path) -> bytes:
    """The passphrase in ``path``: its first line, without the line ending."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read the passphrase file {path}: {exc.strerror}") from None
    passphrase = data.split(b"\n", 1)[0].rstrip(b"\r")
    if not passphrase:
        raise KeyFileError(f"the passphrase file {path} is empty")
    return passphrase
