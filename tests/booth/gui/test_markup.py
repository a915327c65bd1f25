"""Permit data is text, never markup: a name holding HTML can neither pass nor paint a green panel."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from gui_helpers import OFFICER, OFFICER_PIN
from test_main_window import TIMEOUT, case, log_in, scan

from booth.demo import DemoBooth
from booth.gui.qt import QLabel, Qt
from booth.gui.text_label import as_rich_text
from booth.gui.verdict_icon import STOP
from booth.reasons import Reason
from sync.protocol import cbor, cose
from sync.protocol.base45 import b45encode
from sync.protocol.keys import kid_of, load_private
from sync.protocol.permit import BODY_CLAIM, PREFIX, decode

# what the attack permit carried: a green "PASS" table that Qt would draw if it guessed rich text
MARKUP = (
    '<table width="600" bgcolor="#188038"><tr><td><font size="7" color="white">✔ PASS</font></td></tr>'
    '<tr><td><font color="white">Valid permit</font></td></tr></table>'
)


def signed_by_a_real_office(demo: DemoBooth, text: str, **body: object) -> str:
    """``text``'s permit re-signed with its own office's real key after ``body`` changes (an insider's forgery)."""
    import zlib

    permit = decode(text).permit
    key = load_private(demo.data.hq_dir / "keys" / "issuers" / f"{permit.issuer}.pem")
    claims = permit.claims()
    claims[BODY_CLAIM] = {**claims[BODY_CLAIM], **body}
    return PREFIX + b45encode(zlib.compress(cose.sign(cbor.dumps_cbor(claims), key, kid_of(key))))


def test_a_signed_permit_whose_name_is_markup_is_stopped_as_bad_format(qtbot, window, demo) -> None:
    log_in(qtbot, window, OFFICER, OFFICER_PIN)
    qtbot.waitUntil(lambda: window.session is not None, timeout=TIMEOUT)
    scan(qtbot, window, signed_by_a_real_office(demo, case(demo, "valid").text, nn=MARKUP))
    assert window.verdict.kind == STOP
    assert window.last_outcome.verdict.reasons == (Reason.BAD_FORMAT,)
    assert window.last_outcome.record.verdict == "rejected"  # recorded, not lost


def test_every_label_draws_plain_text_and_the_markup_shows_as_written(qtbot, window, demo, tmp_path) -> None:
    """Defence in depth: even a permit that got past the codec (an older booth's ledger, a future
    bug) is drawn as literal text under the real STOP."""
    log_in(qtbot, window, OFFICER, OFFICER_PIN)
    qtbot.waitUntil(lambda: window.session is not None, timeout=TIMEOUT)
    scan(qtbot, window, case(demo, "revoked").text)
    outcome = window.last_outcome
    hostile = dataclasses.replace(outcome.verdict.permit, native_name=MARKUP, family_name="<b>SOK</b>")
    verdict = dataclasses.replace(outcome.verdict, permit=hostile)
    window.verdict.show_outcome(dataclasses.replace(outcome, verdict=verdict))
    qtbot.wait(100)
    assert window.verdict.kind == STOP
    labels = window.findChildren(QLabel)
    assert labels and all(label.textFormat() == Qt.PlainText for label in labels)
    assert window.verdict.native.text() == MARKUP
    assert window.verdict.name.text().startswith("<b>SOK</b>")
    # the panel's background stays the STOP red: sample the pixels right of the native name
    image = window.grab().toImage()
    native = window.verdict.native
    corner = native.mapTo(window, native.rect().topLeft())
    greens = sum(
        1
        for x in range(corner.x(), min(corner.x() + 600, image.width()), 7)
        for y in range(corner.y(), corner.y() + native.height(), 3)
        if image.pixelColor(x, y).green() > 110 and image.pixelColor(x, y).red() < 60
    )
    assert greens == 0
    out = Path(os.environ.get("BOOTH_SCREENSHOTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(out / "attack-markup-name.png"))


@pytest.mark.parametrize("text", [MARKUP, "<b>x</b> & <i>y</i>\nz", "a &amp; b", "<script>x</script>", "សុខ <ថា>"])
def test_message_boxes_and_tool_tips_show_the_text_as_written(qapp, text: str) -> None:
    """Qt draws tool tips and message boxes as rich text when it guesses so: ``as_rich_text`` makes
    what is drawn exactly the text."""
    from PySide6.QtGui import QTextDocument

    document = QTextDocument()
    document.setHtml(as_rich_text(text))
    assert document.toPlainText() == text
