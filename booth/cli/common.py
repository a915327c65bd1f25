"""What the booth's commands share: opening the booth and reading a PIN."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from booth.cli_support import ExitCode, fail
from booth.service import Booth

USAGE_ERROR = ExitCode.USAGE


def open_booth(data_dir: Path, *, read_only: bool = False) -> Booth:
    """The booth in ``data_dir``; the read commands open it ``read_only`` (a seized or archived copy)."""
    return Booth(data_dir, read_only=read_only)


def read_pin(pin_stdin: bool, prompt: str = "PIN", env: str = "BOOTH_PIN") -> str:
    """PIN from stdin (--pin-stdin: one line each), the ``env`` variable, or typed without echo."""
    if pin_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if os.environ.get(env):
        return os.environ[env]
    if not sys.stdin.isatty():
        fail(f"no PIN: use --pin-stdin or set {env}", code=USAGE_ERROR)
    return click.prompt(prompt, hide_input=True)
