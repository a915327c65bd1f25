"""Installs that fit the machine: one fresh venv per extra, its size and start-up times. Prints JSON.

For each of ``.`` (base), ``.[station]``, ``.[hq]`` and ``.[dev]``: a new venv in a temporary
folder, Booth installed from a copy of this checkout (not editable; pip's cache makes repeats
fast), then:

- ``venv_mib``: the venv's size (apparent bytes of every file, MiB);
- ``present``: which of PySide6, cv2, zxingcpp, pyzbar, fastapi, sqlalchemy the venv can import;
- ``verify_s`` / ``status_s``: ``booth --data-dir B verify TEXT`` and ``booth --data-dir B status``,
  wall time from start to exit, median (and min) of ``--runs``;
- ``verify_loads``: which of those heavy modules ``booth verify`` imported (it should be none);
- ``serve_s``: ``booth-hq --data-dir H serve --port P``: wall time from start to the first
  answer of ``GET /v1/time`` (each run on a fresh copy of an initialised HQ folder, so the sync
  database is made each time, as on a first start), where the venv has the hq extra.

The permit, the trust bundle, the booth and the HQ folder are made once, beforehand, by this
checkout with the interpreter running the script (it needs every extra: run it with the dev
venv's Python). ``--venv PATH`` measures an existing environment instead of making any (e.g.
``.venv``, to compare code before and after a change).

Run: .venv/bin/python bench/installs.py [--extras base,station,hq,dev] [--runs 5] [--venv PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXTRAS = {"base": "", "station": "[station]", "hq": "[hq]", "dev": "[dev]"}
HEAVY = ("PySide6", "cv2", "zxingcpp", "pyzbar", "fastapi", "sqlalchemy")
HOLDER = {
    "fn": "Sok",
    "gn": "Chantha",
    "dob": "1988-04-12",
    "sx": "F",
    "nat": "KHM",
    "doc": "N01234567",
    "res": "Kamrieng, Battambang",
    "cp": ["KH-PHD"],
    "zn": "Sa Kaeo",
    "stay": 7,
}
# The venvs' own code, never this checkout's through $PYTHONPATH (--venv keeps the environment as it is).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    ".ruff_cache",
    ".schemathesis",
)


def _run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)


def make_fixture(folder: Path) -> dict[str, Any]:
    """An initialised HQ (a checkpoint and an issuing office), a permit, a bundle and a booth that
    installed it, made with this checkout."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    hq_cmd = [sys.executable, "-m", "sync.hq.cli", "--data-dir", str(folder / "hq")]
    booth_cmd = [
        sys.executable,
        "-c",
        "from booth.cli import main; main(prog_name='booth')",
        "--data-dir",
        str(folder / "booth"),
    ]
    out = _run([*hq_cmd, "init", "--no-passphrase"], env=env).stdout
    fingerprint = re.search(r"Root fingerprint: (.+)", out).group(1).strip()
    _run([*hq_cmd, "checkpoint", "add", "KH-PHD", "--name-en", "Phnom Dei", "--country", "KH"], env=env)
    _run([*hq_cmd, "issuer", "add", "KH-BTB-01", "--name", "Battambang permit office"], env=env)
    (folder / "holder.json").write_text(json.dumps(HOLDER))
    out = _run(
        [
            *hq_cmd,
            "permit",
            "issue",
            "--issuer",
            "KH-BTB-01",
            "--holder",
            str(folder / "holder.json"),
            "--valid-days",
            "365",
            "--out",
            str(folder / "cards"),
        ],
        env=env,
    ).stdout
    text = next(line for line in out.splitlines() if line.startswith("BP1:"))
    _run([*hq_cmd, "bundle", "build", "--out", str(folder / "trust.bundle")], env=env)
    for extra in (folder / "hq").glob("hq-sync.db*"):  # serve makes its sync database on each run
        extra.unlink()
    _run([*booth_cmd, "init", "--booth-id", "PHD-01", "--checkpoint", "KH-PHD"], env=env)
    _run([*booth_cmd, "bundle", "install", str(folder / "trust.bundle"), "--pin", fingerprint], env=env)
    return {"hq": folder / "hq", "booth": folder / "booth", "text": text}


def venv_size(venv: Path) -> float:
    total = 0
    for dirpath, _dirs, files in os.walk(venv):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return round(total / 2**20, 1)


def present(python: Path) -> dict[str, bool]:
    code = (
        "import importlib.util, json; "
        f"print(json.dumps({{m: importlib.util.find_spec(m) is not None for m in {list(HEAVY)!r}}}))"
    )
    return json.loads(_run([str(python), "-c", code], cwd=tempfile.gettempdir(), env=ENV).stdout)


def _stats(times: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(times), 3), "min": round(min(times), 3)}


def time_command(cmd: list[str], runs: int, ok: tuple[int, ...] = (0,)) -> dict[str, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=tempfile.gettempdir(), env=ENV)
        times.append(time.perf_counter() - start)
        if done.returncode not in ok:
            raise RuntimeError(f"{' '.join(cmd[:4])}... exited {done.returncode}: {done.stderr.strip()[-300:]}")
    return _stats(times)


def verify_loads(python: Path, booth_dir: Path, text: str) -> list[str]:
    code = (
        "import sys\nfrom booth.cli import main\n"
        f"try:\n    main(['--data-dir', {str(booth_dir)!r}, 'verify', {text!r}])\nexcept SystemExit:\n    pass\n"
        f"print('LOADED:', *(m for m in {list(HEAVY)!r} if m in sys.modules))"
    )
    out = _run([str(python), "-c", code], cwd=tempfile.gettempdir(), env=ENV).stdout.splitlines()
    return out[-1].split()[1:]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def time_serve(booth_hq: Path, hq_template: Path, work: Path, runs: int) -> dict[str, float]:
    times = []
    for i in range(runs):
        hq_dir = work / f"serve-{i}"
        shutil.rmtree(hq_dir, ignore_errors=True)
        shutil.copytree(hq_template, hq_dir)
        port = _free_port()
        url = f"http://127.0.0.1:{port}/v1/time"
        start = time.perf_counter()
        process = subprocess.Popen(
            [str(booth_hq), "--data-dir", str(hq_dir), "serve", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=tempfile.gettempdir(),
            env=ENV,
        )
        try:
            while True:
                if process.poll() is not None:
                    raise RuntimeError(
                        f"booth-hq serve exited {process.returncode}: "
                        f"{process.stderr.read().decode(errors='replace')[-300:]}"
                    )
                try:
                    with urllib.request.urlopen(url, timeout=1) as answer:
                        if answer.status == 200:
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if time.perf_counter() - start > 60:
                    raise RuntimeError("booth-hq serve did not answer in 60 s")
                time.sleep(0.01)
            times.append(time.perf_counter() - start)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(hq_dir, ignore_errors=True)
    return _stats(times)


def measure(venv: Path, fixture: dict[str, Any], work: Path, runs: int) -> dict[str, Any]:
    bin_dir = venv / "bin"
    found = present(bin_dir / "python")
    booth_dir = work / "booth"
    shutil.rmtree(booth_dir, ignore_errors=True)
    shutil.copytree(fixture["booth"], booth_dir)
    booth = [str(bin_dir / "booth"), "--data-dir", str(booth_dir)]
    result: dict[str, Any] = {
        "venv_mib": venv_size(venv),
        "present": found,
        "verify_s": time_command([*booth, "verify", fixture["text"]], runs),
        "status_s": time_command([*booth, "status"], runs),
        "verify_loads": verify_loads(bin_dir / "python", booth_dir, fixture["text"]),
    }
    if found["fastapi"] and found["sqlalchemy"]:
        result["serve_s"] = time_serve(bin_dir / "booth-hq", fixture["hq"], work, runs)
    return result


def install(extra: str, source: Path, venv: Path) -> float:
    start = time.perf_counter()
    _run([sys.executable, "-m", "venv", str(venv)])
    _run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            f"{source}{EXTRAS[extra]}",
        ],
        env=ENV,
    )
    return round(time.perf_counter() - start, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--extras", default=",".join(EXTRAS), help="Which installs (base,station,hq,dev).")
    parser.add_argument("--runs", type=int, default=5, help="Runs per start-up time (median and min).")
    parser.add_argument("--venv", type=Path, help="Measure this existing venv instead of making any.")
    parser.add_argument("--keep", type=Path, help="Make the venvs in this folder and keep them.")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="booth-installs-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {"python": platform.python_version(), "machine": platform.machine(), "runs": args.runs}
    try:
        fixture = make_fixture(work / "fixture")
        if args.venv is not None:
            ENV.update(os.environ)
            out[str(args.venv)] = measure(args.venv.resolve(), fixture, work, args.runs)
        else:
            source = work / "src"  # a copy: pip's build must not leave build/ or *.egg-info in the checkout
            shutil.rmtree(source, ignore_errors=True)
            shutil.copytree(ROOT, source, ignore=COPY_IGNORE)
            for extra in args.extras.split(","):
                venv = work / f"venv-{extra}"
                shutil.rmtree(venv, ignore_errors=True)
                seconds = install(extra, source, venv)
                out[extra] = {"install_s": seconds, **measure(venv, fixture, work, args.runs)}
                print(f"{extra}: {json.dumps(out[extra])}", file=sys.stderr)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
