"""Score a corpus scan (``OUT/pairs.jsonl``) against a planted corpus's ``truth.json``.

A predicted pair matches a truth pair when their unordered {source, derived} ids are the
same; direction is then right when the predicted source is the truth's. A predicted pair
that is not in the truth is a *sibling* (not a false positive) when both documents were
planted from the same source with overlapping source spans — two outlets copying one
story do share text — and a false positive otherwise; false positives on the planted
no-reuse controls are counted apart too.

Per kind of planted reuse: pair recall, direction accuracy, and the character precision,
recall and F1 of the predicted passages against the truth spans, on the derived side and
on the source side, pooled over the kind's truth pairs (a missed pair adds its truth
characters to recall's denominator; ``matched_only`` leaves missed pairs out). The
collection's own duplicates (``origin`` ``reuters-duplicate``) and hosts (``host``) are
scored apart: recall, direction.

    .venv/bin/python benchmarks/scan_eval.py --truth DIR/truth.json --pairs OUT/pairs.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

Span = tuple[int, int]


def load_pairs(path: Path) -> list[dict[str, Any]]:
    """The predicted pairs of a ``pairs.jsonl``."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_truth(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def merge(spans: Iterable[Sequence[int]]) -> list[Span]:
    """The union of half-open spans, as sorted disjoint spans."""
    out: list[list[int]] = []
    for s, e in sorted((int(a), int(b)) for a, b in spans if b > a):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def length(spans: Sequence[Span]) -> int:
    return sum(e - s for s, e in spans)


def intersection(a: Sequence[Span], b: Sequence[Span]) -> int:
    """Characters in both unions (each sorted and disjoint)."""
    i = j = total = 0
    while i < len(a) and j < len(b):
        total += max(0, min(a[i][1], b[j][1]) - max(a[i][0], b[j][0]))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def _prf(tp: int, pred: int, true: int) -> dict[str, float | None]:
    p = tp / pred if pred else None
    r = tp / true if true else None
    f = 2 * p * r / (p + r) if p is not None and r is not None and p + r > 0 else None
    if p is not None and r is not None and p + r == 0:
        f = 0.0
    return {
        "precision": None if p is None else round(p, 4),
        "recall": None if r is None else round(r, 4),
        "f1": None if f is None else round(f, 4),
    }


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def _sides(pred: dict[str, Any], source: str) -> tuple[list[Span], list[Span]]:
    """A predicted pair's passages as (spans on the truth source, spans on the truth derived).

    A pair predicted the wrong way round still has its passages scored on the right
    documents: its ``source_span`` is then on the truth's derived document.
    """
    flipped = pred["source"] != source
    src, der = [], []
    for p in pred.get("passages", []):
        s, d = p["source_span"], p["derived_span"]
        if flipped:
            s, d = d, s
        src.append(s)
        der.append(d)
    return merge(src), merge(der)


def _siblings(truth_pairs: Sequence[dict[str, Any]]) -> set[frozenset[str]]:
    """Unordered pairs of documents planted from one source with overlapping source spans."""
    by_source: dict[str, list[tuple[str, list[Span]]]] = defaultdict(list)
    for t in truth_pairs:
        spans = merge(p["source_span"] for p in t["passages"])
        by_source[t["source"]].append((t["derived"], spans))
    out: set[frozenset[str]] = set()
    for copies in by_source.values():
        for i, (a, sa) in enumerate(copies):
            for b, sb in copies[i + 1 :]:
                if a != b and intersection(sa, sb) > 0:
                    out.add(frozenset((a, b)))
    return out


def evaluate(pairs: Sequence[dict[str, Any]], truth: dict[str, Any]) -> dict[str, Any]:
    """The scores of the predicted ``pairs`` against ``truth`` (see the module docstring)."""
    truth_pairs: list[dict[str, Any]] = truth["pairs"]
    by_key: dict[frozenset[str], dict[str, Any]] = {}
    for t in truth_pairs:
        by_key.setdefault(frozenset((t["source"], t["derived"])), t)
    siblings = _siblings(truth_pairs)
    controls = {frozenset((c["a"], c["b"])) for c in truth.get("controls", [])}

    predicted: dict[frozenset[str], dict[str, Any]] = {}
    for p in pairs:
        key = frozenset((p["source"], p["derived"]))
        if len(key) == 2:  # a document paired with itself says nothing
            predicted.setdefault(key, p)
    matched = {k: p for k, p in predicted.items() if k in by_key}
    sibling_hits = [k for k in predicted if k not in by_key and k in siblings]
    false = [k for k in predicted if k not in by_key and k not in siblings]
    control_hits = [k for k in false if k in controls]

    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in truth_pairs:
        groups[t["kind"] if t.get("origin", "planted") == "planted" else t["origin"]].append(t)

    per_group: dict[str, Any] = {}
    for name, members in groups.items():
        found = right = 0
        chars: dict[str, dict[str, list[int]]] = {
            scope: {side: [0, 0, 0] for side in ("derived", "source")}
            for scope in ("all", "matched_only")
        }
        predicted_kinds: dict[str, int] = defaultdict(int)
        for t in members:
            truth_src = merge(p["source_span"] for p in t["passages"])
            truth_der = merge(p["derived_span"] for p in t["passages"])
            pred = matched.get(frozenset((t["source"], t["derived"])))
            pred_src: list[Span] = []
            pred_der: list[Span] = []
            if pred is not None:
                found += 1
                right += pred["source"] == t["source"]
                pred_src, pred_der = _sides(pred, t["source"])
                for p in pred.get("passages", []):
                    predicted_kinds[str(p.get("kind"))] += 1
            scopes = ("all", "matched_only") if pred is not None else ("all",)
            for scope in scopes:
                for side, tr, pr in (
                    ("derived", truth_der, pred_der),
                    ("source", truth_src, pred_src),
                ):
                    c = chars[scope][side]
                    c[0] += intersection(tr, pr)
                    c[1] += length(pr)
                    c[2] += length(tr)
        per_group[name] = {
            "n": len(members),
            "found": found,
            "recall": _ratio(found, len(members)),
            "direction_accuracy": _ratio(right, found),
            "chars": {
                scope: {side: _prf(*c) for side, c in sides.items()}
                for scope, sides in chars.items()
            },
            "predicted_passage_kinds": dict(sorted(predicted_kinds.items())),
        }

    planted = [t for t in truth_pairs if t.get("origin", "planted") == "planted"]
    planted_keys = {frozenset((t["source"], t["derived"])) for t in planted}
    found_planted = [k for k in matched if k in planted_keys]
    right_planted = sum(1 for k in found_planted if matched[k]["source"] == by_key[k]["source"])
    tp = len(matched)
    # Reuters reuses its own text (story updates, house formulas), which no truth lists:
    # precision on planted reuse counts only predictions that touch planted text.
    planted_spans: dict[str, list[Span]] = defaultdict(list)
    for t in planted:
        for p in t["passages"]:
            planted_spans[t["source"]].append(tuple(p["source_span"]))
            planted_spans[t["derived"]].append(tuple(p["derived_span"]))
    touching = [k for k, p in predicted.items() if _touches_planted(p, planted_spans)]
    touching_false = [k for k in touching if k not in by_key and k not in siblings]
    touching_tp = sum(1 for k in touching if k in by_key)
    return {
        "predicted_pairs": len(predicted),
        "truth_pairs": len(by_key),
        "planted_pairs": len(planted_keys),
        "matched": tp,
        "siblings": len(sibling_hits),
        "sibling_pairs_possible": len(siblings),
        "false_positives": len(false),
        "control_false_positives": len(control_hits),
        "controls": len(controls),
        "pair_recall": _ratio(len(found_planted), len(planted_keys)),
        "pair_recall_all_truth": _ratio(tp, len(by_key)),
        # Siblings are neither right nor wrong: they leave the denominator.
        "pair_precision": _ratio(tp, tp + len(false)),
        "predicted_touching_planted": len(touching),
        "planted_false_positives": len(touching_false),
        "planted_precision": _ratio(touching_tp, touching_tp + len(touching_false)),
        "direction_accuracy": _ratio(right_planted, len(found_planted)),
        "per_kind": per_group,
        "false_positive_examples": [sorted(k) for k in false[:10]],
    }


def _touches_planted(pred: dict[str, Any], planted: dict[str, list[Span]]) -> bool:
    """Does a predicted pair mark, in either document, text that was planted there?"""
    for p in pred.get("passages", []):
        for doc, span in ((pred["source"], p["source_span"]), (pred["derived"], p["derived_span"])):
            if intersection(merge(planted.get(doc, [])), [tuple(span)]):
                return True
    return False


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--pairs", type=Path, required=True)
    args = parser.parse_args(argv)
    result = evaluate(load_pairs(args.pairs), load_truth(args.truth))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
