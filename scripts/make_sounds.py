"""Generate the booth's three short sounds as 16-bit mono WAV files in assets/sounds/.

Synthesised here (no samples from anywhere), so they are ours to license: CC0.
pass  - two rising soft tones (a "yes")
stop  - a low buzz, three pulses (a "no" you cannot mistake)
error - one falling mid tone (something is wrong with the booth, not the person)
Run: .venv/bin/python scripts/make_sounds.py
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22050
OUT = Path(__file__).resolve().parent.parent / "assets" / "sounds"


def tone(freq: float, ms: int, *, volume: float = 0.5, square: bool = False, slide: float = 0.0) -> list[float]:
    n = int(RATE * ms / 1000)
    out, phase = [], 0.0
    for i in range(n):
        f = freq + slide * i / n
        phase += 2 * math.pi * f / RATE
        s = math.sin(phase)
        if square:
            s = 0.6 * math.copysign(1.0, s) + 0.4 * s
        envelope = min(1.0, i / (RATE * 0.005), (n - i) / (RATE * 0.01))  # no clicks
        out.append(volume * envelope * s)
    return out


def silence(ms: int) -> list[float]:
    return [0.0] * int(RATE * ms / 1000)


def write(name: str, samples: list[float]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with wave.open(str(OUT / f"{name}.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<h", int(max(-1, min(1, s)) * 32000)) for s in samples))


def main() -> None:
    write("pass", tone(880, 90) + silence(30) + tone(1320, 140))
    write("stop", sum((tone(180, 140, volume=0.6, square=True) + silence(60) for _ in range(3)), []))
    write("error", tone(660, 300, slide=-330))


if __name__ == "__main__":
    main()
