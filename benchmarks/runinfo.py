"""What every benchmark records about its run: the machine and the code measured."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def revision() -> dict[str, Any]:
    """The git commit measured, and whether src/ had uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return {"commit": None, "src_dirty": None}
    return {"commit": head or None, "src_dirty": bool(dirty)}


def machine() -> dict[str, Any]:
    """The CPU, core count and Python version of this run."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def write_results(
    name: str, result: dict[str, Any], markdown: str, out_dir: Path
) -> tuple[Path, Path]:
    """Write a benchmark's JSON result and its Markdown tables; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / f"{name}.json", out_dir / f"{name}.md"
    json_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(markdown, encoding="utf-8")
    return json_path, md_path


def finish(
    name: str,
    corpus: str,
    data: Path,
    result: dict[str, Any] | None,
    tables: Callable[[dict[str, Any]], str],
    out_dir: Path,
    started: float,
) -> int:
    """End a benchmark run: say it was skipped, or time it, write and print its results."""
    if result is None:
        print(f"SKIPPED: corpus {corpus!r} not found under {data} (see ../shared/data/README.md)")
        return 0
    result["total_seconds"] = round(time.perf_counter() - started, 2)
    markdown = tables(result)
    json_path, md_path = write_results(name, result, markdown, out_dir)
    print(markdown)
    print(f"total {result['total_seconds']:.1f} s; wrote {json_path} and {md_path}")
    return 0
