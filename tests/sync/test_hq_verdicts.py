"""Issue 14, HQ side: what HQ ships so that booths' verdicts cannot be bent.

Issuing-office lifecycle (retire, reported stolen, permits re-listed as genuine), the issuing
policy (in the bundle, and at HQ's own issuing), partner lists scoped to the partner's country,
single-entry permits used up at any booth, and booths bound to the checkpoint HQ gives them.
Verdicts are the booth's own (``booth.rules.check``) over the bundle HQ built.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import NOW
from hq_server import HOLDER
from sqlalchemy import insert

from booth.rules import Context, check
from sync.hq.cli import main as hq_main
from sync.hq.errors import HQError
from sync.hq.facade import HQ
from sync.hq.holder_file import holder_from_json
from sync.hq.partner import PartnerError, export_partner_list, import_partner_list
from sync.hq.schema import records
from sync.protocol import keys
from sync.protocol import permit as permit_codec
from sync.protocol.bundle import Checkpoint, CountryPolicy, Revocation, TrustBundle
from sync.protocol.errors import DocumentRefused
from sync.protocol.partner import CONTENT_TYPE, PartnerList, _to_cbor, open_partner_list, sign_partner_list
from sync.protocol.records import FIELDS
from sync.protocol.signed import sign_document
from sync.protocol.times import DAY, iso

HQ_TIME = NOW + 60


def reasons(text: str, bundle: TrustBundle, *, checkpoint: str = "KH-PHD", now: int = HQ_TIME) -> list[str]:
    return [r.value for r in check(text, Context(checkpoint, now, bundle)).reasons]


def issue(hq: HQ, *, at: int = NOW - DAY, valid_days: int = 365, **changes: object) -> str:
    return hq.issue(holder_from_json({**HOLDER, **changes}), office="KH-BTB-01", valid_days=valid_days, now=at).text


def hq_cli(hq: HQ, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(hq_main, ["--data-dir", str(hq.paths.root), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


# -- 1. issuing-office lifecycle


def test_a_retired_key_keeps_its_earlier_permits_and_signs_no_later_ones(hq: HQ) -> None:
    before = issue(hq)
    retired = hq.retire_issuer("KH-BTB-01", at=NOW)
    assert retired.not_after == NOW
    with pytest.raises(HQError, match="stopped signing at .* \\(retired\\)"):
        issue(hq, at=NOW + 60)
    key = keys.load_private(hq.paths.issuer_key("KH-BTB-01"))  # the key itself still signs: booths refuse it
    later = permit_codec.encode(
        replace(permit_codec.decode(before).permit, number="KH-BTB-2026-999999", issued_at=NOW + 60), key
    )
    bundle = hq.build_bundle(now=HQ_TIME)[0]
    assert reasons(before, bundle) == []
    assert reasons(later, bundle) == ["issuer_not_valid"]
    with pytest.raises(HQError, match="already stops signing"):
        hq.retire_issuer("KH-BTB-01", at=NOW + DAY)


def test_a_stolen_key_refuses_every_permit_but_those_re_listed_as_genuine(hq: HQ) -> None:
    first, second = issue(hq), issue(hq)
    hq.compromise_issuer("KH-BTB-01", at=NOW)
    bundle = hq.build_bundle(now=HQ_TIME)[0]
    assert bundle.issuers[0].compromised_at == NOW and bundle.issuers[0].not_after == NOW
    assert reasons(first, bundle) == reasons(second, bundle) == ["issuer_revoked"]
    with pytest.raises(HQError, match="reported compromised; it issues nothing more"):
        issue(hq)
    number = permit_codec.decode(first).permit.number
    assert hq.mark_genuine(number, reason="seen with papers", at=NOW)
    bundle = hq.build_bundle(now=HQ_TIME)[0]
    assert bundle.genuine == (number,)
    assert reasons(first, bundle) == [] and reasons(second, bundle) == ["issuer_revoked"]
    hq.unmark_genuine(number)
    assert reasons(first, hq.build_bundle(now=HQ_TIME)[0]) == ["issuer_revoked"]
    with pytest.raises(HQError, match="already reported compromised"):
        hq.compromise_issuer("KH-BTB-01", at=NOW + 1)


def test_issuer_lifecycle_commands(hq: HQ) -> None:
    text = issue(hq)
    number = permit_codec.decode(text).permit.number
    code, _, err = hq_cli(hq, "issuer", "revoke", "KH-BTB-01")
    assert code == 2 and "say --compromised" in err
    code, out, err = hq_cli(hq, "issuer", "retire", "KH-BTB-01", "--at", iso(NOW + DAY))
    assert code == 0 and f"from {iso(NOW + DAY)} on" in out, err
    code, out, err = hq_cli(hq, "issuer", "revoke", "KH-BTB-01", "--compromised", "--at", iso(NOW))
    assert code == 0 and "reported compromised" in out, err
    (row,) = [json.loads(line) for line in hq_cli(hq, "issuer", "list")[1].splitlines()]
    assert (row["not_after"], row["compromised_at"]) == (NOW, NOW)
    code, out, err = hq_cli(hq, "permit", "genuine", number, "--reason", "checked by phone")
    assert code == 0 and "re-listed as genuine" in out and err == ""
    code, _, err = hq_cli(hq, "permit", "genuine", "TH-XXX-2026-000001")
    assert code == 0 and "not a permit of ours under a key reported compromised" in err
    listed = [json.loads(line) for line in hq_cli(hq, "permit", "genuine", "--list")[1].splitlines()]
    assert [(g["permit_no"], g["reason"]) for g in listed] == [(number, "checked by phone"), ("TH-XXX-2026-000001", "")]
    assert hq_cli(hq, "permit", "genuine", "TH-XXX-2026-000001", "--undo")[0] == 0
    code, _, err = hq_cli(hq, "permit", "genuine", "TH-XXX-2026-000001", "--undo")
    assert code == 3 and err.strip() == "error: TH-XXX-2026-000001 is not re-listed as genuine"
    assert hq.build_bundle(now=HQ_TIME)[0].genuine == (number,)


# -- 2. policy


def test_hq_refuses_to_issue_beyond_the_policy(hq: HQ) -> None:
    with pytest.raises(HQError, match=r"^KH permits may be valid at most 730 days \(policy\), not 18250"):
        issue(hq, valid_days=50 * 365)  # a 50-year permit: HQ issued it before the policy
    with pytest.raises(HQError, match=r"^KH permits may allow stays of at most 7 days \(policy\), not 30"):
        issue(hq, stay=30)
    issue(hq, valid_days=730, stay=7)  # at the limits: fine
    hq.set_policy("KH", max_validity_days=90, at=NOW)
    with pytest.raises(HQError, match="at most 90 days"):
        issue(hq, valid_days=91)
    code, _, err = hq_cli(
        hq,
        "permit",
        "issue",
        "--issuer",
        "KH-BTB-01",
        "--holder",
        str(_holder(hq)),
        "--valid-days",
        "100",
        "--out",
        str(hq.paths.root / "cards"),
    )
    assert code == 3 and err.strip().startswith("error: KH permits may be valid at most 90 days (policy)")


def _holder(hq: HQ) -> Path:
    path = hq.paths.root / "holder.json"
    path.write_text(json.dumps(HOLDER))
    return path


def test_the_bundle_carries_each_countrys_policy(hq: HQ) -> None:
    assert hq.build_bundle(now=NOW)[0].policy == (CountryPolicy("KH", 730, 7), CountryPolicy("TH", 730, 7))
    code, out, err = hq_cli(
        hq, "policy", "set", "--country", "TH", "--max-validity-days", "365", "--max-stay-days", "3"
    )
    assert code == 0 and "TH: permits valid at most 365 days, stays at most 3 days" in out, err
    assert hq_cli(hq, "policy", "set", "--country", "KH", "--max-stay-days", "5")[0] == 0
    assert hq_cli(hq, "policy", "set", "--country", "KH")[0] == 2  # nothing to set
    shown = [json.loads(line) for line in hq_cli(hq, "policy", "show")[1].splitlines()]
    assert shown == [
        {"country": "KH", "max_validity_days": 730, "max_stay_days": 5},
        {"country": "TH", "max_validity_days": 365, "max_stay_days": 3},
    ]
    bundle = hq.build_bundle(now=HQ_TIME)[0]
    assert bundle.policy_for("TH") == CountryPolicy("TH", 365, 3)
    assert reasons(issue(hq, stay=5), bundle) == []


# -- 3. partner lists speak only for their own country


@pytest.fixture
def th(tmp_path: Path) -> HQ:
    hq = HQ(tmp_path / "hq-th")
    hq.init()
    hq.add_checkpoint(Checkpoint("KH-PHD", "KH", "Phnom Dei"))
    hq.add_issuer("TH-SKW-01", name="Sa Kaeo office", not_before=NOW - 365 * DAY)
    yield hq
    hq.close()


def _forged_list(th: HQ, **parts: object) -> bytes:
    """A TH list signed by TH's root, written past the exporter's own checks."""
    root = th.root_key()
    plist = PartnerList(version=1, issued_at=NOW, country="TH", root_public_key=keys.raw_public(root), **parts)
    return sign_document(_to_cbor(plist), root, plist.root_public_key, content_type=CONTENT_TYPE, what="partner list")


def test_a_partner_list_beyond_its_country_is_refused_in_one_line(hq: HQ, th: HQ) -> None:
    theirs = th.registry.issuer("TH-SKW-01")[0]
    ours_text = issue(hq)
    ours = permit_codec.decode(ours_text)
    fake_key = keys.raw_public(keys.generate())
    cases = {
        "names office 'KH-BTB-01'; its offices must be TH-...": dict(
            issuers=(theirs, replace(theirs, kid=keys.kid_of(fake_key), public_key=fake_key, office="KH-BTB-01")),
        ),
        f"revokes {ours.permit.number}; a partner may revoke only its own permits": dict(
            issuers=(theirs,), revocations=(Revocation(ours.permit.number, None, "stolen", NOW),)
        ),
        f"revokes signature {ours.signature_sha256}; a partner may revoke only its own permits": dict(
            issuers=(theirs,), revocations=(Revocation(None, ours.signature_sha256, "copy lost", NOW),)
        ),
        f"it is the signature of our permit {ours.permit.number}; refused": dict(
            issuers=(theirs,), revocations=(Revocation("TH-SKW-2026-000001", ours.signature_sha256, "", NOW),)
        ),
        "office TH-SKW-01 has a key without an end (not_after); refused": dict(
            issuers=(replace(theirs, not_after=None),)
        ),
    }
    for message, parts in cases.items():
        with pytest.raises(PartnerError, match=message.replace("(", r"\(").replace(")", r"\)")) as refused:
            import_partner_list(hq, _forged_list(th, **parts), pin=th.root_fingerprint(), now=NOW)
        assert "\n" not in str(refused.value)
    assert hq.registry.partners() == []
    with pytest.raises(DocumentRefused, match="names office 'KH-BTB-01'"):  # nor can one be exported
        sign_partner_list(
            PartnerList(1, NOW, "TH", keys.raw_public(th.root_key()), issuers=(replace(theirs, office="KH-BTB-01"),)),
            th.root_key(),
        )
    assert reasons(ours_text, hq.build_bundle(now=HQ_TIME)[0]) == []


def test_partner_permits_get_the_partner_countrys_caps(hq: HQ, th: HQ) -> None:
    import_partner_list(hq, export_partner_list(th, now=NOW)[1], pin=th.root_fingerprint(), now=NOW)
    thai = holder_from_json({**HOLDER, "nat": "THA", "cp": ["KH-PHD"]})
    fine = th.issue(thai, office="TH-SKW-01", valid_days=30, now=NOW - DAY)
    key = keys.load_private(th.paths.issuer_key("TH-SKW-01"))  # the partner's office, past its own HQ's checks
    century = permit_codec.encode(replace(fine.permit, number="TH-SKW-2026-777777", expires=NOW + 50 * 365 * DAY), key)
    bundle = hq.build_bundle(now=HQ_TIME)[0]
    assert reasons(fine.text, bundle) == []
    assert reasons(century, bundle) == ["issuer_not_valid"]
    hq.set_policy("TH", max_validity_days=14, at=NOW)
    assert reasons(fine.text, hq.build_bundle(now=HQ_TIME)[0]) == ["issuer_not_valid"]


def test_exports_carry_only_revocations_of_our_own_permits(hq: HQ, th: HQ) -> None:
    copy = permit_codec.decode(issue(hq))
    whole = permit_codec.decode(issue(hq)).permit.number
    hq.revoke(signature_sha256=copy.signature_sha256, reason="copy lost", at=NOW)
    # a number beside a hash: made by the old `revoke NO --signature-sha256 H`, still in registries
    hq.registry.revoke(Revocation(whole, "ab" * 32, "stolen", NOW))
    hq.revoke(permit_no="TH-SKW-2026-000001", reason="theirs, revoked here", at=NOW)
    hq.revoke(signature_sha256="cd" * 32, reason="a copy we never issued", at=NOW)
    plist = open_partner_list(export_partner_list(hq, now=NOW)[1])
    assert plist.revocations == (
        Revocation(copy.permit.number, copy.signature_sha256, "copy lost", NOW),
        Revocation(whole, None, "stolen", NOW),
    )
    import_partner_list(th, export_partner_list(hq, now=NOW)[1], pin=hq.root_fingerprint(), now=NOW)
    folded = [r for r in th.build_bundle(now=NOW)[0].revocations if r.reason in ("copy lost", "stolen")]
    assert folded == [Revocation(None, copy.signature_sha256, "copy lost", NOW), Revocation(whole, None, "stolen", NOW)]


# -- 4. single-entry permits used up anywhere


def _enrol(hq: HQ, booth_id: str, checkpoint: str) -> None:
    token = hq.sync_store.add_booth(booth_id, checkpoint, now=NOW - DAY)
    hq.sync_store.enrol(booth_id, token, keys.raw_public(keys.generate()), now=NOW - DAY)


def _crossing(hq: HQ, booth_id: str, seq: int, permit_no: str, direction: str = "entry") -> None:
    row = {f: None for f in FIELDS} | {
        "seq": seq,
        "kind": "scan",
        "at": NOW + seq,
        "mono_ns": seq,
        "boot_id": "b",
        "booth_id": booth_id,
        "checkpoint": "KH-PHD",
        "prev_hash": "00" * 32,
        "hash": f"{seq:064x}",
        "received_at": NOW + seq,
        "direction": direction,
        "verdict": "valid",
        "permit_no": permit_no,
    }
    with hq.sync_store.engine.begin() as conn:
        conn.execute(insert(records).values(**row))


def test_the_bundle_lists_single_entry_permits_used_at_any_booth(hq: HQ) -> None:
    used, unused, multi = (issue(hq, ty=kind) for kind in ("single", "single", "multi"))
    expired = issue(hq, ty="single", at=NOW - 40 * DAY, valid_days=30)
    numbers = {name: permit_codec.decode(t).permit.number for name, t in locals().items() if isinstance(t, str)}
    _enrol(hq, "PHD-01", "KH-PHD")
    for seq, name in enumerate(("used", "multi", "expired"), start=1):
        _crossing(hq, "PHD-01", seq, numbers[name])
    _crossing(hq, "PHD-01", 4, numbers["unused"], direction="exit")  # an exit uses nothing up
    bundle = hq.build_bundle(now=HQ_TIME)[0]
    assert bundle.used_up == (numbers["used"],)
    assert hq.single_entry_permits() == {numbers["used"], numbers["unused"], numbers["expired"]}
    # another booth, never synced with PHD-01, refuses the second entry
    verdict = check(used, Context("KH-STB", HQ_TIME, bundle, direction="entry"))
    assert [r.value for r in verdict.reasons] == ["used_up"]
    assert reasons(unused, bundle, checkpoint="KH-STB") == [] and reasons(multi, bundle) == []


# -- 5. booths bound to their checkpoint


def test_moving_a_booth_is_recorded_and_reaches_the_next_bundle(hq: HQ) -> None:
    _enrol(hq, "PHD-02", "KH-PHD")
    first = hq.build_bundle(now=NOW)[0]
    assert first.booth("PHD-02").checkpoint == "KH-PHD"
    code, out, err = hq_cli(hq, "booth", "move", "PHD-02", "--checkpoint", "KH-STB", "--by", "Chan Sophal")
    assert code == 0 and "moved from KH-PHD to KH-STB by Chan Sophal" in out, err
    assert hq.build_bundle(now=NOW + 60)[0].booth("PHD-02").checkpoint == "KH-STB"
    (move,) = [json.loads(line) for line in hq_cli(hq, "booth", "list", "--moves")[1].splitlines()]
    assert (move["booth_id"], move["previous"], move["checkpoint"], move["from_version"], move["moved_by"]) == (
        "PHD-02",
        "KH-PHD",
        "KH-STB",
        first.version + 1,
        "Chan Sophal",
    )
    code, _, err = hq_cli(hq, "booth", "move", "PHD-02", "--checkpoint", "KH-NOWHERE")
    assert code == 3 and "no checkpoint 'KH-NOWHERE'" in err
    code, _, err = hq_cli(hq, "booth", "move", "PHD-02", "--checkpoint", "KH-STB")
    assert code == 3 and "already at KH-STB" in err


# -- 8. every alert kind is explained


def test_every_alert_kind_is_in_the_help_the_dashboard_and_the_docs() -> None:
    from sync.hq.analytics.rules import RULE_NAMES
    from sync.hq.dashboard.web import ALERT_WORDS

    kinds = {*RULE_NAMES, "fork", "single_entry_reused"}  # revoked_crossed raises revoked_seen
    help_text = CliRunner().invoke(hq_main, ["alerts", "--help"]).stdout
    docs = Path(__file__).resolve().parents[2] / "docs"
    formats, threats = (docs / "formats.md").read_text(), (docs / "threat-model.md").read_text()
    for kind in sorted(kinds):
        assert kind in help_text, f"booth-hq alerts --help does not name {kind}"
        assert kind in ALERT_WORDS, f"the dashboard has no words for {kind}"
        assert f"`{kind}`" in formats, f"docs/formats.md does not explain {kind}"
    for kind in ("clock_backwards", "single_entry_reused", "checkpoint_mismatch", "untrusted_override"):
        assert f"`{kind}`" in threats, f"docs/threat-model.md does not mention {kind}"
