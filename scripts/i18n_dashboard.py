"""Update the HQ dashboard's catalogues from its templates and code (run by scripts/i18n-dashboard).

Each ``assets/i18n/dashboard/<lang>/LC_MESSAGES/dashboard.po`` gets every msgid the dashboard
says, in order of appearance, keeps the translations it had and drops words no longer said.
Prints what is left to translate; exits 1 if anything is.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sync.hq.dashboard import i18n

PACKAGE = Path(__file__).resolve().parent.parent / "sync" / "hq" / "dashboard"


def main() -> int:
    msgids = i18n.all_msgids(PACKAGE)
    missing = 0
    for language in i18n.LANGUAGES[1:]:
        path = i18n.po_path(language)
        known = i18n.read_po(path) if path.exists() else {}
        left = i18n.write_po(path, language, msgids, known)
        print(f"{path}: {len(msgids)} msgids, {len(left)} to translate")
        for msgid in left:
            print(f"  {msgid}")
        missing += len(left)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
