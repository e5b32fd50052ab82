"""Smoke tests of the benchmark scripts: each core function on a tiny input.

They check that a run completes and its result is complete and in range; they assert
nothing about speed or quality (that is what the benchmarks themselves report).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from .conftest import ROOT, SHARED_DATA, corpus

BENCHMARKS = ROOT / "benchmarks"


def _load(name: str) -> ModuleType:
    """Import ``benchmarks/<name>.py`` (the folder is not a package)."""
    if name in sys.modules:
        return sys.modules[name]
    if str(BENCHMARKS) not in sys.path:  # the scripts import their shared helpers
        sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def _in_unit(x: Any) -> bool:
    return x is None or 0.0 <= x <= 1.0


# --- clough_stevenson ---------------------------------------------------------------------

CLOUGH_FILES = ("g0pA_taska.txt", "g0pA_taskb.txt", "g0pA_taskd.txt")  # non, cut, heavy


def test_clough_stevenson_smoke(tmp_path: Path) -> None:
    corpus("clough-stevenson-short-answers")
    cs = _load("clough_stevenson")
    result = cs.run(SHARED_DATA, modes=("lexical", "static"), files=CLOUGH_FILES)
    assert result is not None
    assert result["n_answers"] == 3
    assert set(result["modes"]) == {"lexical", "static"}
    for mode in result["modes"].values():
        assert mode["wall_seconds"] >= 0 and mode["model_load_seconds"] >= 0
        records = mode["records"]
        assert [r["file"] for r in records] == list(CLOUGH_FILES)
        for r in records:
            assert r["category"] in cs.CATEGORIES
            assert r["derivation"] in cs.LEVELS
            assert 0.0 <= r["answer_coverage"] <= 1.0
            assert 0.0 <= r["source_coverage"] <= 1.0
            assert r["answer_role"] in {"derived", "source", None}
            assert set(r["kinds"]) <= set(cs.KINDS)
        s = mode["summary"]
        assert s["n"] == 3
        assert set(s["per_category"]) == set(cs.CATEGORIES)
        assert sum(c["n"] for c in s["per_category"].values()) == 3
        for c in s["per_category"].values():
            assert sum(c["derivation"].values()) == c["n"]
            assert _in_unit(c["answer_coverage_mean"]) and _in_unit(c["source_coverage_mean"])
        assert sum(sum(row.values()) for row in s["confusion"].values()) == 3
        b = s["binary"]
        assert b["tp"] + b["fp"] + b["fn"] + b["tn"] == 3
        assert all(_in_unit(b[k]) for k in ("accuracy", "precision", "recall", "f1"))
        assert _in_unit(s["meter_3way_accuracy"])
        rho = s["spearman"]["rho"]
        assert rho is None or -1.0 <= rho <= 1.0
    base = result["baseline"]
    assert set(base["scores"]) == set(CLOUGH_FILES)
    assert all(0.0 <= v <= 1.0 for v in base["scores"].values())
    assert _in_unit(base["binary_best_threshold"]["accuracy"])

    json_path, md_path = cs.write(result, tmp_path)
    assert json.loads(json_path.read_text())["n_answers"] == 3
    assert "| lexical |" in md_path.read_text()


def test_trigram_containment() -> None:
    cs = _load("clough_stevenson")
    assert cs.trigram_containment("a b c d", "x a b c d y") == 1.0
    assert cs.trigram_containment("a b c d", "d c b a") == 0.0
    assert cs.trigram_containment("a b", "a b c") == 0.0  # no trigram at all


def test_best_threshold_and_binary() -> None:
    cs = _load("clough_stevenson")
    assert cs.best_threshold([0.1, 0.2, 0.8, 0.9], [False, False, True, True])["accuracy"] == 1.0
    b = cs.binary_scores([True, True, False, False], [True, False, True, False])
    assert (b["tp"], b["fp"], b["fn"], b["tn"]) == (1, 1, 1, 1)
    assert b["accuracy"] == b["precision"] == b["recall"] == 0.5


def test_clough_stevenson_skips_without_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cs = _load("clough_stevenson")
    assert cs.main(["--data", str(tmp_path), "--out", str(tmp_path / "out")]) == 0
    assert "SKIPPED" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()


# --- speed_compare ------------------------------------------------------------------------


def test_speed_compare_smoke(tmp_path: Path) -> None:
    corpus("reuters21578")
    sc = _load("speed_compare")
    result = sc.run(
        SHARED_DATA, n_words=300, runs=1, modes=("lexical", "static"), measure_load=False
    )
    assert result is not None
    d = result["documents"]
    for key in ("a_words", "b_words", "c_words"):
        assert 250 <= d[key] <= 450
    assert 0.0 < d["b_reused_share"] < 1.0
    assert set(result["compare"]) == {"lexical", "static"}
    for r in result["compare"].values():
        for pair in ("reuse_pair", "unrelated_pair"):
            t = r[pair]
            assert 0.0 < t["min"] <= t["median"] <= t["max"]
            assert len(t["runs"]) == 1
        assert isinstance(r["meets_target"], bool)
        q = r["quality_reuse_pair"]
        assert q["pairs"] == 1  # B copies from A: something is found
        assert 0.0 <= q["b_coverage"] <= 1.0 and 0.0 <= q["planted_recall"] <= 1.0
    for b in result["breakdown"].values():
        stages = b["stages"]
        assert set(stages) == {"fingerprint", "embed", "align", "classify", "direction", "total"}
        assert all(s["min"] >= 0.0 for s in stages.values())
    assert result["machine"]["nproc"] >= 1 and result["machine"]["python"]
    json_path, md_path = sc.write(result, tmp_path)
    assert json.loads(json_path.read_text())["runs"] == 1
    assert "| static |" in md_path.read_text()


def test_spin_and_reorder() -> None:
    import random

    sc = _load("speed_compare")
    # Content words: company prices rose shares fell Monday ("said" is a stopword here);
    # the 3rd (rose) is replaced, the 6th (Monday) has no synonym and nothing follows it.
    text, content, replaced = sc.spin("The company said prices rose and shares fell on Monday.")
    assert (content, replaced) == (6, 1)
    assert text == "The company said prices climbed and shares fell on Monday."
    paras = ["One sentence here. Two sentences here.", "Three is here."]
    out = sc.reorder(paras, random.Random(1))
    assert len(out) == 2 and out != paras
    assert sorted(" ".join(out).split()) == sorted(" ".join(paras).split())


def test_speed_compare_skips_without_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sc = _load("speed_compare")
    assert sc.main(["--data", str(tmp_path), "--out", str(tmp_path / "out")]) == 0
    assert "SKIPPED" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()


# --- quality gates: what improves PAN must not worsen the other corpora -------------------


@pytest.mark.slow
@pytest.mark.corpus
def test_clough_stevenson_quality_floor() -> None:
    """The whole Clough & Stevenson run (about 2 s): independent answers stay apart from
    copied and revised ones. Floors sit a little under the committed figures."""
    corpus("clough-stevenson-short-answers")
    cs = _load("clough_stevenson")
    result = cs.run(SHARED_DATA, modes=("static",))
    summary = result["modes"]["static"]["summary"]
    assert summary["binary"]["accuracy"] >= 0.88
    assert summary["spearman"]["rho"] >= 0.70
    non = summary["per_category"]["non"]
    assert non["answer_coverage_mean"] <= 0.08


@pytest.mark.slow
@pytest.mark.corpus
def test_pan13_sample_quality_floor(tmp_path: Path) -> None:
    """The first 25 pairs of each PAN folder (about 10 s): plagdet floors a little under
    what the full benchmark measures, so a change that breaks one obfuscation type fails."""
    corpus("pan13-text-alignment-training")
    pan = _load("pan13")
    from unspin.config import Config

    result = pan.run(
        SHARED_DATA / "pan13-text-alignment-training",
        config=Config(),
        workers=2,
        limit=25,
        out=tmp_path / "det",
    )
    folders = result["scores"]["by_folder"]
    assert folders["01-no-plagiarism"]["detections"] <= 3
    assert folders["02-no-obfuscation"]["plagdet"] >= 0.94
    assert folders["03-random-obfuscation"]["plagdet"] >= 0.86
    assert folders["04-translation-obfuscation"]["plagdet"] >= 0.80
    assert folders["05-summary-obfuscation"]["plagdet"] >= 0.95
    assert result["scores"]["overall"]["plagdet"] >= 0.86
