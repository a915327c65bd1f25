"""What the booth's commands share: opening the booth and reading a PIN."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from booth.cli_support import fail
from booth.service import Booth

USAGE_ERROR = 2


def open_booth(data_dir: Path) -> Booth:
    return Booth(data_dir)


def read_pin(pin_stdin: bool, prompt: str = "PIN") -> str:
    """PIN from stdin (--pin-stdin), the BOOTH_PIN environment variable, or typed without echo."""
    if pin_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if os.environ.get("BOOTH_PIN"):
        return os.environ["BOOTH_PIN"]
    if not sys.stdin.isatty():
        fail("no PIN: use --pin-stdin or set BOOTH_PIN", code=USAGE_ERROR)
    return click.prompt(prompt, hide_input=True)
