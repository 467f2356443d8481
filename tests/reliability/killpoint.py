"""Run ``aula-kg`` stopping for good at a chosen point, so a test can SIGKILL it there.

    AULA_KG_KILLPOINT=replace:2 python killpoint.py build      # before the 2nd os.replace
    AULA_KG_KILLPOINT=partial:1 python killpoint.py import ... # 1st temp file half-written

Points: ``replace:N`` stops just before the N-th ``os.replace`` (the N-th file would have
been swapped in); ``partial:N`` cuts the N-th temporary file to half its size at its fsync
and stops (a crash in the middle of writing). At the point it prints ``KILLPOINT`` on
stderr and sleeps; the test kills it. Nothing of aula-kg is changed: only ``os`` is patched.
"""

from __future__ import annotations

import os
import sys
import time

point, _, nth = os.environ.get("AULA_KG_KILLPOINT", "none:0").partition(":")
nth_call = int(nth or 0)
calls = {"replace": 0, "fsync": 0}
_replace, _fsync = os.replace, os.fsync


def _stop(where: str) -> None:
    sys.stderr.write(f"KILLPOINT {where}\n")
    sys.stderr.flush()
    while True:
        time.sleep(3600)


def replace(src, dst, *args, **kwargs):
    calls["replace"] += 1
    if point == "replace" and calls["replace"] == nth_call:
        _stop(f"before replacing {dst}")
    return _replace(src, dst, *args, **kwargs)


def fsync(fd):
    calls["fsync"] += 1
    if point == "partial" and calls["fsync"] == nth_call:
        os.ftruncate(fd, os.fstat(fd).st_size // 2)
        _stop("temporary file half-written")
    return _fsync(fd)


os.replace, os.fsync = replace, fsync

from aula_kg.cli import main  # noqa: E402

sys.exit(main(sys.argv[1:]))
