"""Benchmark: ``unspin index add`` + ``unspin scan`` on a planted-reuse Reuters corpus.

Generates the planted corpus (``planted.generate``: ``--per-kind`` derived documents of
each kind — verbatim, near-verbatim, quoted, spun — plus same-topic controls and unrelated
fillers; ``--all`` adds the whole collection and its 347 duplicate bodies) into a
temporary folder, runs the two commands as subprocesses (``.venv/bin/unspin``), timing
them and their peak memory, and scores ``OUT/pairs.jsonl`` with ``scan_eval``. This
measures; it is not a test. Run::

    .venv/bin/python benchmarks/corpus_scan.py [--per-kind N] [--all] [--keep DIR]

Results go to ``benchmarks/results/corpus_scan.json`` and ``.md`` (``corpus_scan-all`` with
``--all``). ``--fake-scan`` skips unspin and scores a ``pairs.jsonl`` written from the truth
(a check of this script and the scorer, written under a ``-fake`` name). When the corpus
is absent the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import planted
import reuters
import scan_eval
from proctree import run_measured
from runinfo import finish, machine, revision

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
NAME = "corpus_scan"
UNSPIN = ROOT / ".venv" / "bin" / "unspin"
SEED = 21578


def has_commands(unspin: Path = UNSPIN) -> bool:
    """Whether this unspin has the corpus commands (``index add`` and ``scan``)."""
    for sub in (["index", "add"], ["scan"]):
        try:
            proc = subprocess.run(
                [str(unspin), *sub, "--help"], capture_output=True, text=True, timeout=120
            )
        except (OSError, subprocess.TimeoutExpired):
            return False
        if proc.returncode != 0:
            return False
    return True


def fake_pairs(truth: dict[str, Any], out: Path) -> Path:
    """``out/pairs.jsonl`` as a perfect scan would write it: every truth pair, right way round.

    It checks this script and the scorer, not unspin.
    """
    out.mkdir(parents=True, exist_ok=True)
    kinds = {"quoted": "shared-quote", "spun": "paraphrase", "host": "verbatim"}
    path = out / "pairs.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for t in truth["pairs"]:
            record = {
                "source": t["source"],
                "derived": t["derived"],
                "source_path": None,
                "derived_path": None,
                "direction": {"method": "date", "confidence": 1.0, "reason": "fake"},
                "derivation": "partially",
                "source_coverage": None,
                "derived_coverage": None,
                "passages": [
                    {
                        "source_span": p["source_span"],
                        "derived_span": p["derived_span"],
                        "kind": kinds.get(t["kind"], t["kind"]),
                        "similarity": 1.0,
                    }
                    for p in t["passages"]
                ],
            }
            f.write(json.dumps(record) + "\n")
    return path


def run(
    data: Path,
    *,
    per_kind: int,
    fillers: int,
    include_all: bool,
    seed: int,
    fake: bool,
    workers: int,
    no_model: bool,
    keep: Path | None,
) -> dict[str, Any] | None:
    """The whole benchmark; None when the corpus is absent."""
    if not reuters.available(data):
        return None
    t0 = time.perf_counter()
    stories = reuters.load_stories(data)
    n_derived = per_kind * len(planted.KINDS)
    docs, truth = planted.generate(
        stories,
        n_sources=max(1, 3 * n_derived // 4),
        per_kind=per_kind,
        seed=seed,
        n_fillers=fillers,
        include_all=include_all,
    )
    generate_seconds = time.perf_counter() - t0
    tmp = Path(tempfile.mkdtemp(prefix="unspin-corpus-scan-"))
    work = keep if keep is not None else tmp
    try:
        corpus_dir = work / "corpus"
        planted.write(corpus_dir, docs, truth)
        db, out = work / "index.duckdb", work / "scan"
        steps: dict[str, Any] = {}
        if fake:
            pairs_path = fake_pairs(truth, out)
        else:
            model = ["--no-model"] if no_model else []
            steps["index_add"] = run_measured(
                [
                    str(UNSPIN),
                    "index",
                    "add",
                    str(corpus_dir / "corpus.jsonl"),
                    "--db",
                    str(db),
                    "--quiet",
                    *model,
                ],
                log=work / "index_add.log",
            )
            if steps["index_add"]["returncode"] != 0:
                raise RuntimeError(f"unspin index add failed; see {work / 'index_add.log'}")
            steps["scan"] = run_measured(
                [
                    str(UNSPIN),
                    "scan",
                    "--db",
                    str(db),
                    "--out",
                    str(out),
                    "--quiet",
                    "--no-html",
                    "--workers",
                    str(workers),
                ],
                log=work / "scan.log",
            )
            if steps["scan"]["returncode"] != 0:
                raise RuntimeError(f"unspin scan failed; see {work / 'scan.log'}")
            pairs_path = out / "pairs.jsonl"
        scores = scan_eval.evaluate(scan_eval.load_pairs(pairs_path), truth)
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    return {
        "benchmark": NAME + ("-all" if include_all else ""),
        "fake_scan": fake,
        "machine": machine(),
        "revision": revision(),
        "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "corpus": {
            "documents": len(docs),
            "chars": sum(len(d["text"]) for d in docs),
            "generator": truth["generator"],
            "truth": truth["stats"],
            "controls": len(truth["controls"]),
            "generate_seconds": round(generate_seconds, 2),
        },
        "workers": workers,
        "no_model": no_model,
        "steps": steps,
        "scores": scores,
    }


def _f(x: Any, fmt: str = ".3f") -> str:
    return "–" if x is None else format(x, fmt)


def tables(result: dict[str, Any]) -> str:
    c, s = result["corpus"], result["scores"]
    rev = result["revision"]
    fake = " (FAKE scan: truth as pairs)" if result["fake_scan"] else ""
    lines = [
        f"# Corpus scan on planted Reuters reuse{fake}",
        "",
        f"unspin {rev['commit']}{' (src modified)' if rev['src_dirty'] else ''}; "
        f"{result['machine']['nproc']} cores, {result['machine']['cpu']}; "
        f"{c['documents']} documents ({c['chars']:,} chars), synonyms: "
        f"{c['generator']['synonyms']}; truth {c['truth']['pairs']}; "
        f"{c['controls']} same-topic controls; model: "
        f"{'none (--no-model)' if result['no_model'] else 'default'}.",
        "",
    ]
    if result["steps"]:
        lines += [
            "| step | wall s | CPU s | max RSS MB | tree peak RSS MB |",
            "|---|---|---|---|---|",
        ]
        for name, st in result["steps"].items():
            lines.append(
                f"| {name} | {st['seconds']:.1f} | {st['cpu_seconds']:.1f} "
                f"| {st['max_rss_mb']:.0f} | {st['tree_peak_rss_mb']:.0f} |"
            )
        lines.append("")
    lines += [
        f"Pairs predicted {s['predicted_pairs']}: matched {s['matched']}, siblings "
        f"{s['siblings']}, false positives {s['false_positives']} (on controls "
        f"{s['control_false_positives']} of {s['controls']}). Planted pair recall "
        f"{_f(s['pair_recall'])}, precision {_f(s['pair_precision'])} over all pairs and "
        f"{_f(s['planted_precision'])} over the {s['predicted_touching_planted']} pairs that "
        f"mark planted text (the rest is Reuters reusing its own text, which no truth lists), "
        f"direction accuracy {_f(s['direction_accuracy'])}.",
        "",
        "| kind | n | pair recall | direction | derived chars P / R / F1 | "
        "source chars P / R / F1 | predicted passage kinds |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind, k in s["per_kind"].items():
        d, src = k["chars"]["all"]["derived"], k["chars"]["all"]["source"]
        lines.append(
            f"| {kind} | {k['n']} | {_f(k['recall'])} | {_f(k['direction_accuracy'])} "
            f"| {_f(d['precision'])} / {_f(d['recall'])} / {_f(d['f1'])} "
            f"| {_f(src['precision'])} / {_f(src['recall'])} / {_f(src['f1'])} "
            f"| {', '.join(f'{a} {b}' for a, b in k['predicted_passage_kinds'].items())} |"
        )
    lines += [
        "",
        "Character scores pool every truth pair of the kind (a missed pair counts in recall).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=reuters.DEFAULT_ROOT)
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    parser.add_argument("--per-kind", type=int, default=25)
    parser.add_argument("--fillers", type=int, default=200)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--all", action="store_true", help="the whole collection too")
    parser.add_argument("--workers", type=int, default=0, help="scan workers (0: all cores)")
    parser.add_argument("--no-model", action="store_true", help="lexical alignment only")
    parser.add_argument("--fake-scan", action="store_true", help="score the truth as pairs")
    parser.add_argument("--keep", type=Path, default=None, help="keep corpus, db, scan here")
    args = parser.parse_args(argv)
    if not args.fake_scan and not has_commands():
        print(
            f"{UNSPIN} has no `index add`/`scan` commands yet; "
            "rerun with --fake-scan to check the evaluation alone"
        )
        return 2
    start = time.perf_counter()
    result = run(
        args.data,
        per_kind=args.per_kind,
        fillers=args.fillers,
        include_all=args.all,
        seed=args.seed,
        fake=args.fake_scan,
        workers=args.workers,
        no_model=args.no_model,
        keep=args.keep,
    )
    name = NAME + ("-all" if args.all else "") + ("-fake" if args.fake_scan else "")
    return finish(name, "reuters21578", args.data, result, tables, args.out, start)


if __name__ == "__main__":
    sys.exit(main())
