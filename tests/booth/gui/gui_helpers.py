"""Constants and small helpers shared by the GUI tests (a plain module: conftest names collide)."""

from __future__ import annotations

import time

from booth.demo import DEMO_OFFICERS

OFFICER, _, OFFICER_PIN = DEMO_OFFICERS[0]
SUPERVISOR, _, SUPERVISOR_PIN = DEMO_OFFICERS[2]
DEMO_NOW = int(time.time())  # the GUI runs on the system clock, as in a booth
