"""Enrolment by USB stick, for a booth with no network at all (docs/formats.md §8).

``write_request`` puts the booth's signed request on the stick (``booth-<ID>/enrol-request.cose``:
booth id, its public key, the one-time token). ``booth-hq import`` enrols it through the same
store path as ``POST /v1/enrol`` and writes HQ's answer, signed by the root, beside it (with the
trust bundle at the stick's top). ``finish`` reads that answer, checks its root against the
fingerprint the operator types (``--pin``: there is no trust on first use), checks that it is for
this booth, its key and its checkpoint, pins the root, installs the bundle and records the
enrolment, exactly as over the network. Every file from the stick is read capped, never through
a link.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from pathlib import Path

from booth.errors import ConfigError, TrustError
from booth.service import Booth
from booth.trust import fingerprints_match
from sync.client.errors import EnrolRefused
from sync.client.proof import write_pin
from sync.client.usb import booth_folder
from sync.protocol.bundle import MAX_BUNDLE_BYTES
from sync.protocol.enrolment import MAX_ANSWER_BYTES, EnrolAnswer, EnrolRequest, open_answer, sign_request
from sync.protocol.errors import WireError
from sync.protocol.files import atomic_write, read_capped, sync_folder
from sync.protocol.keys import fingerprint, raw_public

REQUEST_FILE = "enrol-request.cose"  # sync.hq.usb reads it
ANSWER_FILE = "enrol-answer.cose"  # sync.hq.usb writes it
BUNDLE_FILE = "trust.bundle"


@dataclass(frozen=True)
class UsbEnrolment:
    booth_id: str
    checkpoint: str
    root_fingerprint: str
    hq_time: int
    bundle_version: int | None  # the bundle installed from the stick, if it had one
    problems: tuple[str, ...] = ()  # files on the stick refused (the enrolment stands)


def write_request(booth: Booth, folder: Path, token: str) -> Path:
    """Write this booth's signed enrolment request to the stick; return its path."""
    mine = _booth_dir(folder, booth, create=True)
    key = booth.signing_key()
    request = EnrolRequest(booth.ledger.booth_id, raw_public(key), token.strip(), booth.clock.now())
    path = mine / REQUEST_FILE
    atomic_write(path, sign_request(request, key))
    (mine / ANSWER_FILE).unlink(missing_ok=True)  # an answer to an earlier request is not this one's
    return path


def finish(booth: Booth, folder: Path, pin: str) -> UsbEnrolment:
    """Take HQ's answer from the stick: check it against ``pin``, pin the root, install the bundle."""
    mine = _booth_dir(folder, booth, create=False)
    answer = _read_answer(booth, mine / ANSWER_FILE, pin)
    root_fp = fingerprint(answer.root_public_key)
    version, problems = _install(booth, folder, answer, root_fp)
    booth.audit("enrol", note=f"enrolled by USB stick; HQ root {root_fp}; checkpoint {answer.checkpoint}")
    (mine / REQUEST_FILE).unlink(missing_ok=True)  # spent: it holds the token
    sync_folder(mine)
    return UsbEnrolment(answer.booth_id, answer.checkpoint, root_fp, answer.hq_time, version, tuple(problems))


def _booth_dir(folder: Path, booth: Booth, *, create: bool) -> Path:
    if not folder.is_dir():
        raise ConfigError(f"{folder} is not a folder (is the stick mounted?)")
    mine = booth_folder(folder, booth.ledger.booth_id)
    if mine.is_symlink() or (mine.exists() and not mine.is_dir()):
        raise ConfigError(f"{mine} on the stick is not a plain folder; refusing to use it")
    if create:
        mine.mkdir(exist_ok=True)
    elif not mine.exists():
        raise EnrolRefused(f"no {mine.name} folder on the stick: write the request first (booth enrol --usb --token)")
    return mine


def _read_answer(booth: Booth, path: Path, pin: str) -> EnrolAnswer:
    """HQ's answer, signed by the root ``pin`` names (and this booth pinned, if any), for this booth and key."""
    if not (path.exists() or path.is_symlink()):
        raise EnrolRefused(
            f"no answer from HQ on the stick ({path.name}): has HQ imported the stick (booth-hq import)?"
        )
    pinned = booth.trust.pinned_root()

    def trust(root: bytes) -> None:
        if not fingerprints_match(pin, fingerprint(root)):
            raise EnrolRefused(f"the answer is signed by root {fingerprint(root)}, not the --pin root: refused")
        if pinned is not None and not hmac.compare_digest(root, pinned):
            raise EnrolRefused("this booth already pinned another HQ root: refused")

    try:
        answer = open_answer(read_capped(path, MAX_ANSWER_BYTES), trust=trust, now=booth.clock.now())
    except WireError as exc:
        raise EnrolRefused(f"HQ's answer on the stick is refused: {exc}") from None
    _check_for_me(booth, answer)
    return answer


def _check_for_me(booth: Booth, answer: EnrolAnswer) -> None:
    own_key = raw_public(booth.signing_key())
    if answer.booth_id != booth.ledger.booth_id:
        raise EnrolRefused(f"the answer on the stick is for booth {answer.booth_id!r}, not {booth.ledger.booth_id!r}")
    if not hmac.compare_digest(answer.booth_public_key, own_key):
        raise EnrolRefused("the answer on the stick enrolled another key than this booth's: refused")
    if answer.checkpoint != booth.settings.checkpoint:
        raise EnrolRefused(
            f"HQ enrolled this booth for checkpoint {answer.checkpoint}, but it is set up for "
            f"{booth.settings.checkpoint}"
        )


def _install(booth: Booth, folder: Path, answer: EnrolAnswer, root_fp: str) -> tuple[int | None, list[str]]:
    """Install the stick's bundle under the new pin, or pin the root alone if there is none good."""
    problems: list[str] = []
    path = folder / BUNDLE_FILE
    if path.exists() or path.is_symlink():
        try:
            booth.install_bundle(read_capped(path, MAX_BUNDLE_BYTES), pin=root_fp)
            return booth.trust.require().version, problems
        except (TrustError, WireError, OSError) as exc:
            problems.append(f"{BUNDLE_FILE}: {exc}")
    if booth.trust.pinned_root() is None:
        write_pin(booth, answer.root_public_key)
    return None, problems
