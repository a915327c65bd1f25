"""Administration that forgives: refused at the door in one line, listed, shown and undone.

Every case runs the real ``booth-hq`` command on a real HQ folder; after a refusal the registry
holds nothing new (a booth would have refused what was let in).
"""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import HOLDER, NOW

from booth.clock import FixedClock
from booth.service import Booth
from sync.hq.cli import main as hq_main
from sync.hq.errors import InvalidInput
from sync.hq.facade import HQ
from sync.hq.holder_file import holder_from_json
from sync.protocol.bundle import open_bundle
from sync.protocol.keys import load_public
from sync.protocol.times import DAY, iso


def hq_cli(hq: HQ, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(hq_main, ["--data-dir", str(hq.paths.root), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def one_line_error(code: int, err: str, *words: str) -> None:
    assert code != 0 and err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err, err


def count(hq: HQ, table: str) -> int:
    return hq.registry.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def holder_file(tmp_path: Path, text: str, name: str = "holder.json") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def issue_cli(hq: HQ, holder: Path, out: Path, *extra: str, at: int = NOW) -> tuple[int, str, str]:
    options = ["--issuer", "KH-BTB-01", "--holder", str(holder), "--valid-days", "30", "--out", str(out)]
    return hq_cli(hq, "permit", "issue", *options, "--at", iso(at), *extra)


# -- checked at the door


@pytest.mark.parametrize(
    "args,words",
    [
        (["", "--name-en", "X", "--country", "KH"], ["checkpoint code"]),
        (["kh phd!", "--name-en", "X", "--country", "KH"], ["'kh phd!'"]),
        (["KH-NEW", "--name-en", "  ", "--country", "KH"], ["English name"]),
        (["TH-ZZZ", "--name-en", "Z", "--country", "KH"], ["TH-ZZZ", "country KH"]),
        (["KH-NEW", "--name-en", "<b>X</b>", "--country", "KH"], ["not allowed"]),
    ],
)
def test_checkpoint_add_refuses_what_a_booth_could_not_use(hq: HQ, args: list[str], words: list[str]) -> None:
    before = count(hq, "checkpoints")
    one_line_error(*hq_cli(hq, "checkpoint", "add", *args)[::2], *words)
    assert count(hq, "checkpoints") == before


def test_a_checkpoint_cannot_change_country_on_rename(hq: HQ) -> None:
    code, _, err = hq_cli(hq, "checkpoint", "add", "KH-PHD", "--name-en", "Phnom Dei", "--country", "TH")
    one_line_error(code, err, "KH-PHD")
    assert hq_cli(hq, "checkpoint", "add", "KH-PHD", "--name-en", "Phnom Dey", "--country", "KH")[0] == 0
    assert hq.registry.checkpoint("KH-PHD").name_en == "Phnom Dey"


@pytest.mark.parametrize(
    "args,words",
    [
        ([""], ["office code"]),
        (["kh-btb-09"], ["office code"]),
        (["TH-BTB-09", "--checkpoint", "KH-NOPE"], ["no checkpoint"]),
        (["KH-BTB-09", "--valid-from", "2027-01-01", "--valid-until", "2026-01-01"], ["stop before it starts"]),
        (["KH-BTB-09", "--name", "Bad\u202eName"], ["U+202E"]),
    ],
)
def test_issuer_add_refuses_and_leaves_no_keyless_office(hq: HQ, args: list[str], words: list[str]) -> None:
    before, keys_before = count(hq, "issuers"), sorted(hq.paths.root.rglob("*.pem"))
    one_line_error(*hq_cli(hq, "issuer", "add", *args)[::2], *words)
    assert count(hq, "issuers") == before and sorted(hq.paths.root.rglob("*.pem")) == keys_before
    assert len(open_bundle(hq.build_bundle(now=NOW)[1]).issuers) == before


@pytest.mark.parametrize(
    "change,words",
    [
        ({"cp": ["KH-NOPE"]}, ["no checkpoint 'KH-NOPE'"]),
        ({"dob": "2030-01-01"}, ["after the issuing date"]),
        ({"dob": "1988-02-30"}, ["'dob'", "1990-04-17"]),
        ({"no": "../../etc/x"}, ["'no'", "../../etc/x"]),
        ({"dobb": "1988-04-12"}, ["'dobb'", "did you mean 'dob'"]),
        ({"cp": ["kh phd"]}, ["'cp'"]),
    ],
)
def test_permit_issue_refuses_a_permit_every_booth_would_reject(
    hq: HQ, tmp_path: Path, change: dict, words: list[str]
) -> None:
    holder = holder_file(tmp_path, json.dumps({**HOLDER, **change}))
    one_line_error(*issue_cli(hq, holder, tmp_path / "cards")[::2], *words)
    assert count(hq, "permits") == 0 and not (tmp_path / "cards").exists()
    assert hq.registry.db.execute("SELECT count(*) FROM serials").fetchone()[0] == 0  # no number used up


def test_permit_issue_refuses_checkpoints_the_office_may_not_serve_and_times_before_its_key(
    hq: HQ, tmp_path: Path
) -> None:
    hq.add_issuer("KH-SRN-01", checkpoints=("KH-STB",), not_before=NOW)
    holder = holder_from_json(HOLDER)  # KH-PHD and KH-STB
    with pytest.raises(InvalidInput, match="KH-STB only, not KH-PHD"):
        hq.issue(holder, office="KH-SRN-01", valid_days=30, now=NOW + DAY)
    with pytest.raises(InvalidInput, match="signs from"):
        hq.issue(holder_from_json({**HOLDER, "cp": ["KH-STB"]}), office="KH-SRN-01", valid_days=30, now=NOW - DAY)
    assert count(hq, "permits") == 0


def test_a_holder_file_saved_with_a_bom_is_read(hq: HQ, tmp_path: Path) -> None:
    path = tmp_path / "notepad.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(HOLDER, ensure_ascii=False).encode())
    code, out, err = issue_cli(hq, path, tmp_path / "cards")
    assert code == 0, err
    assert out.startswith("BP1:") and "signature sha256 of this copy" in err


# -- atomic issuing


def test_a_bad_card_folder_records_nothing_and_uses_no_number(hq: HQ, tmp_path: Path) -> None:
    holder = holder_file(tmp_path, json.dumps(HOLDER))
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    one_line_error(*issue_cli(hq, holder, blocker / "cards")[::2], "card folder")
    assert count(hq, "permits") == 0
    code, out, err = issue_cli(hq, holder, tmp_path / "cards")
    assert code == 0, err
    assert "KH-BTB-2026-000001" in err  # the number the failed try did not use up


def test_an_interrupted_issue_leaves_no_permit_and_no_card(hq: HQ, tmp_path: Path, monkeypatch) -> None:
    """Ctrl-C while the card is written (a signal delivered mid-PDF): nothing recorded, no files."""
    import booth.card.pdf as pdf

    real = pdf.card_pdf

    def slow_card(*args, **kwargs):
        real(*args, **kwargs)
        signal.raise_signal(signal.SIGINT)  # the operator presses Ctrl-C just after the PDF is out

    monkeypatch.setattr(pdf, "card_pdf", slow_card)
    assert threading.current_thread() is threading.main_thread()
    with pytest.raises(KeyboardInterrupt):
        hq.issue(holder_from_json(HOLDER), office="KH-BTB-01", valid_days=30, now=NOW, out_dir=tmp_path / "cards")
    assert count(hq, "permits") == 0 and count(hq, "permit_copies") == 0
    assert list((tmp_path / "cards").iterdir()) == []
    monkeypatch.setattr(pdf, "card_pdf", real)
    again = hq.issue(holder_from_json(HOLDER), office="KH-BTB-01", valid_days=30, now=NOW, out_dir=tmp_path / "cards")
    assert again.permit.number == "KH-BTB-2026-000001" and all(p.exists() for p in again.card_files)


# -- listed, shown, undone


def test_copies_are_listed_with_their_hashes_and_revoked_one_by_one(hq: HQ, tmp_path: Path) -> None:
    holder = holder_file(tmp_path, json.dumps({**HOLDER, "no": "KH-BTB-2026-000042"}))
    assert issue_cli(hq, holder, tmp_path / "cards")[0] == 0
    code, _, err = issue_cli(hq, holder, tmp_path / "cards")
    one_line_error(code, err, "already issued", "--new-copy")
    one_line_error(*issue_cli(hq, holder, tmp_path / "cards", "--new-copy")[::2], "copy 1", "same issuing time")
    code, _, err = issue_cli(hq, holder, tmp_path / "cards", "--new-copy", at=NOW + 3600)
    assert code == 0, err
    assert (tmp_path / "cards" / "KH-BTB-2026-000042-copy2.pdf").exists()

    shown = json.loads(hq_cli(hq, "permit", "show", "KH-BTB-2026-000042")[1])
    first, second = shown["copies"]
    assert (first["copy"], second["copy"]) == (1, 2) and first["signature_sha256"] != second["signature_sha256"]
    assert second["signature_sha256"] in err

    code, out, _ = hq_cli(hq, "revoke-copy", first["signature_sha256"].upper(), "--reason", "card lost")
    assert code == 0 and "a copy of KH-BTB-2026-000042" in out
    shown = json.loads(hq_cli(hq, "permit", "show", "KH-BTB-2026-000042")[1])
    assert [c["revoked"] for c in shown["copies"]] == [True, False]
    bundle = open_bundle(hq.build_bundle(now=NOW)[1])
    assert bundle.is_revoked("KH-BTB-2026-000042", first["signature_sha256"])
    assert not bundle.is_revoked("KH-BTB-2026-000042", second["signature_sha256"])  # the new card still works


@pytest.mark.parametrize("bad", ["zz", "12" * 31, "g" * 64])
def test_revoke_copy_needs_a_real_hash_and_revoke_a_real_number(hq: HQ, bad: str) -> None:
    one_line_error(*hq_cli(hq, "revoke-copy", bad)[::2], "signature hash")
    one_line_error(*hq_cli(hq, "revoke", "../x")[::2], "permit number")
    assert count(hq, "revocations") == 0


def test_revoke_no_longer_takes_a_hash_beside_a_number(hq: HQ) -> None:
    """The old `revoke NO --signature-sha256 H` revoked the whole permit: two commands now."""
    code, _, err = hq_cli(hq, "revoke", "KH-BTB-2026-000001", "--signature-sha256", "ab" * 32)
    assert code == 2 and "--signature-sha256" in err
    assert count(hq, "revocations") == 0


def test_a_revocation_is_lifted_on_record_and_leaves_the_bundle(hq: HQ) -> None:
    issued = hq.issue(holder_from_json(HOLDER), office="KH-BTB-01", valid_days=30, now=NOW)
    number = issued.permit.number
    assert hq_cli(hq, "revoke", number, "--reason", "typo")[0] == 0
    (row,) = [json.loads(line) for line in hq_cli(hq, "revocation", "list")[1].splitlines()]
    assert open_bundle(hq.build_bundle(now=NOW)[1]).is_revoked(number, "")
    one_line_error(*hq_cli(hq, "revocation", "lift", str(row["id"]), "--reason", " ")[::2], "--reason")
    code, out, _ = hq_cli(hq, "revocation", "lift", str(row["id"]), "--reason", "wrong number typed")
    assert code == 0 and number in out
    one_line_error(*hq_cli(hq, "revocation", "lift", str(row["id"]), "--reason", "again")[::2], "already lifted")
    one_line_error(*hq_cli(hq, "revocation", "lift", "999", "--reason", "x")[::2], "no revocation 999")
    (row,) = [json.loads(line) for line in hq_cli(hq, "revocation", "list")[1].splitlines()]
    assert row["lift_reason"] == "wrong number typed" and row["lifted_at"] is not None
    assert hq_cli(hq, "revocation", "list", "--in-force")[1] == ""
    assert not open_bundle(hq.build_bundle(now=NOW)[1]).is_revoked(number, "")


def test_permit_list_finds_holders_by_name(hq: HQ) -> None:
    hq.issue(holder_from_json(HOLDER), office="KH-BTB-01", valid_days=30, now=NOW)
    hq.issue(holder_from_json({**HOLDER, "fn": "Chan", "gn": "Dara_%"}), office="KH-BTB-01", valid_days=30, now=NOW)
    names = lambda *a: [json.loads(x)["family_name"] for x in hq_cli(hq, "permit", "list", *a)[1].splitlines()]  # noqa: E731
    assert sorted(names()) == ["CHAN", "SOK"]
    assert names("--name", "chanth") == ["SOK"] and names("--name", "dara_%") == ["CHAN"]
    assert names("--name", "%") == ["CHAN"]  # a wildcard typed is a character searched for
    one_line_error(*hq_cli(hq, "permit", "show", "KH-BTB-2026-999999")[::2], "no permit")


def test_a_closed_checkpoint_takes_no_permits_or_booths_and_reopens(hq: HQ) -> None:
    assert hq_cli(hq, "checkpoint", "close", "KH-STB")[0] == 2  # --reason is required
    code, out, _ = hq_cli(hq, "checkpoint", "close", "KH-STB", "--reason", "decree 12/2026", "--at", iso(NOW))
    assert code == 0 and "closed" in out
    rows = {json.loads(x)["code"]: json.loads(x) for x in hq_cli(hq, "checkpoint", "list")[1].splitlines()}
    assert rows["KH-STB"]["closed_at"] == NOW and rows["KH-PHD"]["closed_at"] is None
    with pytest.raises(InvalidInput, match="KH-STB is closed"):
        hq.issue(holder_from_json(HOLDER), office="KH-BTB-01", valid_days=30, now=NOW + 1)
    one_line_error(*hq_cli(hq, "booth", "add", "STB-09", "--checkpoint", "KH-STB")[::2], "closed")
    assert hq.issue(holder_from_json(HOLDER), office="KH-BTB-01", valid_days=30, now=NOW - 1)  # before the closing
    assert hq_cli(hq, "checkpoint", "reopen", "KH-STB")[0] == 0
    assert hq.issue(holder_from_json(HOLDER), office="KH-BTB-01", valid_days=30, now=NOW + 2)
    one_line_error(*hq_cli(hq, "checkpoint", "reopen", "KH-STB")[::2], "not closed")


def test_a_lost_token_is_reissued_and_the_old_one_stops_working(hq: HQ) -> None:
    code, out, _ = hq_cli(hq, "booth", "add", "PHD-07", "--checkpoint", "KH-PHD")
    old = out.split("token: ")[1].split()[0]
    code, out, _ = hq_cli(hq, "booth", "token", "PHD-07")
    new = out.split("token: ")[1].split()[0]
    assert code == 0 and new != old and hq.root_fingerprint() in out
    from sync.hq.errors import EnrolmentRefused
    from sync.protocol.keys import generate, raw_public

    key = raw_public(generate())
    with pytest.raises(EnrolmentRefused):
        hq.sync_store.enrol("PHD-07", old, key, now=NOW)
    hq.sync_store.enrol("PHD-07", new, key, now=NOW)
    one_line_error(*hq_cli(hq, "booth", "token", "PHD-07")[::2], "already enrolled")
    one_line_error(*hq_cli(hq, "booth", "token", "NOPE-01")[::2], "no booth")


def test_a_booths_public_key_is_exported_for_an_auditor(hq: HQ, tmp_path: Path) -> None:
    token = hq.sync_store.add_booth("PHD-01", "KH-PHD", now=NOW)
    booth = Booth.init(tmp_path / "booth", booth_id="PHD-01", checkpoint="KH-PHD", clock=FixedClock(NOW))
    from sync.protocol.keys import fingerprint, load_private, raw_public

    public = load_private(booth.data_dir / "keys" / "booth.pem").public_key()

    hq.sync_store.enrol("PHD-01", token, raw_public(public), now=NOW)
    code, out, _ = hq_cli(hq, "booth", "key", "PHD-01", "--out", str(tmp_path / "PHD-01.pem"))
    assert code == 0 and "BEGIN PUBLIC KEY" in out and fingerprint(public) in out
    assert raw_public(load_public(tmp_path / "PHD-01.pem")) == raw_public(public)
    booth.close()


def test_root_show_names_the_root_the_next_and_the_retired(hq: HQ) -> None:
    first = json.loads(hq_cli(hq, "root", "show")[1])
    assert first["fingerprint"] == hq.root_fingerprint() and first["next_root_fingerprint"] is None
    nxt = hq.prepare_root_rotation()
    assert json.loads(hq_cli(hq, "root", "show")[1])["next_root_fingerprint"] == nxt
    hq.promote_next_root(now=NOW)
    shown = json.loads(hq_cli(hq, "root", "show")[1])
    assert shown["fingerprint"] == nxt and [r["fingerprint"] for r in shown["retired"]] == [first["fingerprint"]]


# -- a read-only HQ folder: an archive, a seized disk


def test_read_commands_work_on_a_read_only_copy_of_hq(hq: HQ, read_only_copy, tmp_path: Path) -> None:
    import shutil

    hq.issue(holder_from_json(HOLDER), office="KH-BTB-01", valid_days=30, now=NOW)
    hq.revoke(permit_no="KH-BTB-2026-000001", reason="lost", at=NOW)
    hq.sync_store.add_booth("PHD-01", "KH-PHD", now=NOW)
    hq.close()
    source, view = read_only_copy
    shutil.copytree(hq.paths.root, source / "hq")  # closed cleanly: no -wal file left
    copy = HQ(view / "hq")
    listing = sorted(p.name for p in (view / "hq").iterdir())
    assert copy.read_only
    for args in (
        ["checkpoint", "list"],
        ["issuer", "list"],
        ["permit", "list"],
        ["permit", "show", "KH-BTB-2026-000001"],
        ["revocation", "list"],
        ["root", "show"],
        ["booth", "list"],
        ["stats"],
        ["alerts"],
        ["policy", "show"],
    ):
        code, out, err = hq_cli(copy, *args)
        assert code == 0, (args, out, err)
    assert "KH-BTB-2026-000001" in hq_cli(copy, "permit", "list")[1]
    code, _, err = hq_cli(copy, "revoke", "KH-BTB-2026-000002", "--reason", "x")
    one_line_error(code, err, "read-only", "would change it")
    assert sorted(p.name for p in (view / "hq").iterdir()) == listing  # not even a -shm file


# -- the watchlist: checked, listed, removed on record


@pytest.mark.parametrize(
    "args,words",
    [
        (["--permit", "KH-BTB-2026-000001", "--document", "N1", "--reason", "x"], ["one"]),
        (["--reason", "x"], ["one"]),
        (["--document", "N1", "--nationality", "Cambodia", "--reason", "x"], ["'CAMBODIA'", "three-letter"]),
        (["--document", "N1", "--reason", "  "], ["--reason"]),
        (["--permit", "../x", "--reason", "x"], ["permit number"]),
        (["--permit", "KH-BTB-2026-000001", "--nationality", "KHM", "--reason", "x"], ["narrows a document"]),
        (["--document", "N<1>", "--reason", "x"], ["not allowed"]),
    ],
)
def test_watchlist_add_is_checked_at_the_door(hq: HQ, args: list[str], words: list[str]) -> None:
    one_line_error(*hq_cli(hq, "watchlist", "add", *args)[::2], *words)
    assert count(hq, "watchlist") == 0


def test_a_watchlist_entry_is_removed_on_record_and_leaves_the_bundle(hq: HQ) -> None:
    assert hq_cli(hq, "watchlist", "add", "--document", "N123456", "--nationality", "khm", "--reason", "court")[0] == 0
    (row,) = [json.loads(line) for line in hq_cli(hq, "watchlist", "list")[1].splitlines()]
    assert (row["document"], row["nationality"], row["removed_at"]) == ("N123456", "KHM", None)
    assert len(open_bundle(hq.build_bundle(now=NOW)[1]).sealed_watchlist) == 1
    code, out, _ = hq_cli(hq, "watchlist", "remove", str(row["id"]), "--reason", "order lifted")
    assert code == 0 and "N123456" in out
    one_line_error(*hq_cli(hq, "watchlist", "remove", str(row["id"]), "--reason", "again")[::2], "already removed")
    one_line_error(*hq_cli(hq, "watchlist", "remove", "99", "--reason", "x")[::2], "no watchlist entry 99")
    (row,) = [json.loads(line) for line in hq_cli(hq, "watchlist", "list")[1].splitlines()]
    assert row["remove_reason"] == "order lifted" and row["removed_at"] is not None
    assert hq_cli(hq, "watchlist", "list", "--in-force")[1] == ""
    assert len(open_bundle(hq.build_bundle(now=NOW)[1]).sealed_watchlist) == 0


def test_permit_issue_refuses_a_date_in_the_future(hq: HQ, tmp_path: Path) -> None:
    holder = holder_file(tmp_path, json.dumps(HOLDER))
    code, _, err = issue_cli(hq, holder, tmp_path / "cards", at=NOW + 100 * 365 * DAY)
    assert code == 2 and "in the future" in err
    assert count(hq, "permits") == 0


# -- one holder, one live permit (#18): the duplicate check before issuing


def test_an_existing_holder_applying_again_under_another_spelling_is_caught(hq: HQ, tmp_path: Path) -> None:
    first = holder_file(tmp_path, json.dumps(HOLDER, ensure_ascii=False))
    code, out, err = issue_cli(hq, first, tmp_path / "cards")
    assert code == 0, err
    number = hq.registry.permits()[0]["number"]
    # the same man: Khmer spellings of his names differ, given and family names swapped, no native name
    again = {k: v for k, v in HOLDER.items() if k != "nn"}
    again.update({"fn": "Chanthea", "gn": "Sokh", "doc": "P9988776"})  # HOLDER: Sok Chantha
    respelled = holder_file(tmp_path, json.dumps(again, ensure_ascii=False), "again.json")
    code, out, err = issue_cli(hq, respelled, tmp_path / "cards", at=NOW + 60)
    one_line_error(code, err, "looks like the holder of a live permit", "--despite-duplicate")
    assert code == 1 and f"likely the holder of {number}" in out and "swapped_names" in out
    assert count(hq, "permits") == 1  # nothing issued, no number used up
    # a supervisor decided (the first card was lost abroad, say): issued, and the decision kept
    code, out, err = issue_cli(
        hq, respelled, tmp_path / "cards", "--despite-duplicate", "checked: twin brother", at=NOW + 120
    )
    assert code == 0, err
    [decision] = hq.registry.duplicate_decisions()
    assert decision["matched"] == number and decision["decision"] == "checked: twin brother"
    assert "swapped_names" in decision["reasons"]
    # someone else (another name, another birth date and document) is not held up
    stranger = {**HOLDER, "fn": "KEO", "gn": "SOPHEAP", "nn": "កែវ សុភាព", "dob": "1994-02-03", "doc": "N5550001"}
    code, _, err = issue_cli(
        hq, holder_file(tmp_path, json.dumps(stranger, ensure_ascii=False), "s.json"), tmp_path / "cards"
    )
    assert code == 0, err


def test_an_expired_permit_is_no_duplicate(hq: HQ, tmp_path: Path) -> None:
    first = holder_file(tmp_path, json.dumps(HOLDER, ensure_ascii=False))
    assert issue_cli(hq, first, tmp_path / "cards")[0] == 0  # valid 30 days
    code, _, err = issue_cli(hq, first, tmp_path / "cards", at=NOW + 31 * 86_400)
    assert code == 0, err
