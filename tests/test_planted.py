"""The Reuters loader, the planted-reuse generator and the scan scorer (benchmarks/).

The Reuters tests skip when ../shared/data/reuters21578 is absent; the scorer's is
self-contained, with numbers worked out by hand.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest

from .conftest import corpus
from .test_benchmarks import _load

reuters = _load("reuters")
planted = _load("planted")
scan_eval = _load("scan_eval")


@cache
def _stories() -> list[Any]:
    return list(reuters.load_stories(corpus("reuters21578")))


@cache
def _small() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    return planted.generate(_stories(), n_sources=12, per_kind=4, seed=7, n_fillers=5)  # type: ignore[no-any-return]


def test_reuters_counts() -> None:
    root = corpus("reuters21578")
    records = list(reuters.iter_records(root))
    assert len(records) == 21578
    assert len({n for n, _ in records}) == 21578
    stories = _stories()
    assert len(stories) == 19043
    groups = reuters.duplicate_groups(stories)
    assert len(groups) == 343
    assert sum(len(g) - 1 for g in groups) == 347
    for g in groups:  # oldest first
        assert [(s.date, s.newid) for s in g] == sorted((s.date, s.newid) for s in g)


def test_reuters_unescaping() -> None:
    stories = _stories()
    assert not any("\x03" in s.body or "&#3;" in s.body for s in stories)
    assert not any(re.search(r"&(lt|gt|amp|#\d+);", s.body) for s in stories)
    # Company names in angle brackets were written &lt;...&gt; in the SGML.
    assert any("<" in s.body for s in stories)
    assert any("&" in s.body for s in stories)
    first = next(s for s in stories if s.newid == 1)
    assert first.title == "BAHIA COCOA REVIEW"
    assert str(first.date) == "1987-02-26"
    assert first.topics == ("cocoa",)
    assert reuters.story_text(first).startswith("Showers continued throughout the week in the")
    assert not reuters.story_text(first).rstrip().endswith("Reuter")


def _words(text: str) -> set[str]:
    return {m.group().lower() for m in planted.content_words(text)}


def test_planted_offsets_every_kind() -> None:
    docs, truth = _small()
    by_id = {d["id"]: d for d in docs}
    assert len(by_id) == len(docs)
    kinds = {p["kind"] for p in truth["pairs"]}
    assert kinds == set(planted.KINDS)
    for p in truth["pairs"]:
        src, der = by_id[p["source"]], by_id[p["derived"]]
        s, e = p["source_span"]
        ds, de = p["derived_span"]
        a, b = src["text"][s:e], der["text"][ds:de]
        assert a.strip() == a and b.strip() == b and a and b
        assert der["date"] > src["date"]
        assert src["outlet"] == "Reuters" and der["outlet"] != "Reuters"
        if p["kind"] == "verbatim":
            assert a == b
        elif p["kind"] == "near-verbatim":
            assert a != b
            assert p["info"]["edits"] <= max(1, len(a.split()) // 10)
        elif p["kind"] == "quoted":
            assert der["text"][ds - 1] == '"' and der["text"][de : de + 2] == ',"'
            assert b.split() == a.replace('"', "'").rstrip(".").split()
        else:  # spun: different words, about the same sentences
            shared = len(_words(a) & _words(b)) / len(_words(a))
            assert shared < 0.8, (shared, a, b)
            n_a, n_b = len(planted.sentence_spans(a)), len(planted.sentence_spans(b))
            assert abs(n_a - n_b) <= 1
    assert truth["generator"]["synonyms"]
    assert len(truth["controls"]) > 0
    for c in truth["controls"]:  # same topic, no reuse
        assert c["a"] in by_id and c["b"] in by_id
        assert not planted.shingles(by_id[c["a"]]["text"]) & planted.shingles(by_id[c["b"]]["text"])


def test_planted_deterministic() -> None:
    a = planted.generate(_stories(), n_sources=6, per_kind=2, seed=11)
    b = planted.generate(_stories(), n_sources=6, per_kind=2, seed=11)
    c = planted.generate(_stories(), n_sources=6, per_kind=2, seed=12)
    assert a == b
    assert a != c


def test_scale_corpus_small() -> None:
    docs, truth = planted.build_scale(_stories(), 200, seed=3)
    assert len(docs) == 200 == len({d["id"] for d in docs})
    assert len(truth["pairs"]) == 10
    by_id = {d["id"]: d for d in docs}
    for p in truth["pairs"]:
        s, e = p["source_span"]
        assert by_id[p["source"]]["text"][s:e]


# --- scan_eval on a tiny hand-made case ---------------------------------------------------


def _truth() -> dict[str, Any]:
    def rec(src: str, der: str, kind: str, ss: list[int], ds: list[int]) -> dict[str, Any]:
        return {
            "source": src,
            "derived": der,
            "kind": kind,
            "origin": "planted",
            "source_span": ss,
            "derived_span": ds,
            "passages": [{"source_span": ss, "derived_span": ds}],
        }

    return {
        "pairs": [
            rec("A", "D1", "verbatim", [0, 10], [5, 15]),
            rec("A", "D2", "spun", [0, 10], [0, 8]),
            rec("B", "D3", "quoted", [0, 20], [10, 30]),
        ],
        "controls": [{"a": "B", "b": "E", "topic": "grain"}],
    }


def _pred(src: str, der: str, *spans: tuple[list[int], list[int]]) -> dict[str, Any]:
    return {
        "source": src,
        "derived": der,
        "passages": [{"source_span": s, "derived_span": d, "kind": "x"} for s, d in spans],
    }


def test_scan_eval_hand_case() -> None:
    pairs = [
        _pred("A", "D1", ([0, 10], [5, 15])),  # exact
        # Right pair, wrong way round: D2 [0, 4] is the derived side, A [2, 12] the source.
        _pred("D2", "A", ([0, 4], [2, 12])),
        _pred("D1", "D2", ([5, 15], [0, 8])),  # sibling: both copy A [0, 10]
        _pred("C", "D4", ([0, 5], [0, 5])),  # false
        _pred("B", "E", ([0, 5], [0, 5])),  # false, on a control
    ]  # B–D3 (quoted) missed
    r = scan_eval.evaluate(pairs, _truth())
    assert r["predicted_pairs"] == 5
    assert r["matched"] == 2
    assert r["siblings"] == 1
    assert r["false_positives"] == 2
    assert r["control_false_positives"] == 1
    assert r["pair_recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert r["pair_precision"] == pytest.approx(2 / 4)  # siblings leave the denominator
    assert r["direction_accuracy"] == pytest.approx(1 / 2)
    k = r["per_kind"]
    assert k["verbatim"]["recall"] == 1.0
    assert k["verbatim"]["chars"]["all"]["derived"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert k["quoted"]["recall"] == 0.0
    assert k["quoted"]["chars"]["all"]["derived"]["recall"] == 0.0
    assert k["quoted"]["chars"]["all"]["derived"]["precision"] is None
    spun = k["spun"]
    assert spun["direction_accuracy"] == 0.0
    # Derived side (D2): predicted [0, 4] of truth [0, 8]: P 1, R 0.5, F1 2/3.
    assert spun["chars"]["all"]["derived"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667}
    # Source side (A): predicted [2, 12] against truth [0, 10]: 8 shared, P 0.8, R 0.8.
    assert spun["chars"]["all"]["source"] == {"precision": 0.8, "recall": 0.8, "f1": 0.8}


def test_scan_eval_merges_overlapping_passages() -> None:
    pairs = [_pred("A", "D1", ([0, 6], [5, 11]), ([4, 10], [9, 15]), ([50, 60], [40, 50]))]
    r = scan_eval.evaluate(pairs, _truth())
    d = r["per_kind"]["verbatim"]["chars"]["all"]["derived"]
    # Union [5, 15] + [40, 50]: 20 predicted characters, the 10 true ones all found.
    assert d == {"precision": 0.5, "recall": 1.0, "f1": 0.6667}
