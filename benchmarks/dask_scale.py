"""Benchmark: ``unspin scan --engine dask`` with 1 and 2 workers against the local engine.

For each size (default 10k; ``--sizes 10000 100000``) builds the scale benchmark's planted
corpus (``planted.py --scale``) as ``--files`` JSON Lines files, then in the same run
indexes and scans it with the local engine (``unspin index add`` then ``unspin scan``) and
with the Dask engine (``unspin scan FOLDER --engine dask``: indexing and scan on a
``LocalCluster`` of 1 and 2 worker processes), each as a subprocess of the real command:
wall time, peak memory of the process tree and of the largest single process (a worker),
and whether the files are the local engine's (``pairs.jsonl`` sorted, ``documents.csv``
byte for byte). This measures; it is not a test. Run::

    .venv/bin/python benchmarks/dask_scale.py [--sizes 10000 100000]

Results go to ``benchmarks/results/dask_scale.json`` and ``.md``. When the corpus is absent
the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import reuters
from proctree import run_measured
from runinfo import finish, machine, revision

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
NAME = "dask_scale"
PYTHON = ROOT / ".venv" / "bin" / "python"
UNSPIN = ROOT / ".venv" / "bin" / "unspin"
SEED = 21578


def _files(out: Path) -> tuple[list[str], bytes]:
    pairs = sorted((out / "pairs.jsonl").read_text(encoding="utf-8").splitlines())
    return pairs, (out / "documents.csv").read_bytes()


def _split(corpus: Path, folder: Path, files: int) -> Path:
    """The corpus as ``files`` JSON Lines files in order, as a crawl is laid out."""
    lines = corpus.read_text(encoding="utf-8").splitlines(keepends=True)
    folder.mkdir(parents=True, exist_ok=True)
    per = -(-len(lines) // files)
    for i in range(files):
        (folder / f"crawl-{i:03d}.jsonl").write_text("".join(lines[i * per : (i + 1) * per]))
    return folder


def _indexed_seconds(log: Path) -> float | None:
    """The indexing time the command prints ("... skipped in 12.3 s → db")."""
    found = re.search(r"skipped in ([0-9.]+) s", log.read_text(encoding="utf-8", errors="replace"))
    return float(found.group(1)) if found else None


def _compare(r: dict[str, Any], out: Path, reference: tuple[list[str], bytes] | None) -> None:
    if r["returncode"] == 0:
        files = _files(out)
        r["pairs"] = len(files[0])
        r["same_files_as_local"] = reference is None or files == reference


def run_size(size: int, work: Path, seed: int, files: int) -> dict[str, Any]:
    corpus = work / f"corpus-{size}"
    gen = run_measured(
        [str(PYTHON), str(HERE / "planted.py"), "--out", str(corpus), "--scale", str(size),
         "--seed", str(seed)],
        log=work / f"generate-{size}.log",
    )  # fmt: skip
    if gen["returncode"]:
        raise RuntimeError(f"planted.py failed; see {work}")
    inputs = _split(corpus / "corpus.jsonl", work / f"crawl-{size}", files)
    runs: dict[str, Any] = {}
    # The local engine: `unspin index add` (one process) then `unspin scan` (2 processes).
    db = work / f"local-{size}.duckdb"
    index = run_measured(
        [str(UNSPIN), "index", "add", str(inputs), "--db", str(db), "-q"],
        log=work / f"index-{size}.log",
    )
    out = work / f"scan-{size}-local"
    scan = run_measured(
        [str(UNSPIN), "scan", "--db", str(db), "--out", str(out), "--no-html", "-q",
         "--workers", "2"],
        log=work / f"scan-{size}-local.log",
    )  # fmt: skip
    local = {
        "index_add": index,
        "scan": scan,
        "returncode": index["returncode"] or scan["returncode"],
        "index_seconds": index["seconds"],
        "scan_seconds": scan["seconds"],
        "seconds": index["seconds"] + scan["seconds"],
        "tree_peak_rss_mb": max(index["tree_peak_rss_mb"], scan["tree_peak_rss_mb"]),
        "max_rss_mb": max(index["max_rss_mb"], scan["max_rss_mb"]),
    }
    _compare(local, out, None)
    reference = _files(out) if local["returncode"] == 0 else None
    runs["local: index add, then scan on 2 processes"] = local
    # The Dask engine: one command from the input files to the scan's files.
    for workers in (1, 2):
        name = f"dask-{size}-{workers}"
        r = run_measured(
            [str(UNSPIN), "scan", str(inputs), "--db", str(work / f"{name}.duckdb"),
             "--out", str(work / name), "--no-html", "--engine", "dask",
             "--workers", str(workers)],
            log=work / f"{name}.log",
        )  # fmt: skip
        r["index_seconds"] = _indexed_seconds(work / f"{name}.log")
        if r["index_seconds"] is not None:
            r["scan_seconds"] = r["seconds"] - r["index_seconds"]
        _compare(r, work / name, reference)
        runs[f"dask, {workers} worker{'s' if workers > 1 else ''}"] = r
    return {"documents": size, "input_files": files, "runs": runs}


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def tables(result: dict[str, Any]) -> str:
    rev, mach = result["revision"], result["machine"]
    lines = [
        "# Dask engine: indexing and scan on 1 and 2 workers against the local engine",
        "",
        f"unspin {rev['commit']}{' (src modified)' if rev.get('src_dirty') else ''}; "
        f"{mach['nproc']} cores, {mach['cpu']}, Python {mach['python']}. Planted Reuters "
        "corpora (`planted.py --scale`) split into JSON Lines files in order, as a crawl is "
        "laid out; static model. Local: `unspin index add FOLDER` (one process), then "
        "`unspin scan --workers 2`. Dask: `unspin scan FOLDER --engine dask --workers N`, "
        "one command that indexes on the workers and scans (a LocalCluster of worker "
        "processes, one thread each, started and stopped inside the measured time); its "
        "indexing time is the one the command prints. Every command runs as a subprocess.",
        "",
        "| documents | engine | index s | scan s | total s | peak MB (all processes) | "
        "largest process MB | pairs | files identical to local |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for size, run in result["sizes"].items():
        for name, r in run["runs"].items():
            lines.append(
                f"| {int(size):,} | {name} | {_s(r.get('index_seconds'))} | "
                f"{_s(r.get('scan_seconds'))} | {r['seconds']:.1f} | "
                f"{r['tree_peak_rss_mb']:.0f} | {r['max_rss_mb']:.0f} | {r.get('pairs', '–')} | "
                f"{'yes' if r.get('same_files_as_local') else 'NO'} |"
            )
    lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=reuters.DEFAULT_ROOT)
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--files", type=int, default=16, help="JSON Lines files per corpus")
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if not reuters.available(args.data):
        return finish(NAME, "reuters21578", args.data, None, tables, args.out, started)
    load = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="unspin-dask-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        sizes = {str(n): run_size(n, work, args.seed, args.files) for n in args.sizes}
    result = {
        "benchmark": NAME,
        "machine": machine(),
        "revision": revision(),
        "loadavg_1_5_15_before": load,
        "loadavg_1_5_15_after": [round(x, 2) for x in os.getloadavg()],
        "sizes": sizes,
    }
    return finish(NAME, "reuters21578", args.data, result, tables, args.out, started)


if __name__ == "__main__":
    sys.exit(main())
