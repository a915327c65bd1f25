"""``python -m booth.cli``: the ``booth`` command without its installed script."""

from booth.cli import main

main()
