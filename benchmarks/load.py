"""Benchmark: ``unspin serve`` under load — ``POST /api/check`` against a 10k-document index.

Builds the scale benchmark's 10k planted corpus (``planted.py --scale``), indexes it with
``unspin index add`` (the embedded static model), starts ``unspin serve`` as a subprocess
(the real CLI and uvicorn), then in the same run:

* one client posting checks back to back for ``--single-seconds``: the latency of a
  check with nobody else waiting (the reference point);
* ``--clients`` concurrent clients (default 20) posting checks for ``--seconds``
  (default 60): throughput, latency percentiles, errors, and the server's peak memory.

The checked texts are the planted corpus's derived documents and as many plain stories,
in turn: half of the checks find a source, half mostly do not. This measures; it is not a
test. Run::

    .venv/bin/python benchmarks/load.py [--clients 20] [--seconds 60] [--size 10000]

Results go to ``benchmarks/results/load.json`` and ``.md``. When the corpus is absent the
script says so and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import numpy as np

import reuters
from proctree import _tree_rss_mb, run_measured
from runinfo import finish, machine, revision

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
NAME = "load"
PYTHON = ROOT / ".venv" / "bin" / "python"
UNSPIN = ROOT / ".venv" / "bin" / "unspin"
SEED = 21578


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _texts(corpus: Path, n: int) -> list[str]:
    """Derived documents and plain stories of the corpus, alternating."""
    derived, plain = [], []
    with corpus.open(encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            (derived if o["id"].startswith("derived-") else plain).append(o["text"])
    out = []
    for a, b in zip(derived, plain, strict=False):
        out += [a, b]
        if len(out) >= n:
            break
    return out


async def _client(
    http: httpx.AsyncClient, texts: list[str], start: int, stop_at: float, out: list[Any]
) -> None:
    k = start
    while time.perf_counter() < stop_at:
        text = texts[k % len(texts)]
        k += 7
        t = time.perf_counter()
        try:
            r = await http.post("/api/check", json={"text": text})
            ok = r.status_code == 200
            status = r.status_code
        except httpx.HTTPError as err:
            ok, status = False, type(err).__name__
        out.append((time.perf_counter() - t, ok, status))


async def _run(base: str, texts: list[str], clients: int, seconds: float) -> dict[str, Any]:
    results: list[Any] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=600, limits=limits) as http:
        start = time.perf_counter()
        stop_at = start + seconds
        await asyncio.gather(*(_client(http, texts, i, stop_at, results) for i in range(clients)))
        wall = time.perf_counter() - start
    lat = np.array([r[0] for r in results if r[1]]) * 1000
    errors = [r[2] for r in results if not r[1]]
    return {
        "clients": clients,
        "seconds": round(wall, 1),
        "requests": len(results),
        "ok": len(lat),
        "errors": len(errors),
        "error_kinds": sorted({str(e) for e in errors}),
        "throughput_rps": round(len(lat) / wall, 2) if wall else None,
        "latency_ms": {
            q: round(float(np.percentile(lat, p)), 1) if len(lat) else None
            for q, p in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))
        },
    }


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    corpus_dir = work / "corpus"
    gen = run_measured(
        [str(PYTHON), str(HERE / "planted.py"), "--out", str(corpus_dir),
         "--scale", str(args.size), "--seed", str(args.seed)],
        log=work / "generate.log",
    )  # fmt: skip
    if gen["returncode"] != 0:
        raise RuntimeError(f"planted.py failed; see {work}/generate.log")
    corpus = corpus_dir / "corpus.jsonl"
    db = work / "index.duckdb"
    index = run_measured(
        [str(UNSPIN), "index", "add", str(corpus), "--db", str(db), "--quiet"],
        log=work / "index.log",
    )
    if index["returncode"] != 0:
        raise RuntimeError(f"index add failed; see {work}/index.log")
    texts = _texts(corpus, 400)
    port = _free_port()
    log = (work / "serve.log").open("wb")
    server = subprocess.Popen(
        [str(UNSPIN), "serve", "--db", str(db), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_mb(server.pid))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    try:
        started = time.perf_counter()
        while True:
            try:
                if httpx.get(base + "/api/home", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.perf_counter() - started > 120:
                raise RuntimeError(f"unspin serve did not start; see {work}/serve.log")
            time.sleep(0.2)
        startup = time.perf_counter() - started
        sampler.start()
        single = asyncio.run(_run(base, texts, 1, args.single_seconds))
        loaded = asyncio.run(_run(base, texts, args.clients, args.seconds))
    finally:
        done.set()
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    return {
        "documents": args.size,
        "index_add": index,
        "server_startup_seconds": round(startup, 2),
        "server_peak_rss_mb": round(peak[0], 1),
        "check_texts": len(texts),
        "single_client": single,
        "concurrent": loaded,
    }


def tables(result: dict[str, Any]) -> str:
    rev, mach = result["revision"], result["machine"]
    lines = [
        "# Load: POST /api/check on unspin serve",
        "",
        f"unspin {rev['commit']}{' (src modified)' if rev.get('src_dirty') else ''}; "
        f"{mach['nproc']} cores, {mach['cpu']}, Python {mach['python']}. "
        f"Index of {result['documents']:,} planted Reuters documents (static model), built by "
        f"`unspin index add` in {result['index_add']['seconds']:.0f} s; `unspin serve` (one "
        f"uvicorn process) ready in {result['server_startup_seconds']} s, peak RSS "
        f"{result['server_peak_rss_mb']:.0f} MB. Checked texts: {result['check_texts']} "
        "(derived documents and plain stories, alternating).",
        "",
        "| clients | seconds | requests | errors | throughput req/s | p50 ms | p95 ms | p99 ms "
        "| max ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key in ("single_client", "concurrent"):
        r = result[key]
        lat = r["latency_ms"]
        lines.append(
            f"| {r['clients']} | {r['seconds']} | {r['requests']} | {r['errors']} | "
            f"{r['throughput_rps']} | {lat['p50']} | {lat['p95']} | {lat['p99']} | {lat['max']} |"
        )
    lines += [
        "",
        "One check at a time holds the index (one DuckDB connection) and Python's interpreter "
        "lock: concurrent clients queue, so throughput stays that of one client and latency "
        "grows with the queue (about clients × single-client latency).",
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=reuters.DEFAULT_ROOT)
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--single-seconds", type=float, default=20)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--keep", type=Path, default=None, help="keep corpus and index here")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if not reuters.available(args.data):
        return finish(NAME, "reuters21578", args.data, None, tables, args.out, started)
    with tempfile.TemporaryDirectory(prefix="unspin-load-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        result: dict[str, Any] = {
            "benchmark": NAME,
            "machine": machine(),
            "revision": revision(),
            "loadavg_1_5_15_before": list(os.getloadavg()),
        }
        result.update(run(args, work))
        result["loadavg_1_5_15_after"] = list(os.getloadavg())
    return finish(NAME, "reuters21578", args.data, result, tables, args.out, started)


if __name__ == "__main__":
    sys.exit(main())
