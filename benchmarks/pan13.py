"""Benchmark: unspin on the PAN 2013 text-alignment training corpus (5,185 pairs).

Runs ``unspin pan align`` over every pair (or the first ``--limit`` of each folder) into a
temporary folder, scores the detections with the PAN measures (``unspin.pan.evaluate``)
and prints per-folder precision, recall, granularity and plagdet next to the published
scores of Sanchez-Perez et al. (2015) on the same corpus, plus the alignment wall time,
throughput and peak memory. This measures; it is not a test. Run::

    .venv/bin/python benchmarks/pan13.py [--no-model] [--workers N] [--limit N] [--out DIR]

A full run (no ``--limit``) is stored under its mode (``static``, ``minilm-l3`` or
``lexical``) in ``benchmarks/results/pan13-training.json``, beside the other modes' runs.
When the corpus (``../shared/data/pan13-text-alignment-training``) is absent the script
says so and exits 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import tempfile
from pathlib import Path
from typing import Any

from runinfo import machine
from unspin import __version__
from unspin.config import Config, EmbedConfig
from unspin.pan import evaluate, read_pairs, scores_to_dict, truth_folders
from unspin.pan_cli import default_workers, run_align

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
CORPUS_NAME = "pan13-text-alignment-training"
RESULTS = Path(__file__).resolve().parent / "results" / "pan13-training.json"

#: Sanchez-Perez, Gelbukh & Sidorov (2015), adaptive algorithm, PAN13 training corpus:
#: plagdet per obfuscation and on the entire corpus (/work/shared/notes/anchors.md, Q2).
BASELINE_PLAGDET: dict[str, float] = {
    "02-no-obfuscation": 0.9812,
    "03-random-obfuscation": 0.8847,
    "04-translation-obfuscation": 0.8792,
    "05-summary-obfuscation": 0.6304,
    "overall": 0.9025,
}
BASELINE: dict[str, Any] = {
    "system": "Sanchez-Perez et al. 2015 (adaptive), PAN13 training corpus",
    "source": "Sanchez-Perez 2015 notebook, Table 2 (anchors.md Table Q2)",
    "plagdet": BASELINE_PLAGDET,
    "overall": {"precision": 0.9164, "recall": 0.8937, "granularity": 1.0036, "plagdet": 0.9025},
}

_KB_PER_MB = 1024


def corpus_dir(data_dir: Path) -> Path | None:
    """The corpus folder, or None when it is absent."""
    path = data_dir / CORPUS_NAME
    return path if (path / "src").is_dir() and (path / "susp").is_dir() else None


def corpus_pairs(corpus: Path, limit: int | None) -> list[tuple[str, str]]:
    """The pairs of every truth folder (the first ``limit`` of each), in folder order."""
    pairs: list[tuple[str, str]] = []
    for folder in truth_folders(corpus):
        pairs.extend(read_pairs(folder / "pairs")[:limit])
    return list(dict.fromkeys(pairs))


def peak_rss_mb() -> dict[str, float]:
    """Peak resident memory (Linux reports ``ru_maxrss`` in KiB) of this process and children.

    ``children`` is the largest single reaped child (a worker), not their sum; the tree's
    upper bound counts every worker at that peak (forked workers share pages, so less).
    """
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / _KB_PER_MB
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / _KB_PER_MB
    return {"self": round(own, 1), "largest_worker": round(child, 1)}


def run(
    corpus: Path,
    *,
    config: Config,
    workers: int,
    limit: int | None,
    out: Path | None,
) -> dict[str, Any]:
    """Align the corpus pairs into ``out`` (or a temporary folder) and score them."""
    pairs = corpus_pairs(corpus, limit)
    with tempfile.TemporaryDirectory(prefix="unspin-pan13-") as tmp:
        pairs_file = Path(tmp) / "pairs"
        pairs_file.write_text("".join(f"{s} {r}\n" for s, r in pairs), encoding="utf-8")
        det_dir = out if out is not None else Path(tmp) / "detections"
        summary = run_align(
            pairs_file,
            src_dir=corpus / "src",
            susp_dir=corpus / "susp",
            out_dir=det_dir,
            config=config,
            workers=workers,
        )
        memory = peak_rss_mb()
        scores = evaluate(corpus, det_dir, limit=limit)
        # The same detections scored on the two halves of the corpus (even and odd
        # suspicious documents): thresholds that fit one half only would show here.
        halves = {
            name: scores_to_dict(
                evaluate(corpus, det_dir, limit=limit, select=lambda s, _, r=rest: _half(s) == r)
            )
            for name, rest in (("even", 0), ("odd", 1))
        }
    mode = "lexical" if not config.embed.enabled else config.embed.model
    return {
        "mode": mode,
        "limit": limit,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "unspin_version": __version__,
        "machine": machine(),
        "workers": summary.workers,
        "pairs": summary.pairs,
        "failed": summary.failed,
        "documents": summary.documents,
        "detections": summary.detections,
        "align_wall_seconds": round(summary.seconds, 2),
        "pairs_per_second": round(summary.pairs / summary.seconds, 2),
        "documents_per_second": round(summary.documents / summary.seconds, 2),
        "cpu_seconds_prepare": round(summary.prepare_seconds, 2),
        "cpu_seconds_align": round(summary.align_seconds, 2),
        "peak_rss_mb": {
            **memory,
            "tree_upper_bound": round(
                memory["self"] + summary.workers * memory["largest_worker"], 1
            ),
        },
        "scores": scores_to_dict(scores),
        "halves": halves,
    }


def _half(susp: str) -> int:
    """0 or 1 by the number of the suspicious document (``suspicious-document00042.txt``)."""
    digits = "".join(ch for ch in Path(susp).stem if ch.isdigit())
    return int(digits or 0) % 2


def report(result: dict[str, Any]) -> str:
    """The run as a Markdown table with the baseline beside it."""
    scores = result["scores"]
    rows = [*scores["by_folder"].items(), ("overall", scores["overall"])]
    lines = [
        f"PAN13 training, mode {result['mode']}"
        + (f", first {result['limit']} pairs per folder" if result["limit"] else ""),
        "",
        "| folder | cases | detections | P | R | G | plagdet | Sanchez-Perez 2015 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, m in rows:
        base = BASELINE_PLAGDET.get(name)
        lines.append(
            f"| {name} | {m['cases']} | {m['detections']} | {m['precision']:.4f} "
            f"| {m['recall']:.4f} | {m['granularity']:.4f} | {m['plagdet']:.4f} "
            f"| {'–' if base is None else f'{base:.4f}'} |"
        )
    halves = result.get("halves", {})
    if halves:
        lines += ["", "| half | " + " | ".join(n for n, _ in rows) + " |"]
        lines.append("|---|" + "---|" * len(rows))
        for half, sc in halves.items():
            cells = [
                *(sc["by_folder"][n]["plagdet"] for n, _ in rows[:-1]),
                sc["overall"]["plagdet"],
            ]
            lines.append(f"| {half} | " + " | ".join(f"{c:.4f}" for c in cells) + " |")
    mem = result["peak_rss_mb"]
    lines += [
        "",
        f"alignment: {result['pairs']} pairs ({result['failed']} failed), "
        f"{result['documents']} documents, {result['workers']} workers, "
        f"{result['align_wall_seconds']:.1f} s wall = {result['pairs_per_second']:.1f} pairs/s, "
        f"{result['documents_per_second']:.1f} documents/s "
        f"(CPU: prepare {result['cpu_seconds_prepare']:.1f} s, "
        f"align {result['cpu_seconds_align']:.1f} s)",
        f"peak RSS: main {mem['self']:.0f} MB, largest worker {mem['largest_worker']:.0f} MB, "
        f"tree at most {mem['tree_upper_bound']:.0f} MB",
    ]
    return "\n".join(lines)


def store(result: dict[str, Any], path: Path) -> None:
    """Add the run to the results file under its mode, keeping the other modes' runs."""
    data: dict[str, Any] = {}
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
    data["benchmark"] = "pan13-training"
    data["corpus"] = CORPUS_NAME
    data["baseline"] = BASELINE
    data.setdefault("runs", {})[result["mode"]] = result
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Parse options, run, print and store."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="../shared/data")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--model", default="static", help="static or minilm-l3")
    parser.add_argument("--no-model", action="store_true", help="lexical alignment only")
    parser.add_argument("--limit", type=int, default=None, help="first N pairs per folder")
    parser.add_argument("--out", type=Path, default=None, help="keep the detections here")
    parser.add_argument(
        "--results",
        type=Path,
        default=None,
        help=f"results JSON (default {RESULTS.relative_to(ROOT)} for full runs only)",
    )
    args = parser.parse_args(argv)
    corpus = corpus_dir(args.data)
    if corpus is None:
        print(f"corpus {CORPUS_NAME!r} not found under {args.data}; nothing to do")
        return 0
    config = Config(embed=EmbedConfig(enabled=not args.no_model, model=args.model))
    result = run(corpus, config=config, workers=args.workers, limit=args.limit, out=args.out)
    print(report(result))
    results = args.results or (RESULTS if args.limit is None else None)
    if results is not None:
        store(result, results)
        print(f"results: {results}")
    return 2 if result["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
