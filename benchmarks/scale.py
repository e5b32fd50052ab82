"""Benchmark: unspin's corpus scan against datasketch MinHashLSH as the corpus grows.

For each size (default 1k, 10k, 100k documents) builds a planted corpus with
``planted.py --scale N`` (5% of documents derived; past the collection's ~18,700 distinct
stories the rest are recombined, see ``planted.build_scale``), then in the same run:

* unspin: ``index add`` and ``scan`` as subprocesses; wall time, peak memory of the process
  tree (``proctree``), pairs found and planted pair recall (``scan_eval``);
* MinHashLSH (threshold 0.5, 128 permutations, word 5-gram shingles) doing candidate
  generation alone — a MinHash per document, inserted, then every document queried — in
  its own subprocess; wall time, peak memory, candidate pairs and planted pair recall.

MinHashLSH stops at candidates: it aligns nothing, so its figures are a floor on what a
candidate stage costs, not a like-for-like of a whole scan. This measures; it is not a
test. Run::

    .venv/bin/python benchmarks/scale.py [--sizes 1000 10000 100000] [--skip-unspin]

Results go to ``benchmarks/results/scale.json`` and ``.md``. When the corpus is absent the
script says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import reuters
import scan_eval
from proctree import run_measured
from runinfo import finish, machine, revision

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
NAME = "scale"
PYTHON = ROOT / ".venv" / "bin" / "python"
UNSPIN = ROOT / ".venv" / "bin" / "unspin"
SIZES = (1000, 10000, 100000)
SEED = 21578
LSH_THRESHOLD = 0.5
NUM_PERM = 128
SHINGLE = 5
_WORD = re.compile(r"\w+")


# --- the MinHashLSH baseline (runs in its own process, see --minhash-worker) --------------


def shingles(text: str, n: int = SHINGLE) -> set[bytes]:
    """The lower-case word ``n``-grams of ``text`` (the whole text when it is shorter)."""
    w = _WORD.findall(text.lower())
    if len(w) < n:
        return {" ".join(w).encode()} if w else set()
    return {" ".join(w[i : i + n]).encode() for i in range(len(w) - n + 1)}


def minhash_candidates(corpus: Path) -> dict[str, Any]:
    """Candidate pairs of ``corpus.jsonl`` by MinHashLSH, with the time of each stage."""
    from datasketch import MinHash, MinHashLSH

    t0 = time.perf_counter()
    ids: list[str] = []
    texts: list[str] = []
    with corpus.open(encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            ids.append(d["id"])
            texts.append(d["text"])
    t1 = time.perf_counter()
    hashes = []
    for text in texts:
        m = MinHash(num_perm=NUM_PERM)
        m.update_batch(list(shingles(text)))  # numpy over all shingles at once
        hashes.append(m)
    t2 = time.perf_counter()
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    with lsh.insertion_session() as session:
        for key, m in zip(ids, hashes, strict=True):
            session.insert(key, m)
    t3 = time.perf_counter()
    pairs: set[tuple[str, str]] = set()
    for key, m in zip(ids, hashes, strict=True):
        for other in lsh.query(m):
            if other != key:
                pairs.add((key, other) if key < other else (other, key))
    t4 = time.perf_counter()
    return {
        "documents": len(ids),
        "read_seconds": round(t1 - t0, 2),
        "minhash_seconds": round(t2 - t1, 2),
        "insert_seconds": round(t3 - t2, 2),
        "query_seconds": round(t4 - t3, 2),
        "pairs": sorted(pairs),
    }


def _minhash_worker(corpus: Path, out: Path) -> int:
    out.write_text(json.dumps(minhash_candidates(corpus)), encoding="utf-8")
    return 0


def pair_recall(pairs: Sequence[Sequence[str]], truth: dict[str, Any]) -> dict[str, Any]:
    """Planted pair recall of unordered candidate ``pairs``, overall and per kind."""
    found = {frozenset(p) for p in pairs}
    per_kind: dict[str, list[int]] = {}
    for t in truth["pairs"]:
        k = per_kind.setdefault(t["kind"], [0, 0])
        k[0] += frozenset((t["source"], t["derived"])) in found
        k[1] += 1
    hit = sum(v[0] for v in per_kind.values())
    total = sum(v[1] for v in per_kind.values())
    return {
        "pair_recall": round(hit / total, 4) if total else None,
        "per_kind": {k: round(a / b, 4) for k, (a, b) in per_kind.items()},
    }


# --- one size -----------------------------------------------------------------------------


def run_size(
    size: int, work: Path, *, seed: int, skip_unspin: bool, workers: int
) -> dict[str, Any]:
    corpus_dir = work / f"corpus-{size}"
    gen = run_measured(
        [
            str(PYTHON),
            str(HERE / "planted.py"),
            "--out",
            str(corpus_dir),
            "--scale",
            str(size),
            "--seed",
            str(seed),
        ],
        log=work / f"generate-{size}.log",
    )
    if gen["returncode"] != 0:
        raise RuntimeError(f"planted.py --scale {size} failed; see {work}/generate-{size}.log")
    corpus = corpus_dir / "corpus.jsonl"
    truth = scan_eval.load_truth(corpus_dir / "truth.json")
    out: dict[str, Any] = {
        "documents": size,
        "chars": corpus.stat().st_size,
        "planted_pairs": len(truth["pairs"]),
        "generator": truth["generator"],
        "generate": gen,
    }
    if not skip_unspin:
        db, scan_out = work / f"index-{size}.duckdb", work / f"scan-{size}"
        index = run_measured(
            [str(UNSPIN), "index", "add", str(corpus), "--db", str(db), "--quiet"],
            log=work / f"index-{size}.log",
        )
        scan = (
            run_measured(
                [
                    str(UNSPIN),
                    "scan",
                    "--db",
                    str(db),
                    "--out",
                    str(scan_out),
                    "--quiet",
                    "--no-html",
                    "--workers",
                    str(workers),
                ],
                log=work / f"scan-{size}.log",
            )
            if index["returncode"] == 0
            else None
        )
        unspin: dict[str, Any] = {"index_add": index, "scan": scan}
        if scan is not None and scan["returncode"] == 0:
            scores = scan_eval.evaluate(scan_eval.load_pairs(scan_out / "pairs.jsonl"), truth)
            unspin["scores"] = {
                k: scores[k]
                for k in (
                    "predicted_pairs",
                    "matched",
                    "siblings",
                    "false_positives",
                    "pair_recall",
                    "pair_precision",
                    "planted_precision",
                    "direction_accuracy",
                )
            }
            unspin["scores"]["per_kind_recall"] = {
                k: v["recall"] for k, v in scores["per_kind"].items()
            }
        else:
            unspin["error"] = f"see {work}/index-{size}.log and scan-{size}.log"
        unspin["seconds"] = round(index["seconds"] + (scan["seconds"] if scan else 0), 2)
        out["unspin"] = unspin
    result_file = work / f"minhash-{size}.json"
    mh = run_measured(
        [
            str(PYTHON),
            str(Path(__file__).resolve()),
            "--minhash-worker",
            str(corpus),
            str(result_file),
        ],
        log=work / f"minhash-{size}.log",
    )
    if mh["returncode"] != 0:
        out["minhash"] = {"process": mh, "error": f"see {work}/minhash-{size}.log"}
    else:
        found = json.loads(result_file.read_text(encoding="utf-8"))
        pairs = found.pop("pairs")
        out["minhash"] = {
            "process": mh,
            **found,
            "candidate_pairs": len(pairs),
            **pair_recall(pairs, truth),
        }
    return out


def run(
    data: Path,
    sizes: Sequence[int],
    *,
    seed: int,
    skip_unspin: bool,
    workers: int,
    keep: Path | None,
) -> dict[str, Any] | None:
    if not reuters.available(data):
        return None
    tmp = Path(tempfile.mkdtemp(prefix="unspin-scale-"))
    work = keep if keep is not None else tmp
    work.mkdir(parents=True, exist_ok=True)
    load = [round(x, 2) for x in os.getloadavg()]
    try:
        runs = {}
        for size in sizes:
            runs[str(size)] = run_size(
                size, work, seed=seed, skip_unspin=skip_unspin, workers=workers
            )
            print(f"size {size} done", flush=True)
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    return {
        "benchmark": NAME,
        "machine": machine(),
        "revision": revision(),
        "loadavg_1_5_15_before": load,
        "loadavg_1_5_15_after": [round(x, 2) for x in os.getloadavg()],
        "seed": seed,
        "workers": workers,
        "minhash": {"threshold": LSH_THRESHOLD, "num_perm": NUM_PERM, "shingle_words": SHINGLE},
        "sizes": runs,
    }


def _f(x: Any, fmt: str = ".3f") -> str:
    return "–" if x is None else format(x, fmt)


def tables(result: dict[str, Any]) -> str:
    m, rev = result["machine"], result["revision"]
    lines = [
        "# Scale: unspin index add + scan vs MinHashLSH candidate generation",
        "",
        f"unspin {rev['commit']}{' (src modified)' if rev['src_dirty'] else ''}; "
        f"{m['nproc']} cores, {m['cpu']}, Python {m['python']}; load average "
        f"{result['loadavg_1_5_15_before'][0]} before, {result['loadavg_1_5_15_after'][0]} "
        f"after. MinHashLSH: threshold {result['minhash']['threshold']}, "
        f"{result['minhash']['num_perm']} permutations, word "
        f"{result['minhash']['shingle_words']}-gram shingles, candidates only (no alignment).",
        "Memory: peak RSS summed over the process tree (sampled every 0.1 s).",
        "",
        "| docs | planted | unspin index s | unspin scan s | unspin peak MB | unspin pairs "
        "| unspin recall | unspin precision (all / on planted text) | MinHash s "
        "| MinHash peak MB | MinHash pairs | MinHash recall |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size, r in result["sizes"].items():
        u = r.get("unspin")
        mh = r["minhash"]
        if u is None:
            ucols = ["–"] * 6
        else:
            idx, scan = u["index_add"], u.get("scan")
            sc = u.get("scores", {})
            peak = max(idx["tree_peak_rss_mb"], scan["tree_peak_rss_mb"] if scan else 0)
            ucols = [
                f"{idx['seconds']:.1f}",
                f"{scan['seconds']:.1f}" if scan else "failed",
                f"{peak:.0f}",
                str(sc.get("predicted_pairs", "–")),
                _f(sc.get("pair_recall")),
                f"{_f(sc.get('pair_precision'))} / {_f(sc.get('planted_precision'))}",
            ]
        mp = mh["process"]
        lines.append(
            f"| {int(size):,} | {r['planted_pairs']} | {' | '.join(ucols)} "
            f"| {mp['seconds']:.1f} | {mp['tree_peak_rss_mb']:.0f} "
            f"| {mh.get('candidate_pairs', '–')} | {_f(mh.get('pair_recall'))} |"
        )
    lines += [
        "",
        "## Planted pair recall per kind (unspin / MinHashLSH)",
        "",
        "| docs | verbatim | near-verbatim | quoted | spun |",
        "|---|---|---|---|---|",
    ]
    for size, r in result["sizes"].items():
        u = (r.get("unspin") or {}).get("scores", {}).get("per_kind_recall", {})
        mk = r["minhash"].get("per_kind", {})
        cells = [
            f"{_f(u.get(k))} / {_f(mk.get(k))}"
            for k in ("verbatim", "near-verbatim", "quoted", "spun")
        ]
        lines.append(f"| {int(size):,} | {' | '.join(cells)} |")
    lines += [
        "",
        "## Corpus",
        "",
        "| docs | Reuters | recombined | MB | generate s |",
        "|---|---|---|---|---|",
    ]
    for size, r in result["sizes"].items():
        g = r["generator"]
        lines.append(
            f"| {int(size):,} | {g['reuters_documents']} | {g['recombined_documents']} "
            f"| {r['chars'] / 2**20:.1f} | {r['generate']['seconds']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None and len(sys.argv) == 4 and sys.argv[1] == "--minhash-worker":
        return _minhash_worker(Path(sys.argv[2]), Path(sys.argv[3]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=reuters.DEFAULT_ROOT)
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--workers", type=int, default=0, help="scan workers (0: all cores)")
    parser.add_argument("--skip-unspin", action="store_true", help="MinHashLSH only")
    parser.add_argument("--keep", type=Path, default=None, help="keep corpora and scans here")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    result = run(
        args.data,
        args.sizes,
        seed=args.seed,
        skip_unspin=args.skip_unspin,
        workers=args.workers,
        keep=args.keep,
    )
    return finish(NAME, "reuters21578", args.data, result, tables, args.out, start)


if __name__ == "__main__":
    sys.exit(main())
