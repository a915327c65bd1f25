"""`booth scan-image FILE...`: decode QR codes in image files, one JSON line per file.

Registered lazily by ``booth.cli`` (it loads OpenCV and the decoders).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from booth.cli_support import ExitCode, fail, print_json
from booth.scan.cascade import DEFAULT_BUDGET_MS, Cascade
from booth.scan.decoders import DECODER_NAMES, make_decoder
from booth.scan.errors import DecoderUnavailable
from booth.scan.images import scan_image_file

UNREADABLE_FILE = ExitCode.ERROR  # some file could not be read as an image (its line has an "error" field)
DECODER_MISSING = ExitCode.ERROR  # --decoder names a backend that cannot run here


def build_cascade(decoder: str, budget_ms: float | None) -> Cascade:
    """The default cascade, or the stages of one backend (--decoder); raises DecoderUnavailable."""
    if decoder == "cascade":
        return Cascade.default(budget_ms=budget_ms)
    return Cascade(make_decoder(decoder), budget_ms=budget_ms)


@click.command("scan-image")
@click.argument("files", metavar="FILE...", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--decoder",
    type=click.Choice(("cascade", *DECODER_NAMES)),
    default="cascade",
    show_default=True,
    help="Force one backend (its stages of the cascade only) instead of the whole cascade.",
)
@click.option(
    "--budget-ms",
    type=click.FloatRange(min=0),
    default=DEFAULT_BUDGET_MS,
    show_default=True,
    help="Time budget per image for the stages after the first, when a code is seen but not read.",
)
def scan_image(files: tuple[Path, ...], decoder: str, budget_ms: float) -> None:
    """Decode the QR codes in image files (PNG, JPEG, WebP, ...): one JSON line per file.

    Each line is {"file": ..., "codes": [{"text": ..., "decoder": ...}], "ms": ...}, with
    "ms" the decoding time; a file that cannot be read as an image gets an "error" field
    instead of "ms". Every file gets its line.

    Exit status: 0 when every file was read (whether or not it held a code), 3 when some
    file could not be read or --decoder names a backend that cannot run here (pyzbar
    needs the system library libzbar0).

    \b
    Example:
      booth scan-image permit.jpg photos/*.png --decoder zxing
    """
    try:
        cascade = build_cascade(decoder, budget_ms)
    except DecoderUnavailable as exc:
        fail(str(exc), code=DECODER_MISSING)
    unreadable = 0
    for path in files:
        line = scan_image_file(path, cascade)
        unreadable += "error" in line
        print_json(line)
    if unreadable:
        sys.exit(UNREADABLE_FILE)
