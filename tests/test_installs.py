"""Installs that fit the machine (pyproject.toml's extras): the booth's command-line core loads
neither Qt, OpenCV, the QR decoders nor the HQ server; HQ serves a real booth with no Qt or
OpenCV installed; a command of an extra that is not installed says so in one line.

"Not installed" is played in a child process by an import blocker (a ``sys.meta_path`` finder
that raises ModuleNotFoundError for the packages named), which first proves it works: each
blocked import must fail in the child, or the child stops with "blocker failed".
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
import importlib.metadata as md
import json
import os
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import pytest
from conftest import NOW, _hq_server_helpers
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from booth.cli_support import EXTRA_OF_MODULE
from booth.service import Booth
from sync.hq.facade import HQ

ROOT = Path(__file__).resolve().parent.parent
STATION = ("PySide6", "cv2", "zxingcpp", "pyzbar")
HQ_ONLY = ("fastapi", "starlette", "uvicorn", "sqlalchemy", "psycopg", "jinja2", "pkcs11")
PROOF = "blocker: "  # the child's stderr line saying which imports it made fail

BLOCKER = f'''
import importlib.abc, sys
_BLOCKED = set(sys.argv.pop(1).split(",")) - {{""}}

class _NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in _BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, _NotInstalled())
for _name in sorted(_BLOCKED):
    try:
        __import__(_name)
    except ModuleNotFoundError:
        continue
    raise SystemExit(f"blocker failed: {{_name}} imported")
if _BLOCKED:
    print("{PROOF}" + ",".join(sorted(_BLOCKED)), file=sys.stderr, flush=True)
'''

CLI = """
_HEAVY = {heavy!r}
from {module} import main
try:
    main(sys.argv[1:], prog_name={prog!r})
finally:
    print("loaded:", *[m for m in _HEAVY if m in sys.modules], file=sys.stderr, flush=True)
"""


def child(prog: str, *args: str, blocked: tuple[str, ...] = (), **popen: object) -> list[str]:
    """The command line of a child running ``booth`` or ``booth-hq`` with ``blocked`` not installed."""
    module = {"booth": "booth.cli", "booth-hq": "sync.hq.cli"}[prog]
    program = BLOCKER + CLI.format(heavy=STATION + HQ_ONLY, module=module, prog=prog)
    return [sys.executable, "-c", program, ",".join(blocked), *args]


def child_env() -> dict[str, str]:
    """This checkout's code in the child (whatever the venv's own install of booth points at)."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "QT_QPA_PLATFORM": "offscreen"}


def run(prog: str, *args: str, blocked: tuple[str, ...] = (), cwd: Path) -> tuple[int, str, list[str], list[str]]:
    """(exit code, stdout, stderr lines other than the blocker's and the loaded list, modules loaded)."""
    done = subprocess.run(
        child(prog, *args, blocked=blocked), capture_output=True, text=True, timeout=120, cwd=cwd, env=child_env()
    )
    lines = done.stderr.splitlines()
    assert "blocker failed" not in done.stderr, done.stderr
    if blocked:
        assert f"{PROOF}{','.join(sorted(blocked))}" in lines, done.stderr
    loaded = [line.split()[1:] for line in lines if line.startswith("loaded:")]
    rest = [line for line in lines if not line.startswith((PROOF, "loaded:"))]
    return done.returncode, done.stdout, rest, loaded[-1] if loaded else []


def iso(t: int) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_verify_and_status_load_neither_qt_opencv_decoders_nor_the_server(tmp_path: Path, hq: HQ) -> None:
    text = _hq_server_helpers().issue_permit(hq)
    booth = Booth.init(tmp_path / "b", booth_id="PHD-01", checkpoint="KH-PHD")
    booth.install_bundle(hq.build_bundle(now=NOW)[1], pin=hq.root_fingerprint())
    booth.close()

    code, out, err, loaded = run(
        "booth", "--data-dir", str(tmp_path / "b"), "verify", "--at", iso(NOW + 60), text, cwd=tmp_path
    )
    assert code == 0 and json.loads(out)["verdict"] == "valid", err
    assert loaded == []  # none of PySide6, cv2, zxingcpp, pyzbar, fastapi, starlette, uvicorn, sqlalchemy...
    code, out, err, loaded = run("booth", "--data-dir", str(tmp_path / "b"), "status", cwd=tmp_path)
    assert code == 0 and json.loads(out)["booth"] == "PHD-01", err
    assert loaded == []
    # and both run as well where the station and hq extras are not installed at all
    for command in (["verify", "--at", iso(NOW + 60), text], ["status"]):
        code, out, err, _ = run(
            "booth", "--data-dir", str(tmp_path / "b"), *command, blocked=STATION + HQ_ONLY, cwd=tmp_path
        )
        assert code == 0 and json.loads(out), err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_hq_serves_a_booth_without_qt_or_opencv(tmp_path: Path) -> None:
    helpers = _hq_server_helpers()
    hq = helpers.new_hq(tmp_path / "hq")
    try:
        text = helpers.issue_permit(hq)
        fingerprint = hq.root_fingerprint()
        token = hq.sync_store.add_booth("PHD-01", "KH-PHD", now=int(time.time()))
        hq.build_bundle(now=int(time.time()))  # what enrolment installs on the booth
    finally:
        hq.close()
    Booth.init(tmp_path / "b", booth_id="PHD-01", checkpoint="KH-PHD").close()

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "hq.log"
    with open(log, "w") as err:
        server = subprocess.Popen(
            child(
                "booth-hq",
                "--data-dir",
                str(tmp_path / "hq"),
                "serve",
                "--port",
                str(port),
                "--analyse-every",
                "0",
                blocked=STATION,
            ),
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=tmp_path,
            env=child_env(),
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, f"booth-hq serve stopped: {log.read_text()}"
            try:
                if httpx.get(f"{url}/v1/time", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"booth-hq serve did not answer: {log.read_text()}"
            time.sleep(0.05)
        assert f"{PROOF}{','.join(sorted(STATION))}" in log.read_text().splitlines()  # HQ really has no Qt, no cv2

        # the booth's side runs without the station extra too
        code, out, err, _ = run(
            "booth",
            "--data-dir",
            str(tmp_path / "b"),
            "enrol",
            "--hq",
            url,
            "--token",
            token,
            "--pin",
            fingerprint,
            blocked=STATION,
            cwd=tmp_path,
        )
        assert code == 0, err
        booth = Booth(tmp_path / "b")  # enrolled: HQ's bundle installed; two crossings to push
        booth.add_officer("Sok Dara", "officer", "482913")
        session = booth.login("Sok Dara", "482913")
        for direction in ("entry", "exit"):
            booth.scan(session, text, direction=direction, channel="camera")
        booth.close()
        code, out, err, _ = run(
            "booth", "--data-dir", str(tmp_path / "b"), "sync", "--once", blocked=STATION, cwd=tmp_path
        )
        assert code == 0, err
        summary = json.loads(out)
        assert summary["error"] is None and summary["pending"] == 0 and summary["pushed"] >= 4, summary
    finally:
        server.terminate()
        server.wait(timeout=30)

    hq, booth = HQ(tmp_path / "hq"), Booth(tmp_path / "b")
    try:
        ours = list(booth.ledger.records())
        assert list(hq.sync_store.records("PHD-01")) == ours  # every record, field for field
        assert [r.kind for r in ours].count("scan") == 2
    finally:
        hq.close()
        booth.close()


@pytest.mark.parametrize(
    "prog,args,line",
    [
        (
            "booth",
            ["run"],
            "booth run needs the station extra (PySide6 is not installed): pip install 'booth[station]'",
        ),
        (
            "booth",
            ["scan-image", "card.png"],
            "booth scan-image needs the station extra (cv2 is not installed): pip install 'booth[station]'",
        ),
        (
            "booth",
            ["camera", "test", "--source", "sim", "--seconds", "1"],
            "booth camera test needs the station extra (cv2 is not installed): pip install 'booth[station]'",
        ),
        (
            "booth-hq",
            ["serve"],
            "booth-hq serve needs the hq extra (uvicorn is not installed): pip install 'booth[hq]'",
        ),
        (
            "booth-hq",
            ["token", "keygen", "pkcs11:token=t;object=o?pin-value=1"],
            "booth-hq token needs the hq extra (pkcs11 is not installed): pip install 'booth[hq]'",
        ),
    ],
)
def test_a_command_of_an_extra_not_installed_says_so_in_one_line(
    tmp_path: Path, prog: str, args: list[str], line: str
) -> None:
    if prog == "booth-hq":
        helpers = _hq_server_helpers()
        helpers.new_hq(tmp_path / "data").close()
    code, out, err, _ = run(prog, "--data-dir", str(tmp_path / "data"), *args, blocked=STATION + HQ_ONLY, cwd=tmp_path)
    assert (code, out, err) == (3, "", [f"error: {line}"])


def test_scan_image_is_listed_with_a_note_when_the_station_extra_is_missing(tmp_path: Path) -> None:
    code, out, err, _ = run("booth", "--help", blocked=STATION, cwd=tmp_path)
    assert code == 0, err
    assert any(line.split()[:2] == ["scan-image", "(not"] for line in out.splitlines()), out
    assert "verify" in out


# -- pyproject.toml: every third-party module our code imports comes with the install that runs it


def _requirements(extras: tuple[str, ...]) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    for extra in extras:
        reqs += [Requirement(r) for r in project["optional-dependencies"][extra]]
    seen: set[str] = set()
    todo = [(r, tuple(sorted(r.extras))) for r in reqs]
    while todo:  # the closure, as installed here
        req, wanted = todo.pop()
        name = canonicalize_name(req.name)
        if name == "booth" or name in seen:
            if name == "booth":
                todo += [
                    (r, tuple(sorted(r.extras)))
                    for e in req.extras
                    for r in map(Requirement, project["optional-dependencies"][e])
                ]
            continue
        seen.add(name)
        try:
            requires = md.requires(req.name) or []
        except md.PackageNotFoundError:  # not installed here (a marker for another platform)
            continue
        for text in requires:
            sub = Requirement(text)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in ("", *wanted)):
                todo.append((sub, tuple(sorted(sub.extras))))
    return seen


def _imports(*paths: str, leave_out: tuple[str, ...] = ()) -> set[str]:
    """The third-party top-level modules imported (anywhere, lazily too) by these files and folders."""
    found: set[str] = set()
    for name in paths:
        files = [ROOT / name] if name.endswith(".py") else sorted((ROOT / name).rglob("*.py"))
        for path in files:
            if path.relative_to(ROOT).as_posix().startswith(leave_out):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found |= {a.name.partition(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.partition(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m not in ("booth", "sync")}


@functools.cache
def _module_dists() -> dict[str, list[str]]:
    return md.packages_distributions()


def _dists(module: str) -> set[str]:
    return {canonicalize_name(d) for d in _module_dists().get(module, [])}


# the code that needs the station extra: the GUI, the scanner and their two commands
STATION_CODE = ("booth/gui/", "booth/scan/", "booth/cli/camera.py", "booth/cli/scan_image.py")
TOKEN_CODE = ("booth/token.py",)  # PKCS#11: a booth's key (station) or HQ's keys (hq), imported only when used


def test_every_third_party_import_comes_with_its_install() -> None:
    base, station, hq = _requirements(()), _requirements(("station",)), _requirements(("hq",))
    for module in _imports("booth", "sync"):
        assert _dists(module) & (station | hq), f"{module} is imported but in no install"
    # the booth's command-line core and the wire format: the base install
    core = _imports("booth", "sync/protocol", "sync/client", leave_out=(*STATION_CODE, *TOKEN_CODE, "booth/demo"))
    assert {"click", "cryptography", "cbor2", "numpy", "httpx", "fpdf"} <= core  # the check sees them
    for module in core:
        assert _dists(module) & base, f"{module} (booth core) is not in the base install"
    for module, extra in EXTRA_OF_MODULE.items():
        wanted = {"station": station, "hq": hq}[extra]
        assert _dists(module) & wanted and not _dists(module) & base, f"{module}: not only in [{extra}]"
    for module in _imports(*STATION_CODE):
        assert _dists(module) & station, f"{module} (booth GUI/scanner) not in [station]"
    for module in _imports(*TOKEN_CODE):
        assert _dists(module) & station and _dists(module) & hq, f"{module} (PKCS#11 tokens) not in both extras"
    for module in _imports("sync/hq"):
        assert _dists(module) & hq, f"{module} (HQ) not in [hq]"


def test_a_wheel_carries_the_fonts_sounds_and_translations(tmp_path: Path) -> None:
    """A non-editable install has no checkout: the wheel must bring assets/ (under share/booth)."""
    import shutil
    import zipfile

    source = tmp_path / "src"  # a copy: building writes build/ and egg-info beside the sources
    for name in ("booth", "sync", "assets"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = (tmp_path / "dist").glob("booth-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {n.split(".data/data/share/booth/", 1)[1] for n in names if ".data/data/share/booth/" in n}
    expected = {str(p.relative_to(ROOT)) for p in (ROOT / "assets").rglob("*") if p.is_file()}
    assert expected and shipped == expected
