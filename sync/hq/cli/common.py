"""What every ``booth-hq`` command module shares: the one way to open the HQ, and ``pass_hq``.

``main`` opens the HQ named by ``--data-dir`` / ``--database`` (``open_hq``) and puts it on the
click context, closed when the command ends; a command that needs it takes it with ``@pass_hq``.
Nothing is read from disk until a command asks the HQ for its keys, registry or sync store.
"""

from __future__ import annotations

from pathlib import Path

import click

from sync.hq.facade import HQ

pass_hq = click.make_pass_decorator(HQ)


def open_hq(ctx: click.Context, data_dir: Path, database: str | None) -> HQ:
    """The HQ of ``data_dir`` (sync store at ``database``, else SQLite in it), closed with ``ctx``."""
    hq = HQ(data_dir, database)
    ctx.obj = hq
    ctx.call_on_close(hq.close)
    return hq
