"""Run a command and measure it: wall time and peak memory of its whole process tree.

Two peaks are kept. ``max_rss_mb`` is what the kernel reports on ``wait4`` (``ru_maxrss``:
the largest single process among the command and the descendants it waited for), exact
but blind to workers running side by side. ``tree_peak_rss_mb`` sums the resident memory
of every live process in the tree, sampled every ``interval`` seconds from ``/proc``: it
sees parallel workers but can miss a peak shorter than the interval.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20 if hasattr(os, "sysconf") else 4 / 1024


def _tree_rss_mb(root: int) -> float:
    """Resident memory of ``root`` and all its descendants now, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            statm = (entry / "statm").read_text().split()
        except OSError:  # the process ended while we looked
            continue
        # The command name (field 2) may hold spaces; the fields after it do not.
        fields = stat[stat.rindex(")") + 2 :].split()
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(statm[1])
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total * _PAGE_MB


def run_measured(
    cmd: Sequence[str],
    *,
    cwd: Path | None = None,
    interval: float = 0.1,
    log: Path | None = None,
) -> dict[str, Any]:
    """Run ``cmd``; its return code, wall seconds and peak memory (see the module docstring).

    Output goes to ``log`` (or is discarded) so a chatty command cannot block on a pipe.
    """
    out = log.open("wb") if log is not None else subprocess.DEVNULL
    start = time.perf_counter()
    proc = subprocess.Popen(list(cmd), cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_mb(proc.pid))
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        # wait4, not Popen.wait: it hands back the child's resource usage.
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        done.set()
        sampler.join()
        if log is not None and hasattr(out, "close"):
            out.close()
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "cmd": [str(c) for c in cmd],
        "returncode": proc.returncode,
        "seconds": round(seconds, 3),
        "max_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux reports KiB
        "tree_peak_rss_mb": round(peak[0], 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
    }
