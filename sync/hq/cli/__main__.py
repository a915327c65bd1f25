"""``python -m sync.hq.cli``: ``booth-hq`` without the installed script (the demo starts its local HQ so)."""

from sync.hq.cli import main

main()
