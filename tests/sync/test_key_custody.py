"""Key custody (#17): an offline root split among custodians, online signers it certifies, and
what booths make of them. The root's word (issuers, revoked signers) travels in the root
statement; bundles and receipts are signed by a short-lived online signer."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import HOLDER, NOW, pycose_verified
from hypothesis import given, settings
from hypothesis import strategies as st
from test_token import softhsm, uri  # noqa: F401 (softhsm: a fixture)

from booth import token
from booth.cli import main as booth_main
from booth.errors import TrustError
from booth.trust import accept_bundle
from sync.hq import custody
from sync.hq.cli import main as hq_main
from sync.hq.custody import RootFolder
from sync.hq.facade import HQ
from sync.protocol import keys
from sync.protocol.batch import Receipt, open_receipt, sign_receipt
from sync.protocol.bundle import TrustBundle, open_bundle, sign_bundle, sign_certified_bundle
from sync.protocol.errors import BatchRefused, DocumentRefused
from sync.protocol.issuer import IssuerKey
from sync.protocol.signer_cert import SignerCert, sign_signer_cert
from sync.protocol.statement import RootStatement, sign_statement
from sync.protocol.times import DAY

CUSTODIANS = {"ana": "ana-passphrase-1", "sok": "sok-passphrase-2", "dara": "dara-passphrase-3"}


def run(cli, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(custody, "SCRYPT_N", 2**10)


@pytest.fixture
def passfiles(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, secret in CUSTODIANS.items():
        out[name] = tmp_path / f"{name}.pass"
        out[name].write_text(secret + "\n")
    return out


def custodian_args(passfiles: dict[str, Path], *names: str) -> list[str]:
    return [arg for n in names for arg in ("--custodian", f"{n}={passfiles[n]}")]


# -- protocol: what a booth accepts


class Root:
    """A root, its online signer and statements, made in memory (what a ceremony makes)."""

    def __init__(self) -> None:
        self.key = keys.generate()
        self.raw = keys.raw_public(self.key)
        self.office = keys.generate()
        self.issuer = IssuerKey(
            keys.kid_of(self.office), keys.raw_public(self.office), "KH-BTB-01", "KH", NOW - DAY, None, ()
        )

    def cert(self, signer, *, days: int = 90, start: int = NOW - DAY, purposes=("bundle", "receipt")) -> bytes:
        cert = SignerCert(self.raw, keys.raw_public(signer), tuple(purposes), start, start + days * DAY)
        return sign_signer_cert(cert, self.key)

    def statement(self, serial: int = 1, **changes) -> bytes:
        fields = {"issuers": (self.issuer,), **changes}
        return sign_statement(RootStatement(self.raw, serial, NOW, **fields), self.key)

    def bundle(self, signer, cert: bytes, statement: bytes, version: int = 1, at: int = NOW, **changes) -> bytes:
        bundle = TrustBundle(version, at, at + 30 * DAY, at, 7 * DAY, self.raw, **changes)
        return sign_certified_bundle(bundle, signer, cert, statement)


def pin(root: Root) -> str:
    return keys.fingerprint(root.raw)


def test_a_certified_bundle_carries_the_roots_issuers() -> None:
    root, signer = Root(), keys.generate()
    data = root.bundle(signer, root.cert(signer), root.statement())
    bundle = accept_bundle(data, pinned_root=None, current=None, pin=pin(root), now=NOW)
    assert bundle.issuers == (root.issuer,) and bundle.statement.serial == 1 and bundle.format == 4
    assert bundle.signer.kid == keys.kid_of(signer)


def test_a_bundle_by_an_expired_online_signer_is_refused() -> None:
    root, signer = Root(), keys.generate()
    data = root.bundle(signer, root.cert(signer, days=30, start=NOW - 40 * DAY), root.statement(), at=NOW - 25 * DAY)
    with pytest.raises(TrustError, match="expired"):
        accept_bundle(data, pinned_root=root.raw, current=None, now=NOW)
    # the same bundle was fine while the certificate ran
    assert accept_bundle(data, pinned_root=root.raw, current=None, now=NOW - 20 * DAY).version == 1


def test_a_revoked_online_signer_is_refused_once_the_root_statement_arrives() -> None:
    root, stolen, fresh = Root(), keys.generate(), keys.generate()
    first = accept_bundle(
        root.bundle(stolen, root.cert(stolen), root.statement(1)), pinned_root=root.raw, current=None, now=NOW
    )
    # the thief's bundle is accepted by a booth that has not yet heard of the revocation ...
    forged = root.bundle(stolen, root.cert(stolen), root.statement(1), version=5)
    assert accept_bundle(forged, pinned_root=root.raw, current=first, now=NOW).version == 5
    # ... the root revokes it in statement 2, which the new signer's bundle carries
    revoking = root.statement(2, revoked_signers=(keys.kid_of(stolen),))
    second = accept_bundle(
        root.bundle(fresh, root.cert(fresh), revoking, version=2), pinned_root=root.raw, current=first, now=NOW
    )
    assert second.statement.serial == 2
    for statement in (root.statement(1), revoking):  # the old statement is a rollback; the new one revokes it
        forged = root.bundle(stolen, root.cert(stolen), statement, version=9)
        with pytest.raises(TrustError, match="rollback|revoked"):
            accept_bundle(forged, pinned_root=root.raw, current=second, now=NOW)
    # and its receipts too
    receipt = sign_receipt(Receipt("PHD-01", 3, "ab" * 32, NOW), stolen, root.cert(stolen))
    with pytest.raises(BatchRefused, match="revoked"):
        open_receipt(receipt, trust=lambda r: None, rules=second.statement.signer_rules(), now=NOW)
    good = sign_receipt(Receipt("PHD-01", 3, "ab" * 32, NOW), fresh, root.cert(fresh))
    assert open_receipt(good, trust=lambda r: None, rules=second.statement.signer_rules(), now=NOW).acked_seq == 3


def test_an_online_signer_cannot_add_an_issuer() -> None:
    """A stolen online key signs a bundle listing the thief's office: booths never see it."""
    root, signer, thief = Root(), keys.generate(), keys.generate()
    theirs = IssuerKey(keys.kid_of(thief), keys.raw_public(thief), "KH-FAKE-01", "KH", NOW - DAY, None, ())
    data = root.bundle(signer, root.cert(signer), root.statement(), issuers=(theirs,))
    bundle = accept_bundle(data, pinned_root=root.raw, current=None, now=NOW)
    assert bundle.issuer(theirs.kid) is None and bundle.issuer(root.issuer.kid) == root.issuer
    # it may only mark a certified issuer compromised
    marked = root.bundle(
        signer, root.cert(signer), root.statement(), issuers=(replace(root.issuer, compromised_at=NOW),)
    )
    assert (
        accept_bundle(marked, pinned_root=root.raw, current=None, now=NOW).issuer(root.issuer.kid).compromised_at == NOW
    )


@pytest.mark.parametrize(
    "case, match",
    [
        ("other_root", "does not trust"),
        ("receipt_only", "not certified to sign a bundle"),
        ("too_long", "more than"),
        ("statement_of_another_root", "another root"),
        ("signed_by_another_key", "not the certified signer"),
        ("statement_outlaws_the_length", "more than the 30 allowed"),
    ],
)
def test_hostile_certified_bundles_are_refused(case: str, match: str) -> None:
    root, other, signer = Root(), Root(), keys.generate()
    cert, statement, key = root.cert(signer), root.statement(), signer
    if case == "other_root":
        cert, statement = other.cert(signer), other.statement()
    elif case == "receipt_only":
        cert = root.cert(signer, purposes=("receipt",))
    elif case == "too_long":
        with pytest.raises(DocumentRefused, match=match):
            root.cert(signer, days=400)
        return
    elif case == "statement_of_another_root":
        statement = other.statement()
    elif case == "statement_outlaws_the_length":
        statement = root.statement(max_signer_days=30)
    if case == "signed_by_another_key":
        bundle = TrustBundle(1, NOW, NOW + DAY, NOW, DAY, root.raw)
        with pytest.raises(DocumentRefused, match="not the one its certificate names"):
            sign_certified_bundle(bundle, keys.generate(), cert, statement)
        # hand-made: the certificate of one key over the signature of another
        from sync.protocol import cbor, cose
        from sync.protocol.bundle import CONTENT_TYPE, _to_cbor
        from sync.protocol.signer_cert import HDR_SIGNER_CERT

        payload = {**_to_cbor(bundle), "root_statement": statement, "compromised": []}
        del payload["issuers"], payload["next_root_public_key"]
        data = cose.sign(
            cbor.dumps_cbor(payload),
            keys.generate(),
            keys.kid_of(signer),
            content_type=CONTENT_TYPE,
            extra={HDR_SIGNER_CERT: cert},
        )
        with pytest.raises(TrustError, match="forged|signature"):
            accept_bundle(data, pinned_root=root.raw, current=None, now=NOW)
        data = cose.sign(
            cbor.dumps_cbor(payload),
            keys.generate(),
            b"12345678",
            content_type=CONTENT_TYPE,
            extra={HDR_SIGNER_CERT: cert},
        )
    elif case == "statement_of_another_root":
        bundle = TrustBundle(1, NOW, NOW + DAY, NOW, DAY, root.raw)
        with pytest.raises(DocumentRefused, match="not by this bundle's root"):
            sign_certified_bundle(bundle, key, cert, statement)
        return
    else:
        data = (other if case == "other_root" else root).bundle(key, cert, statement)
    with pytest.raises(TrustError, match=match):
        accept_bundle(data, pinned_root=root.raw, current=None, now=NOW)


def test_a_root_signed_bundle_after_a_certified_one_is_a_rollback() -> None:
    root, signer = Root(), keys.generate()
    current = accept_bundle(
        root.bundle(signer, root.cert(signer), root.statement()), pinned_root=root.raw, current=None, now=NOW
    )
    old_style = sign_bundle(TrustBundle(7, NOW, NOW + DAY, NOW, DAY, root.raw, format=3), root.key)
    with pytest.raises(TrustError, match="older than the installed format-4"):
        accept_bundle(old_style, pinned_root=root.raw, current=current, now=NOW)


def test_a_receipt_signed_by_the_root_itself_is_refused() -> None:
    """Format 1 receipts (the root signing them) are gone: a booth says to update HQ, it does not guess."""
    from sync.protocol import cbor, cose
    from sync.protocol.batch import RECEIPT_TYPE

    root = Root()
    old = cose.sign(
        cbor.dumps_cbor({"v": 1, "booth": "PHD-01", "acked": 1, "head": b"\0" * 32, "at": NOW}),
        root.key,
        keys.kid_of(root.key),
        content_type=RECEIPT_TYPE,
    )
    with pytest.raises(BatchRefused, match="no online signer certificate"):
        open_receipt(old, trust=lambda r: None, now=NOW)


# -- HQ: the offline root, the ceremony, serving without the root


def offline_hq(tmp_path: Path, passfiles: dict[str, Path]) -> tuple[Path, Path, str]:
    data, root_dir = tmp_path / "hq", tmp_path / "root-stick"
    code, out, err = run(
        hq_main,
        "--data-dir",
        data,
        "init",
        "--no-passphrase",
        "--offline-root",
        root_dir,
        *custodian_args(passfiles, *CUSTODIANS),
    )
    assert code == 0, err
    assert "holds no root private key" in out
    fp = re.search(r"Root fingerprint: ([0-9A-F ]+)", out).group(1)
    return data, root_dir, fp


def hold_ceremony(
    data: Path, root_dir: Path, passfiles: dict[str, Path], custodians: tuple[str, ...], *asked: object
) -> tuple[str, str]:
    """``ceremony request`` (with ``asked``), ``sign`` by ``custodians``, ``install``, each of which
    must succeed; what the request and the install printed."""
    request, answer = data.parent / "request.json", data.parent / "answer.json"
    for path in (request, answer):
        path.unlink(missing_ok=True)
    code, asked_out, err = run(hq_main, "--data-dir", data, "ceremony", "request", request, *asked)
    assert code == 0, err
    code, _, err = run(
        hq_main, "ceremony", "sign", request, answer, "--root-dir", root_dir, *custodian_args(passfiles, *custodians)
    )
    assert code == 0, err
    code, installed_out, err = run(hq_main, "--data-dir", data, "ceremony", "install", answer)
    assert code == 0, err
    return asked_out, installed_out


def no_root_secret_in(folder: Path, root_dir: Path, passfiles: dict[str, Path]) -> None:
    """The root's private key is in no file of ``folder``, in any of its forms."""
    secret = RootFolder(root_dir).unlock({n: CUSTODIANS[n].encode() for n in ("ana", "sok")})
    from cryptography.hazmat.primitives import serialization

    raw = secret.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    pem = secret.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert raw not in data and raw.hex().encode() not in data and pem not in data, path
    assert not (folder / "keys" / "root.pem").exists()


def test_ceremony_round_trip_with_two_of_three_custodians(tmp_path: Path, passfiles, fast_scrypt) -> None:
    data, root_dir, fp = offline_hq(tmp_path, passfiles)
    hq = ["--data-dir", data]
    assert run(hq_main, *hq, "checkpoint", "add", "KH-PHD", "--name-en", "Phnom Dei", "--country", "KH")[0] == 0
    assert run(hq_main, *hq, "issuer", "add", "KH-BTB-01")[0] == 0
    code, out, err = run(hq_main, *hq, "root", "show")
    shown = json.loads(out)
    assert shown["root_kept"] == "offline" and shown["fingerprint"] == fp and shown["statement_serial"] == 1
    assert [line.split(" key ")[0] for line in shown["awaiting_the_root"]] == ["issuer KH-BTB-01"]
    code, _, err = run(hq_main, *hq, "root", "rotate")
    assert code == 3 and "offline" in err and err.count("\n") == 1

    request, answer = tmp_path / "request.json", tmp_path / "answer.json"
    code, out, err = run(hq_main, *hq, "ceremony", "request", request, "--days", "60")
    assert code == 0, err
    assert "issuer KH-BTB-01" in out and "60 days" in out
    # one custodian is not enough; a wrong passphrase is one line
    code, _, err = run(
        hq_main, "ceremony", "sign", request, answer, "--root-dir", root_dir, *custodian_args(passfiles, "ana")
    )
    assert code == 3 and "needs 2" in err and not answer.exists()
    passfiles["sok"].write_text("not-sok-at-all-passphrase\n")
    code, _, err = run(
        hq_main, "ceremony", "sign", request, answer, "--root-dir", root_dir, *custodian_args(passfiles, "ana", "sok")
    )
    assert code == 3 and "wrong passphrase" in err and err.count("\n") == 1 and not answer.exists()
    code, out, err = run(
        hq_main, "ceremony", "sign", request, answer, "--root-dir", root_dir, *custodian_args(passfiles, "ana", "dara")
    )
    assert code == 0, err
    code, out, err = run(hq_main, *hq, "ceremony", "install", answer)
    assert code == 0, err
    assert "root statement 2 installed (1 issuer key(s))" in out and "in use" in out
    shown = json.loads(run(hq_main, *hq, "root", "show")[1])
    assert shown["statement_serial"] == 2 and shown["online_signer"]["purposes"] == ["bundle", "receipt", "enrolment"]
    assert shown["awaiting_the_root"] == []
    # an answer installed twice is refused (an older statement than the one held is too)
    code, _, err = run(hq_main, *hq, "ceremony", "install", answer)
    assert code == 3 and err.count("\n") == 1
    no_root_secret_in(data, root_dir, passfiles)


def test_an_answer_from_another_root_is_refused(tmp_path: Path, passfiles, fast_scrypt) -> None:
    data, root_dir, _ = offline_hq(tmp_path, passfiles)
    other = HQ(tmp_path / "other")
    other.init(now=NOW)
    request, answer = tmp_path / "request.json", tmp_path / "answer.json"
    assert run(hq_main, "--data-dir", data, "ceremony", "request", request)[0] == 0
    from sync.hq import ceremony

    req = ceremony.read_request(request)
    with pytest.raises(ceremony.CeremonyError, match="another root"):
        ceremony.sign(req, other.root_key(), now=NOW)
    forged = ceremony.sign(replace(req, root_public_key=other.signers.root_public()), other.root_key(), now=NOW)
    ceremony.write_answer(forged, answer)
    code, _, err = run(hq_main, "--data-dir", data, "ceremony", "install", answer)
    assert code == 3 and "another root" in err


def test_a_booth_enrols_and_syncs_with_an_hq_that_holds_no_root_private_key(
    tmp_path: Path, passfiles, fast_scrypt
) -> None:
    from test_client_support import BOOTH_ID, CHECKPOINT, assert_hq_has_everything, make_world, officer_session

    from sync.client import SyncClient
    from sync.hq.holder_file import holder_from_json
    from sync.protocol.bundle import Checkpoint

    data, root_dir, fp = offline_hq(tmp_path, passfiles)
    hq = HQ(data)
    hq.add_checkpoint(Checkpoint(CHECKPOINT, "KH", "Phnom Dei"))
    hq.add_checkpoint(Checkpoint("KH-STB", "KH", "Stung But"))
    hq.add_issuer("KH-BTB-01", not_before=NOW - 365 * DAY)
    hold_ceremony(data, root_dir, passfiles, ("sok", "dara"), "--no-new-signer")
    world = make_world(tmp_path, hq)
    try:
        client = SyncClient(world.booth, world.url)
        assert client.enrol(world.token, pin=fp).pinned
        session = officer_session(world.booth)
        text = hq.issue(holder_from_json(HOLDER), office="KH-BTB-01", valid_days=365, now=NOW - DAY).text
        world.clock.advance(60)
        verdict = world.booth.scan(session, text, direction="entry", channel="camera").to_json()
        assert (verdict["verdict"], verdict["reasons"]) == ("valid", [])
        result = client.session()
        assert result.error is None, result.error
        client.close()
        assert_hq_has_everything(hq, world.booth)
        installed = world.booth.trust.require()
        assert installed.format == 4 and installed.signer.root_public_key == hq.signers.root_public()
        assert installed.statement.serial == 2 and installed.issuer(installed.issuers[0].kid).office == "KH-BTB-01"
        assert BOOTH_ID in {b.booth_id for b in installed.booths}
    finally:
        world.stop()
        world.booth.close()
    no_root_secret_in(data, root_dir, passfiles)


def test_root_and_online_signer_in_tokens(softhsm: Path, tmp_path: Path) -> None:  # noqa: F811
    """The root and the online signer made in a SoftHSM2 token: HQ's folder holds neither."""
    data, booth = tmp_path / "hq", tmp_path / "booth"
    hq = ["--data-dir", data]
    code, out, err = run(hq_main, *hq, "init", "--no-passphrase", "--root-token", uri(softhsm, "hq-root"))
    assert code == 0, err
    fp = re.search(r"Root fingerprint: ([0-9A-F ]+)", out).group(1)
    assert fp == keys.fingerprint(token.public_key(uri(softhsm, "hq-root")))
    for code_, name in (("KH-PHD", "Phnom Dei"), ("KH-STB", "Stung But")):
        assert run(hq_main, *hq, "checkpoint", "add", code_, "--name-en", name, "--country", "KH")[0] == 0
    assert run(hq_main, *hq, "issuer", "add", "KH-BTB-01")[0] == 0
    request, answer = tmp_path / "request.json", tmp_path / "answer.json"
    code, out, err = run(hq_main, *hq, "ceremony", "request", request, "--signer-token", uri(softhsm, "hq-online"))
    assert code == 0, err
    code, out, err = run(hq_main, "ceremony", "sign", request, answer, "--root-token", uri(softhsm, "hq-root"))
    assert code == 0, err
    assert run(hq_main, *hq, "ceremony", "install", answer)[0] == 0
    assert (data / "keys" / "signer.uri").exists() and not (data / "keys" / "signer.pem").exists()
    assert not (data / "keys" / "root.pem").exists()
    holder = tmp_path / "holder.json"
    holder.write_text(json.dumps(HOLDER, ensure_ascii=False), encoding="utf-8")
    code, out, err = run(
        hq_main,
        *hq,
        "permit",
        "issue",
        "--issuer",
        "KH-BTB-01",
        "--holder",
        holder,
        "--valid-days",
        "30",
        "--out",
        tmp_path,
    )
    assert code == 0, err
    text = out.strip()
    bundle = tmp_path / "b.bundle"
    assert run(hq_main, *hq, "bundle", "build", "--out", bundle)[0] == 0
    code, out, err = run(booth_main, "--data-dir", booth, "bundle", "install", bundle, "--pin", fp)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["format"] == 4 and summary["root_statement"] == 2
    assert summary["signed_by"]["online_signer"] == keys.kid_of(token.public_key(uri(softhsm, "hq-online"))).hex()
    code, out, _ = run(booth_main, "--data-dir", booth, "verify", "--checkpoint", "KH-PHD", text)
    assert (code, json.loads(out)["verdict"]) == (0, "valid")
    installed = open_bundle(bundle.read_bytes())
    assert installed.signer.public_key == token.public_key(uri(softhsm, "hq-online"))
    # pycose (not Booth's COSE code) agrees: the bundle by the token's online key, its
    # certificate (in the protected header) by the token's root
    pycose_verified(bundle.read_bytes(), token.public_key(uri(softhsm, "hq-online")))
    from sync.protocol import cose
    from sync.protocol.signer_cert import HDR_SIGNER_CERT

    cert = cose.parse_envelope(bundle.read_bytes()).headers[HDR_SIGNER_CERT]
    pycose_verified(cert, token.public_key(uri(softhsm, "hq-root")))


def test_a_stolen_online_signer_revoked_here_is_refused_by_a_booth_after_the_next_bundle(
    hq: HQ, tmp_path: Path
) -> None:
    """Small site (root kept here): `ceremony here --revoke-current`; the thief's later bundles and
    receipts are refused once the booth installed HQ's next bundle."""
    from booth.trust import TrustStore

    stolen = hq.signers.current()
    store = TrustStore(tmp_path / "booth")
    store.install(hq.build_bundle(now=NOW)[1], pin=hq.root_fingerprint(), now=NOW)
    code, out, err = run(hq_main, "--data-dir", hq.paths.root, "ceremony", "here", "--revoke-current")
    assert code == 0, err
    assert "in use" in out
    fresh = hq.signers.current()
    assert fresh.cert.kid != stolen.cert.kid
    statement = hq.signers.statement()
    assert stolen.cert.kid in statement.revoked_signers
    store.install(hq.build_bundle(now=NOW + 60)[1], now=NOW + 60)
    held = store.require()
    forged = sign_certified_bundle(
        replace(held, version=held.version + 10), stolen.key, stolen.cert_data, hq.signers.statement_data()
    )
    with pytest.raises(TrustError, match="revoked"):
        store.install(forged, now=NOW + 120)
    receipt = sign_receipt(Receipt("PHD-01", 1, "ab" * 32, NOW), stolen.key, stolen.cert_data)
    with pytest.raises(BatchRefused, match="revoked"):
        open_receipt(receipt, trust=lambda r: None, rules=held.statement.signer_rules(), now=NOW)
    assert store.require().version == held.version  # the installed bundle kept


def test_a_far_ahead_bundle_by_a_signer_later_revoked_does_not_lock_the_booth(hq: HQ, tmp_path: Path) -> None:
    """A thief signs version 10**9 before the theft is found; once the root revokes the signer,
    HQ's next bundle (newer root statement, small version) is installed over it, by the network
    answer too, and the thief's is refused from then on."""
    from test_client_support import make_world

    stolen = hq.signers.current()
    world = make_world(tmp_path, hq)  # a served HQ, a booth enrolled through it
    try:
        from sync.client import SyncClient

        client = SyncClient(world.booth, world.url)
        client.enrol(world.token, pin=hq.root_fingerprint())
        booth = world.booth
        held = booth.trust.require()
        far = sign_certified_bundle(
            replace(held, version=10**9), stolen.key, stolen.cert_data, hq.signers.statement_data()
        )
        booth.install_bundle(far)
        assert booth.bundle().version == 10**9
        assert run(hq_main, "--data-dir", hq.paths.root, "ceremony", "here", "--revoke-current")[0] == 0
        hq.build_bundle(now=NOW)
        pulled = client.pull_bundle()  # version below 10**9, but a newer root statement: sent, and taken
        assert pulled is not None and pulled.version < 10**9 and pulled.statement.serial == held.statement.serial + 1
        assert booth.bundle().version == pulled.version  # the ledger counts from the reset, no "file replaced"
        assert [r.action for r in booth.ledger.records()][-1] == "bundle_reset"
        with pytest.raises(TrustError, match="revoked"):
            booth.install_bundle(far)
        again = sign_certified_bundle(
            replace(held, version=10**9 + 1), stolen.key, stolen.cert_data, hq.signers.statement_data()
        )
        with pytest.raises(TrustError, match="revoked"):
            booth.install_bundle(again)
        hq.revoke(permit_no="KH-BTB-2026-000009", reason="stolen", at=NOW)
        hq.build_bundle(now=NOW)
        assert client.pull_bundle().version == pulled.version + 1  # and then on as usual
        client.close()
    finally:
        world.stop()
        world.booth.close()


def test_a_certified_bundle_cannot_outlive_its_signer_by_more_than_the_cap() -> None:
    root, signer = Root(), keys.generate()
    cert, statement = root.cert(signer, days=30), root.statement()
    long_lived = TrustBundle(1, NOW, NOW + 91 * DAY, NOW, DAY, root.raw)
    with pytest.raises(DocumentRefused, match="more than 90 days"):
        open_bundle(sign_certified_bundle(long_lived, signer, cert, statement))
    after = TrustBundle(1, NOW + 40 * DAY, NOW + 50 * DAY, NOW, DAY, root.raw)  # issued after the cert ended
    with pytest.raises(DocumentRefused, match="after its online signer's certificate ended"):
        open_bundle(sign_certified_bundle(after, signer, cert, statement))


def test_resplit_gives_the_same_root_to_new_custodians(tmp_path: Path, passfiles, fast_scrypt) -> None:
    data, root_dir, fp = offline_hq(tmp_path, passfiles)
    vy = tmp_path / "vy.pass"
    vy.write_text("vy-passphrase-4444\n")
    new_dir = tmp_path / "root-new"
    code, out, err = run(
        hq_main, "ceremony", "resplit", "--root-dir", root_dir, *custodian_args(passfiles, "ana", "sok"),
        "--to", new_dir, "--new-custodian", f"ana={passfiles['ana']}", "--new-custodian", f"vy={vy}",
    )  # fmt: skip
    assert code == 0, err
    assert fp in out and "destroy" in out
    new = RootFolder(new_dir)
    assert keys.fingerprint(new.public_key()) == fp and [s.custodian for s in new.shares()] == ["ana", "vy"]
    rebuilt = new.unlock({"ana": CUSTODIANS["ana"].encode(), "vy": b"vy-passphrase-4444"})
    assert keys.fingerprint(rebuilt) == fp
    with pytest.raises(custody.CustodyError):
        new.unlock({"ana": CUSTODIANS["ana"].encode(), "sok": CUSTODIANS["sok"].encode()})  # sok left
    # into a folder that holds a root already: refused, nothing written
    code, _, err = run(
        hq_main, "ceremony", "resplit", "--root-dir", root_dir, *custodian_args(passfiles, "ana", "sok"),
        "--to", new_dir, "--new-custodian", f"ana={passfiles['ana']}", "--new-custodian", f"vy={vy}",
    )  # fmt: skip
    assert code == 3 and "already holds a root" in err


def test_an_offline_root_rotates_and_booths_follow(tmp_path: Path, passfiles, fast_scrypt) -> None:
    from booth.trust import TrustStore
    from sync.protocol.bundle import Checkpoint

    data, root_dir, old_fp = offline_hq(tmp_path, passfiles)
    hq = HQ(data)
    hq.add_checkpoint(Checkpoint("KH-PHD", "KH", "Phnom Dei"))
    booth, stranger = TrustStore(tmp_path / "booth"), TrustStore(tmp_path / "stranger")
    first = hq.build_bundle(now=NOW)[1]
    booth.install(first, pin=old_fp, now=NOW)
    stranger.install(first, pin=old_fp, now=NOW)  # it will miss the announcing bundle

    new_dir = tmp_path / "root-2"
    code, out, err = run(
        hq_main, "ceremony", "new-root", "--root-dir", new_dir, *custodian_args(passfiles, "sok", "dara")
    )
    assert code == 0, err
    new_fp = keys.fingerprint(RootFolder(new_dir).public_key())
    assert new_fp in out and new_fp != old_fp
    cli = ["--data-dir", data]
    asked, installed = hold_ceremony(
        data, root_dir, passfiles, ("ana", "sok"), "--no-new-signer", "--announce-root", new_dir / "root.pub"
    )
    assert f"announce next root {new_fp}" in asked and f"announce the next root {new_fp}" in installed
    booth.install(hq.build_bundle(now=NOW + 60)[1], now=NOW + 60)
    assert booth.require().next_root_public_key == RootFolder(new_dir).public_key()

    # the promotion: asked of the new root; the old root cannot answer it
    request, answer = tmp_path / "promote.json", tmp_path / "promote-answer.json"
    assert run(hq_main, *cli, "ceremony", "request", request, "--promote")[0] == 0
    code, _, err = run(
        hq_main, "ceremony", "sign", request, answer, "--root-dir", root_dir, *custodian_args(passfiles, "ana", "sok")
    )
    assert code == 3 and "another root" in err
    assert (
        run(
            hq_main,
            "ceremony",
            "sign",
            request,
            answer,
            "--root-dir",
            new_dir,
            *custodian_args(passfiles, "sok", "dara"),
        )[0]
        == 0
    )
    code, out, err = run(hq_main, *cli, "ceremony", "install", answer)
    assert code == 0, err
    assert f"root is now {new_fp}" in out and "root statement 1 installed" in out
    shown = json.loads(run(hq_main, *cli, "root", "show")[1])
    assert shown["fingerprint"] == new_fp and [r["fingerprint"] for r in shown["retired"]] == [old_fp]
    assert shown["next_root_fingerprint"] is None and shown["statement_serial"] == 1

    latest = hq.build_bundle(now=NOW + 120)[1]
    installed = booth.install(latest, now=NOW + 120)
    assert booth.pinned_root() == RootFolder(new_dir).public_key() and installed.statement.serial == 1
    with pytest.raises(TrustError, match="does not trust"):
        stranger.install(latest, now=NOW + 120)  # never saw the announcement: set it up again (--pin)


def test_an_hq_with_its_root_offline_recognises_the_partner_at_the_next_ceremony(
    tmp_path: Path, passfiles, fast_scrypt
) -> None:
    from sync.hq.partner import export_partner_list, import_partner_list
    from sync.protocol.bundle import Checkpoint

    data, root_dir, _ = offline_hq(tmp_path, passfiles)
    kh = HQ(data)
    th = HQ(tmp_path / "th")
    th.init(now=NOW)
    th.add_checkpoint(Checkpoint("TH-KLG", "TH", "Ban Khlong Luek"))
    th.add_issuer("TH-SKW-01", not_before=NOW - DAY)
    _, plist = export_partner_list(th, now=NOW)
    import_partner_list(kh, plist, now=NOW, pin=th.root_fingerprint())  # only our root's public half needed
    with pytest.raises(Exception, match="offline"):
        export_partner_list(kh, now=NOW)  # signing one needs the root
    assert kh.build_bundle(now=NOW)[0].issuer(th.registry.issuers()[0].kid) is None  # not until the root says so
    asked, _ = hold_ceremony(data, root_dir, passfiles, ("ana", "sok"), "--no-new-signer")
    assert "issuer TH-SKW-01 (TH)" in asked
    assert kh.build_bundle(now=NOW + 60)[0].issuer(th.registry.issuers()[0].kid).office == "TH-SKW-01"


def test_near_its_end_the_online_signer_is_renewed_by_a_root_kept_here_else_hq_says_so(
    hq: HQ, tmp_path: Path, passfiles, fast_scrypt, caplog: pytest.LogCaptureFixture
) -> None:
    first = hq.signers.current().cert
    assert hq.signers.ensure(now=first.not_after - 20 * DAY).cert == first  # not yet
    renewed = hq.signers.ensure(now=first.not_after - 10 * DAY).cert  # within 14 days: renewed here
    assert renewed.kid != first.kid and renewed.not_after == first.not_after - 10 * DAY + 90 * DAY
    assert list(hq.paths.keys.glob("retired-signer-*.cert"))

    data, _, _ = offline_hq(tmp_path / "elsewhere", passfiles)
    offline = HQ(data)
    cert = offline.signers.current().cert
    with caplog.at_level("WARNING"):
        assert offline.signers.ensure(now=cert.not_after - DAY).cert == cert  # no root here: kept, and said
        assert offline.signers.ensure(now=cert.not_after + 1).cert == cert
    assert "expires soon" in caplog.text and "has expired" in caplog.text


def test_a_permit_under_a_real_office_key_that_no_office_registered_raises_an_alert(hq: HQ, tmp_path: Path) -> None:
    """A stolen office key (or an office issuing behind HQ's back): the booth says valid, as it
    must, and HQ raises ``unregistered_permit`` once the scan reaches it; once, and only for it."""
    from conftest import make_permit
    from test_client_support import CHECKPOINT, issue, make_world, officer_session

    from sync.client import SyncClient
    from sync.protocol import permit as permit_codec

    world = make_world(tmp_path, hq)
    try:
        client = SyncClient(world.booth, world.url)
        client.enrol(world.token, pin=hq.root_fingerprint())
        office_key = keys.load_private(hq.paths.issuer_key("KH-BTB-01"))
        registered = issue(hq)
        forged = permit_codec.encode(make_permit(number="KH-BTB-2026-999999", checkpoints=(CHECKPOINT,)), office_key)
        session = officer_session(world.booth)
        for text in (registered, forged, forged):
            world.clock.advance(600)
            verdict = world.booth.scan(session, text, direction="entry", channel="camera").to_json()
            assert "bad_signature" not in verdict["reasons"] and "unknown_issuer" not in verdict["reasons"]
            world.clock.advance(600)
            world.booth.scan(session, text, direction="exit", channel="camera")
        assert client.session().error is None
        client.close()
    finally:
        world.stop()
        world.booth.close()
    for _ in range(2):  # the second run finds nothing new
        code, out, err = run(hq_main, "--data-dir", hq.paths.root, "analyse", "--at", "2026-09-21T12:00:00Z")
        assert code == 0, err
    code, out, _ = run(hq_main, "--data-dir", hq.paths.root, "alerts", "--json")
    alerts = [a for a in json.loads(out) if a["kind"] == "unregistered_permit"]
    assert len(alerts) == 1 and "KH-BTB-2026-999999" in alerts[0]["detail"]
    assert registered not in alerts[0]["detail"] and "stolen key" in alerts[0]["detail"]


GENUINE = Root()
_SIGNER = keys.generate()
GENUINE_BUNDLE = GENUINE.bundle(_SIGNER, GENUINE.cert(_SIGNER), GENUINE.statement())


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(GENUINE_BUNDLE) - 1), st.integers(1, 255))
def test_a_certified_bundle_with_any_byte_changed_is_refused_cleanly(pos: int, flip: int) -> None:
    """Every byte is covered: by the certificate's signature, the bundle's, or the statement's;
    a change anywhere is a one-line refusal (DocumentRefused), never a crash or an acceptance."""
    data = bytearray(GENUINE_BUNDLE)
    data[pos] ^= flip
    with pytest.raises(DocumentRefused):
        open_bundle(bytes(data), trust=lambda root: None, now=NOW)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_in_the_certificate_header_are_refused_cleanly(junk: bytes) -> None:
    from sync.protocol import cbor, cose
    from sync.protocol.bundle import CONTENT_TYPE
    from sync.protocol.signer_cert import HDR_SIGNER_CERT

    data = cose.sign(
        cbor.dumps_cbor({"format": 4}),
        _SIGNER,
        keys.kid_of(_SIGNER),
        content_type=CONTENT_TYPE,
        extra={HDR_SIGNER_CERT: junk},
    )
    with pytest.raises(DocumentRefused):
        open_bundle(data, trust=lambda root: None, now=NOW)


def test_a_booth_key_in_a_token_enrols_syncs_and_signs_exports(softhsm: Path, hq: HQ, tmp_path: Path) -> None:  # noqa: F811
    """``booth init --key-token``: the booth's key is made in the token (a smart card, or a TPM
    through tpm2-pkcs11; SoftHSM2 here), no key file exists, and HQ takes its batches."""
    from test_client_support import BOOTH_ID, CHECKPOINT, assert_hq_has_everything, make_world

    from booth.service import Booth
    from sync.client import SyncClient

    world = make_world(tmp_path, hq)
    data = tmp_path / "token-booth"
    key_uri = uri(softhsm, "booth-PHD-01")
    code, _, err = run(
        booth_main, "--data-dir", data, "init", "--booth-id", BOOTH_ID, "--checkpoint", CHECKPOINT,
        "--supervisor", "Chan Sophal", "--pin-stdin", "--key-token", key_uri, input="771204\n",
    )  # fmt: skip
    assert code == 0, err
    assert not (data / "keys" / "booth.pem").exists() and (data / "keys" / "booth.uri").exists()
    booth = Booth(data, clock=world.clock)
    try:
        client = SyncClient(booth, world.url)
        client.enrol(world.token, pin=hq.root_fingerprint())
        assert hq.sync_store.booth(BOOTH_ID).public_key == token.public_key(key_uri)
        session = booth.login("Chan Sophal", "771204")
        booth.scan(session, issue_text(hq), direction="entry", channel="camera")
        assert client.session().error is None
        assert_hq_has_everything(hq, booth)
        client.close()
        from booth.report.model import ReportFilter

        out = tmp_path / "all.csv"
        booth.export(ReportFilter(), "csv", out, session=session)  # signed by the token's key
        assert booth.verify_export(out).booth_id == BOOTH_ID
    finally:
        world.stop()
        world.booth.close()
        booth.close()


def issue_text(hq: HQ) -> str:
    from test_client_support import issue

    return issue(hq)


def test_a_bundle_payload_cannot_set_the_statement_or_signer_it_was_read_with() -> None:
    """Those two fields are the reader's, from the certificate and the root statement: a payload
    naming them (even one signed by the root itself) is refused, not taken."""
    from sync.protocol.bundle import CONTENT_TYPE, _to_cbor
    from sync.protocol.signed import sign_document

    root = Root()
    for name in ("statement", "signer"):
        payload = {**_to_cbor(TrustBundle(1, NOW, NOW + DAY, NOW, DAY, root.raw)), "format": 3, name: "forged"}
        data = sign_document(payload, root.key, root.raw, content_type=CONTENT_TYPE, what="trust bundle")
        with pytest.raises(DocumentRefused, match="unexpected"):
            open_bundle(data)
