"""Benchmark: unspin on the Clough & Stevenson (2011) corpus of plagiarised short answers.

Every one of the 95 answers is compared with its task's Wikipedia source article, with the
lexical aligner alone and with each sentence model, and the tool's verdicts are set against
the human-assigned category (``non`` < ``heavy`` < ``light`` < ``cut``). A classic baseline,
word 3-gram containment of the answer in the source, is computed in the same run.

This measures; it is not a test. Run::

    .venv/bin/python benchmarks/clough_stevenson.py

Results go to ``benchmarks/results/clough_stevenson.json`` and ``.md``. When the corpus
(``../shared/data/clough-stevenson-short-answers``) is absent the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import re
import statistics
import sys
import time
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scipy.stats import spearmanr

from runinfo import finish, machine, revision, write_results
from unspin.config import Config, EmbedConfig
from unspin.embed import Embedder, load_embedder
from unspin.ingest import load_document
from unspin.pipeline import compare
from unspin.records import Derivation, Document, Kind

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
CORPUS_NAME = "clough-stevenson-short-answers"
RESULTS = Path(__file__).resolve().parent / "results"
NAME = "clough_stevenson"

CATEGORIES = ("non", "heavy", "light", "cut")
#: The ordinal label used for Spearman's rho: how much of the answer was taken.
ORDINAL = {"non": 0, "heavy": 1, "light": 2, "cut": 3}
DERIVED = frozenset({"cut", "light", "heavy"})
#: The METER-style mapping of a category to the derivation level unspin should report.
METER = {"cut": "wholly", "light": "wholly", "heavy": "partially", "non": "none"}
LEVELS = tuple(d.value for d in Derivation)
KINDS = tuple(k.value for k in Kind)
#: Modes: lexical alignment only, and each of the shipped sentence models.
ALL_MODES = ("lexical", "static", "minilm-l3")

_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Item:
    """One answer with its label and the source article of its task."""

    file: str
    task: str
    category: str
    answer: Document
    source: Document


def corpus_dir(data_dir: Path) -> Path | None:
    """The corpus folder, or None when it is absent."""
    path = data_dir / CORPUS_NAME
    return path if (path / "file_information.csv").is_file() else None


def load_items(corpus: Path, files: Sequence[str] | None = None) -> list[Item]:
    """Read the labels and load every answer (or just ``files``) with its source article."""
    texts = corpus / "corpus-20090418"
    with (corpus / "file_information.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["Category"] != "orig"]
    if files is not None:
        wanted = set(files)
        rows = [r for r in rows if r["File"] in wanted]
        missing = wanted - {r["File"] for r in rows}
        if missing:
            raise ValueError(f"not in file_information.csv: {', '.join(sorted(missing))}")
    sources: dict[str, Document] = {}
    items = []
    for r in rows:
        task = r["Task"]
        if task not in sources:
            sources[task] = load_document(texts / f"orig_task{task}.txt")
        items.append(
            Item(
                file=r["File"],
                task=task,
                category=r["Category"],
                answer=load_document(texts / r["File"]),
                source=sources[task],
            )
        )
    return items


# --- the baseline -------------------------------------------------------------------------


def _trigrams(text: str) -> set[tuple[str, str, str]]:
    words = _WORD.findall(text.lower())
    return set(zip(words, words[1:], words[2:], strict=False))


def trigram_containment(answer: str, source: str) -> float:
    """Share of the answer's distinct word 3-grams that occur in the source (C&S 2011)."""
    grams = _trigrams(answer)
    if not grams:
        return 0.0
    return len(grams & _trigrams(source)) / len(grams)


# --- running unspin -----------------------------------------------------------------------


def _embedder_for(mode: str) -> tuple[Embedder | None, float]:
    """The loaded model of ``mode`` (None for lexical) and its load time in seconds."""
    if mode == "lexical":
        return None, 0.0
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a silent lexical fallback is a lie
        embedder = load_embedder(EmbedConfig(model=mode))
    seconds = time.perf_counter() - start
    if embedder is None:
        raise RuntimeError(f"model {mode!r} did not load")
    return embedder, seconds


def run_item(item: Item, mode: str, embedder: Embedder | None, config: Config) -> dict[str, Any]:
    """Compare one answer with its source and describe the verdict from the answer's side."""
    start = time.perf_counter()
    result = compare(
        item.source, item.answer, config=config, embedder=embedder, use_model=mode != "lexical"
    )
    seconds = time.perf_counter() - start
    record: dict[str, Any] = {
        "file": item.file,
        "task": item.task,
        "category": item.category,
        "seconds": round(seconds, 4),
    }
    if not result.pairs:
        record.update(
            derivation=Derivation.NONE.value,
            answer_coverage=0.0,
            source_coverage=0.0,
            answer_role=None,
            direction_method=None,
            direction_confidence=None,
            passages=0,
            kinds={},
        )
        return record
    pair = result.pairs[0]
    answer_is_derived = pair.derived.id == item.answer.id
    answer_cov = pair.derived_coverage if answer_is_derived else pair.source_coverage
    source_cov = pair.source_coverage if answer_is_derived else pair.derived_coverage
    record.update(
        # The level unspin reported for its derived side: when it turned the pair round, that
        # is the source article, so the level is recomputed below from the answer's coverage
        # (kept here too, as reported).
        derivation=pair.derivation.value,
        answer_coverage=round(answer_cov, 4),
        source_coverage=round(source_cov, 4),
        answer_role="derived" if answer_is_derived else "source",
        direction_method=pair.direction.method,
        direction_confidence=round(pair.direction.confidence, 3),
        passages=len(pair.passages),
        kinds=dict(Counter(p.kind.value for p in pair.passages)),
    )
    if not answer_is_derived:
        record["derivation_reported"] = record["derivation"]
        record["derivation"] = _level(answer_cov, config)
    return record


def _level(cov: float, config: Config) -> str:
    p = config.provenance
    if cov >= p.wholly:
        return Derivation.WHOLLY.value
    if cov >= p.partially:
        return Derivation.PARTIALLY.value
    return Derivation.NONE.value


def run_mode(items: Sequence[Item], mode: str, config: Config | None = None) -> dict[str, Any]:
    """Run every item in one mode; returns load time, wall time and per-answer records."""
    config = config or Config()
    embedder, load_seconds = _embedder_for(mode)
    start = time.perf_counter()
    records = [run_item(item, mode, embedder, config) for item in items]
    wall = time.perf_counter() - start
    return {
        "mode": mode,
        "model_load_seconds": round(load_seconds, 3),
        "wall_seconds": round(wall, 3),
        "records": records,
    }


# --- statistics ---------------------------------------------------------------------------


def _mean(xs: Sequence[float]) -> float | None:
    return round(statistics.fmean(xs), 4) if xs else None


def _median(xs: Sequence[float]) -> float | None:
    return round(statistics.median(xs), 4) if xs else None


def _spearman(scores: Sequence[float], labels: Sequence[str]) -> dict[str, float | None]:
    """Spearman's rho (and p) between a score and the ordinal label; None when undefined."""
    ranks = [ORDINAL[c] for c in labels]
    if len(scores) < 3 or len(set(scores)) < 2 or len(set(ranks)) < 2:
        return {"rho": None, "p": None}
    res = spearmanr(scores, ranks)
    return {"rho": round(float(res.statistic), 4), "p": float(f"{float(res.pvalue):.3g}")}


def binary_scores(predicted: Sequence[bool], actual: Sequence[bool]) -> dict[str, Any]:
    """Accuracy, precision, recall and F1 of a derived-vs-non decision."""
    tp = sum(p and a for p, a in zip(predicted, actual, strict=True))
    fp = sum(p and not a for p, a in zip(predicted, actual, strict=True))
    fn = sum(a and not p for p, a in zip(predicted, actual, strict=True))
    tn = len(actual) - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall
        else None
    )
    return {
        "accuracy": round((tp + tn) / len(actual), 4) if actual else None,
        "precision": None if precision is None else round(precision, 4),
        "recall": None if recall is None else round(recall, 4),
        "f1": None if f1 is None else round(f1, 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
    }


def best_threshold(scores: Sequence[float], actual: Sequence[bool]) -> dict[str, Any]:
    """The threshold t (score >= t means derived) with the best accuracy: an oracle figure."""
    if not scores:
        return {"threshold": None, "accuracy": None}
    values = sorted(set(scores))
    candidates = [values[0]] + [(lo + hi) / 2 for lo, hi in itertools.pairwise(values)]
    candidates.append(values[-1] + 1e-9)
    best_t, best_acc = candidates[0], -1.0
    for t in candidates:
        acc = sum((s >= t) == a for s, a in zip(scores, actual, strict=True)) / len(actual)
        if acc > best_acc:
            best_t, best_acc = t, acc
    return {"threshold": round(best_t, 4), "accuracy": round(best_acc, 4)}


def summarize(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Per-category statistics, confusion matrix, binary/3-way accuracy and Spearman."""
    per_category: dict[str, Any] = {}
    for cat in CATEGORIES:
        rs = [r for r in records if r["category"] == cat]
        cov = [r["answer_coverage"] for r in rs]
        kinds: Counter[str] = Counter()
        for r in rs:
            kinds.update(r["kinds"])
        per_category[cat] = {
            "n": len(rs),
            "answer_coverage_mean": _mean(cov),
            "answer_coverage_median": _median(cov),
            "source_coverage_mean": _mean([r["source_coverage"] for r in rs]),
            "derivation": {lv: sum(r["derivation"] == lv for r in rs) for lv in LEVELS},
            "passage_kinds": {k: kinds.get(k, 0) for k in KINDS},
            "answer_as_source": sum(r["answer_role"] == "source" for r in rs),
        }
    confusion = {
        lv: {
            cat: sum(r["derivation"] == lv and r["category"] == cat for r in records)
            for cat in CATEGORIES
        }
        for lv in LEVELS
    }
    actual = [r["category"] in DERIVED for r in records]
    predicted = [r["derivation"] != Derivation.NONE.value for r in records]
    coverage = [r["answer_coverage"] for r in records]
    labels = [r["category"] for r in records]
    meter_hits = sum(METER[r["category"]] == r["derivation"] for r in records)
    roles = Counter(r["answer_role"] or "no pair" for r in records)
    methods = Counter(r["direction_method"] or "no pair" for r in records)
    return {
        "n": len(records),
        "per_category": per_category,
        "confusion": confusion,
        "binary": binary_scores(predicted, actual),
        "binary_best_threshold_on_coverage": best_threshold(coverage, actual),
        "meter_3way_accuracy": round(meter_hits / len(records), 4) if records else None,
        "spearman": _spearman(coverage, labels),
        "direction": {"answer_role": dict(roles), "method": dict(methods)},
    }


def baseline(items: Sequence[Item]) -> dict[str, Any]:
    """Word 3-gram containment of each answer in its source, with the same statistics."""
    start = time.perf_counter()
    scores = [trigram_containment(i.answer.text, i.source.text) for i in items]
    wall = time.perf_counter() - start
    labels = [i.category for i in items]
    actual = [c in DERIVED for c in labels]
    per_category = {}
    for cat in CATEGORIES:
        xs = [s for s, c in zip(scores, labels, strict=True) if c == cat]
        per_category[cat] = {"n": len(xs), "mean": _mean(xs), "median": _median(xs)}
    return {
        "name": "word 3-gram containment",
        "wall_seconds": round(wall, 4),
        "per_category": per_category,
        "spearman": _spearman(scores, labels),
        "binary_best_threshold": best_threshold(scores, actual),
        "scores": {i.file: round(s, 4) for i, s in zip(items, scores, strict=True)},
    }


def notable(records: Sequence[dict[str, Any]], limit: int = 10) -> dict[str, list[Any]]:
    """Answers where the verdict disagrees most with the label, for a human to read."""

    def brief(r: dict[str, Any]) -> dict[str, Any]:
        keys = ("file", "category", "derivation", "answer_coverage", "answer_role", "kinds")
        return {k: r[k] for k in keys}

    rank = {"none": 0, "partially": 1, "wholly": 2}
    non_high = sorted(
        (r for r in records if r["category"] == "non" and r["derivation"] != "none"),
        key=lambda r: -r["answer_coverage"],
    )
    under = sorted(
        (
            r
            for r in records
            if r["category"] in DERIVED and rank[r["derivation"]] < rank[METER[r["category"]]]
        ),
        key=lambda r: (-ORDINAL[r["category"]], r["answer_coverage"]),
    )
    return {
        "non_flagged": [brief(r) for r in non_high[:limit]],
        "derived_below_expected_level": [brief(r) for r in under[: limit * 2]],
    }


def run(
    data_dir: Path = DEFAULT_DATA,
    *,
    modes: Sequence[str] = ALL_MODES,
    files: Sequence[str] | None = None,
) -> dict[str, Any] | None:
    """The whole benchmark; returns the result dict, or None when the corpus is absent."""
    corpus = corpus_dir(data_dir)
    if corpus is None:
        return None
    items = load_items(corpus, files)
    out: dict[str, Any] = {
        "benchmark": NAME,
        "corpus": str(corpus),
        "n_answers": len(items),
        "machine": machine(),
        "revision": revision(),
        "config": {
            "provenance_wholly": Config().provenance.wholly,
            "provenance_partially": Config().provenance.partially,
        },
        "modes": {},
        "baseline": baseline(items),
    }
    for mode in modes:
        result = run_mode(items, mode)
        result["summary"] = summarize(result["records"])
        result["notable"] = notable(result["records"])
        out["modes"][mode] = result
    return out


# --- output -------------------------------------------------------------------------------


def _f(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def tables(result: dict[str, Any]) -> str:
    """The result as Markdown tables (also printed)."""
    modes = list(result["modes"])
    lines = [
        f"# Clough & Stevenson short answers: {result['n_answers']} answers",
        "",
        f"unspin {result['revision']['commit']}"
        f"{' (src modified)' if result['revision']['src_dirty'] else ''}; "
        f"{result['machine']['nproc']} cores, {result['machine']['cpu']}, "
        f"Python {result['machine']['python']}. Coverage is always the answer's share inside "
        "reused passages, whichever side unspin made the source.",
        "",
        "## Summary by mode (answer coverage vs. category)",
        "",
        "| mode | wall s | load s | Spearman rho | binary acc | P | R | F1 "
        "| best-thr acc (thr) | METER 3-way acc |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for m in modes:
        r = result["modes"][m]
        s = r["summary"]
        b = s["binary"]
        bt = s["binary_best_threshold_on_coverage"]
        lines.append(
            f"| {m} | {r['wall_seconds']:.2f} | {r['model_load_seconds']:.2f} "
            f"| {_f(s['spearman']['rho'])} | {_f(b['accuracy'])} | {_f(b['precision'])} "
            f"| {_f(b['recall'])} | {_f(b['f1'])} | {_f(bt['accuracy'])} ({_f(bt['threshold'])}) "
            f"| {_f(s['meter_3way_accuracy'])} |"
        )
    bl = result["baseline"]
    bbt = bl["binary_best_threshold"]
    lines.append(
        f"| baseline: 3-gram containment | {bl['wall_seconds']:.3f} | – "
        f"| {_f(bl['spearman']['rho'])} | – | – | – | – "
        f"| {_f(bbt['accuracy'])} ({_f(bbt['threshold'])}) | – |"
    )
    lines += [
        "",
        "## Per category",
        "",
        "| mode | category | n | answer cov mean | median | source cov mean "
        "| wholly / partially / none | answer as source | passage kinds |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for m in modes:
        for cat in CATEGORIES:
            c = result["modes"][m]["summary"]["per_category"][cat]
            d = c["derivation"]
            kinds = ", ".join(f"{k} {v}" for k, v in c["passage_kinds"].items() if v) or "–"
            lines.append(
                f"| {m} | {cat} | {c['n']} | {_f(c['answer_coverage_mean'])} "
                f"| {_f(c['answer_coverage_median'])} | {_f(c['source_coverage_mean'])} "
                f"| {d['wholly']} / {d['partially']} / {d['none']} | {c['answer_as_source']} "
                f"| {kinds} |"
            )
    for cat in CATEGORIES:
        c = bl["per_category"][cat]
        lines.append(
            f"| 3-gram baseline | {cat} | {c['n']} | {_f(c['mean'])} | {_f(c['median'])} "
            "| – | – | – | – |"
        )
    lines += ["", "## Confusion: derivation level (rows) × category (columns)", ""]
    header = "| mode | level | " + " | ".join(CATEGORIES) + " |"
    lines += [header, "|---|---|" + "---|" * len(CATEGORIES)]
    for m in modes:
        conf = result["modes"][m]["summary"]["confusion"]
        for lv in LEVELS:
            cells = " | ".join(str(conf[lv][cat]) for cat in CATEGORIES)
            lines.append(f"| {m} | {lv} | {cells} |")
    lines += ["", "## Direction decided by unspin (files are undated)", ""]
    lines += ["| mode | answer role | method |", "|---|---|---|"]
    for m in modes:
        d = result["modes"][m]["summary"]["direction"]
        roles = ", ".join(f"{k} {v}" for k, v in sorted(d["answer_role"].items()))
        methods = ", ".join(f"{k} {v}" for k, v in sorted(d["method"].items()))
        lines.append(f"| {m} | {roles} | {methods} |")
    return "\n".join(lines) + "\n"


def write(result: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """Write the JSON and Markdown results; returns their paths."""
    return write_results(NAME, result, tables(result), out_dir)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    parser.add_argument(
        "--modes", nargs="+", choices=ALL_MODES, default=list(ALL_MODES), help="modes to run"
    )
    parser.add_argument("--files", nargs="+", help="only these answer files (e.g. g0pA_taska.txt)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    result = run(args.data, modes=args.modes, files=args.files)
    return finish(NAME, CORPUS_NAME, args.data, result, tables, args.out, start)


if __name__ == "__main__":
    sys.exit(main())
