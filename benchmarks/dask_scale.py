"""Benchmark: ``unspin scan --engine dask`` with 1 and 2 workers against the local scan.

For each size (default 10k; ``--sizes 10000 100000``) builds the scale benchmark's planted
corpus (``planted.py --scale``), indexes it once (``unspin index add``), then in the same
run scans it with the local engine and with the Dask engine on a ``LocalCluster`` of 1 and
2 worker processes, each as a subprocess of the real command: wall time, peak memory of
the process tree and of the largest single process (a worker), and whether the files are
the local scan's (``pairs.jsonl`` sorted, ``documents.csv`` byte for byte). This measures;
it is not a test. Run::

    .venv/bin/python benchmarks/dask_scale.py [--sizes 10000 100000]

Results go to ``benchmarks/results/dask_scale.json`` and ``.md``. When the corpus is absent
the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import os
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


def run_size(size: int, work: Path, seed: int) -> dict[str, Any]:
    corpus = work / f"corpus-{size}"
    gen = run_measured(
        [str(PYTHON), str(HERE / "planted.py"), "--out", str(corpus), "--scale", str(size),
         "--seed", str(seed)],
        log=work / f"generate-{size}.log",
    )  # fmt: skip
    if gen["returncode"]:
        raise RuntimeError(f"planted.py failed; see {work}")
    db = work / f"index-{size}.duckdb"
    index = run_measured(
        [str(UNSPIN), "index", "add", str(corpus / "corpus.jsonl"), "--db", str(db), "-q"],
        log=work / f"index-{size}.log",
    )
    runs: dict[str, Any] = {}
    reference: tuple[list[str], bytes] | None = None
    for name, extra in (
        ("local, 2 processes", ["--workers", "2"]),
        ("dask, 1 worker", ["--engine", "dask", "--workers", "1"]),
        ("dask, 2 workers", ["--engine", "dask", "--workers", "2"]),
    ):
        out = work / f"scan-{size}-{len(runs)}"
        r = run_measured(
            [str(UNSPIN), "scan", "--db", str(db), "--out", str(out), "--no-html", "-q", *extra],
            log=work / f"scan-{size}-{len(runs)}.log",
        )
        if r["returncode"] == 0:
            files = _files(out)
            reference = reference or files
            r["pairs"] = len(files[0])
            r["same_files_as_local"] = files == reference
        runs[name] = r
    return {"documents": size, "index_add": index, "scans": runs}


def tables(result: dict[str, Any]) -> str:
    rev, mach = result["revision"], result["machine"]
    lines = [
        "# Dask engine: the scan on 1 and 2 workers against the local engine",
        "",
        f"unspin {rev['commit']}{' (src modified)' if rev.get('src_dirty') else ''}; "
        f"{mach['nproc']} cores, {mach['cpu']}, Python {mach['python']}. Planted Reuters "
        "corpora (`planted.py --scale`), indexed once with the static model; each scan is "
        "`unspin scan` as a subprocess (Dask: a LocalCluster of worker processes, one "
        "thread each, started and stopped inside the measured time).",
        "",
        "| documents | engine | wall s | peak MB (all processes) | largest process MB | "
        "pairs | files identical to local |",
        "|---|---|---|---|---|---|---|",
    ]
    for size, run in result["sizes"].items():
        for name, r in run["scans"].items():
            lines.append(
                f"| {int(size):,} | {name} | {r['seconds']:.1f} | {r['tree_peak_rss_mb']:.0f} | "
                f"{r['max_rss_mb']:.0f} | {r.get('pairs', '–')} | "
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
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if not reuters.available(args.data):
        return finish(NAME, "reuters21578", args.data, None, tables, args.out, started)
    load = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="unspin-dask-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        sizes = {str(n): run_size(n, work, args.seed) for n in args.sizes}
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
