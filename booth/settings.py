"""The booth's own settings file (``booth.json``): who it is and where it stands."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from booth.errors import ConfigError
from sync.protocol.files import atomic_write

SETTINGS_FILE = "booth.json"


@dataclass(frozen=True)
class BoothSettings:
    booth_id: str
    checkpoint: str
    language: str = "en"  # en | km | th
    camera: str = "0"  # a device index, video file, folder, rtsp/http URL, or "sim"
    idle_lock_minutes: int = 5
    sounds: bool = True
    hq_url: str | None = None  # where `booth sync` pushes; set by `booth enrol`


def load_settings(data_dir: Path) -> BoothSettings | None:
    path = data_dir / SETTINGS_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return BoothSettings(**raw)
    except FileNotFoundError:
        return None
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{path} is damaged: {exc}") from None


def save_settings(data_dir: Path, settings: BoothSettings) -> None:
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write(data_dir / SETTINGS_FILE, json.dumps(asdict(settings), indent=1).encode())
