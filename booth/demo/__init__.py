"""The demo and simulation tooling: the one place in ``booth`` that uses both sides, the booth
and the HQ (``sync.hq``). Nothing else in ``booth`` imports ``sync.hq``.

    booth/demo/
    ├── run.py        ``booth demo``: demo HQ data, a demo booth and officers, then the GUI
    │                 with the simulated camera or the verdicts in the terminal
    ├── local_hq.py   LocalHQ: the demo HQ server, a child process on 127.0.0.1
    └── cards.py      fresh_demo_cards: demo permits for ``--source sim`` (a throwaway demo HQ)
"""

from booth.demo.run import (
    DEMO_BOOTH,
    DEMO_CHECKPOINT,
    DEMO_OFFICERS,
    DemoBooth,
    connect_to_local_hq,
    gui_demo,
    prepare,
    run_demo,
    show_order,
    terminal_demo,
)

__all__ = [
    "DEMO_BOOTH",
    "DEMO_CHECKPOINT",
    "DEMO_OFFICERS",
    "DemoBooth",
    "connect_to_local_hq",
    "gui_demo",
    "prepare",
    "run_demo",
    "show_order",
    "terminal_demo",
]
