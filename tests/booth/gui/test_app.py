"""The GUI's start-up settings for glibc's malloc (booth.gui.app.tune_malloc)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

# run in a fresh interpreter: in this one, earlier tests leave free space on the heap, which
# serves a big block before any threshold is looked at
PROBE = textwrap.dedent("""
    import ctypes, ctypes.util, sys
    import numpy as np
    from booth.gui.app import tune_malloc

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                    "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    if not hasattr(libc, "mallinfo2"):
        print("skip")
        sys.exit()
    libc.mallinfo2.restype = MallInfo2
    if sys.argv[1] == "tuned":
        assert tune_malloc()
    big = np.ones(20 << 20, np.uint8)  # a big temporary, as the camera's start-up has
    del big
    before = libc.mallinfo2().hblkhd
    block = np.ones(6 << 20, np.uint8)
    grew = libc.mallinfo2().hblkhd - before
    del block
    print(grew >> 20, (libc.mallinfo2().hblkhd - before) >> 20)
""")


def _mapped_mb(mode: str) -> tuple[int, int]:
    """MB mapped for a 6 MB block after a 20 MB one was freed: while it lives, after it is freed."""
    out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True).stdout
    if out.strip() == "skip":
        pytest.skip("no glibc >= 2.33 here")
    live, after = out.split()
    return int(live), int(after)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc only")
def test_big_blocks_go_back_to_the_system_after_a_bigger_one_was_freed() -> None:
    """By default glibc raises its threshold for giving a block a mapping of its own to the
    size of every such block freed: after one 20 MB temporary, 6 MB blocks go on the heap and
    stay there when freed. The booth fixes the threshold, so they go back to the system."""
    assert _mapped_mb("default") == (0, 0)  # what the booth had
    assert _mapped_mb("tuned") == (6, 0)  # a mapping of its own, and given back
