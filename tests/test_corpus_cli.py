"""``unspin check`` and ``unspin scan``: library results, the files written, the failures."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from unspin.config import Config, EmbedConfig
from unspin.corpus import check, index_paths
from unspin.ingest import load_document

from .conftest import SEED_DERIVED, SEED_SOURCE, corpus
from .test_benchmarks import _load
from .test_corpus import B_OWN, C_OWN, UNRELATED, seed_folder
from .test_index import _unspin

LEXICAL = Config(embed=EmbedConfig(enabled=False))
PAIR_KEYS = {
    "source",
    "derived",
    "direction",
    "derivation",
    "source_coverage",
    "derived_coverage",
    "passages",
}
PASSAGE_KEYS = {"source_span", "derived_span", "kind", "similarity"}


def _lines(stderr: str) -> list[str]:
    return [x for x in stderr.splitlines() if x.strip()]


def _source_index(tmp_path: Path, *, model: bool = True) -> Path:
    """An index of the seed source and the unrelated stories (not the derived document)."""
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(SEED_SOURCE, folder / SEED_SOURCE.name)
    for i, text in enumerate(UNRELATED):
        (folder / f"u{i}.txt").write_text(text, encoding="utf-8")
    db = tmp_path / "i.db"
    index_paths([folder], db, config=Config() if model else LEXICAL)
    return db


# -- check --------------------------------------------------------------------------------


def test_check_finds_the_source_of_the_seed_derived_document(tmp_path: Path) -> None:
    db = _source_index(tmp_path)
    doc = load_document(SEED_DERIVED)
    result = check(doc, db)
    (pair,) = result.comparison.pairs
    assert Path(pair.source.id).name == SEED_SOURCE.name
    assert pair.derived.id == doc.id
    assert pair.direction.method == "date"
    assert result.candidates >= 1
    led = result.ledger
    assert led.document == doc.id
    assert [Path(e.source).name for e in led.entries] == [SEED_SOURCE.name]
    assert led.borrowed_share > 0.3
    assert led.borrowed_share == pytest.approx(pair.derived_coverage, abs=0.01)
    assert result.comparison.documents[0] is doc


def test_check_of_an_indexed_document_does_not_report_itself(tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    folder = seed_folder(tmp_path / "docs")
    index_paths([folder], db, config=LEXICAL)
    doc = load_document(folder / SEED_DERIVED.name)
    result = check(doc, db, config=LEXICAL)
    (pair,) = result.comparison.pairs
    assert pair.derived is doc
    assert Path(pair.source.id).name == SEED_SOURCE.name
    assert pair.source.path != doc.path
    # The source document, checked, is nobody's copy: it is the source of the derived one.
    src = load_document(folder / SEED_SOURCE.name)
    result = check(src, db, config=LEXICAL)
    (pair,) = result.comparison.pairs
    assert pair.source is src and Path(pair.derived.id).name == SEED_DERIVED.name
    assert result.ledger.borrowed_share == 0.0 and result.ledger.entries == ()


def test_check_of_a_verbatim_copy_at_another_path_reports_the_original(tmp_path: Path) -> None:
    db = _source_index(tmp_path, model=False)
    copy = tmp_path / "republished.txt"
    shutil.copy(SEED_SOURCE, copy)
    result = check(load_document(copy), db, config=LEXICAL)
    names = {Path(d.id).name for p in result.comparison.pairs for d in (p.source, p.derived)}
    assert SEED_SOURCE.name in names


def test_check_json_to_stdout_has_the_compare_schema_and_the_ledger(tmp_path: Path) -> None:
    db = _source_index(tmp_path)
    proc = _unspin("check", str(SEED_DERIVED), "--db", str(db), "--json", "-")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)  # nothing but the JSON on stdout
    assert {"unspin_version", "documents", "pairs", "ledger"} <= set(data)
    assert data["documents"][0]["id"] == SEED_DERIVED.name
    (pair,) = data["pairs"]
    assert set(pair) == PAIR_KEYS
    assert Path(pair["source"]).name == SEED_SOURCE.name
    assert pair["passages"] and all(set(p) == PASSAGE_KEYS for p in pair["passages"])
    ledger = data["ledger"]
    assert ledger["document"] == SEED_DERIVED.name
    assert ledger["borrowed_share"] > 0.3
    assert ledger["borrowed_share"] + ledger["original_share"] == pytest.approx(1.0, abs=1e-3)
    assert [Path(s["source"]).name for s in ledger["sources"]] == [SEED_SOURCE.name]
    # The terminal summary went to stderr.
    assert "borrowed" in proc.stderr


def test_check_writes_json_and_html_files(tmp_path: Path) -> None:
    db = _source_index(tmp_path, model=False)
    out_json, out_html = tmp_path / "out" / "r.json", tmp_path / "out" / "r.html"
    out_json.parent.mkdir()
    proc = _unspin(
        "check", str(SEED_DERIVED), "--db", str(db), "--no-model",
        "--json", str(out_json), "--html", str(out_html),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "borrowed" in proc.stdout
    assert json.loads(out_json.read_text(encoding="utf-8"))["ledger"]["sources"]
    page = out_html.read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html")
    assert SEED_SOURCE.name in page and SEED_DERIVED.name in page
    assert 'id="ledger"' in page and "Borrowing ledger" in page


def test_check_against_a_missing_index_is_one_line_and_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "missing.db"
    proc = _unspin("check", str(SEED_DERIVED), "--db", str(db), "--json", "-")
    assert proc.returncode == 2
    assert proc.stdout == ""
    (line,) = _lines(proc.stderr)
    assert str(db) in line and "no such index" in line
    assert not db.exists()


# -- scan ---------------------------------------------------------------------------------


def _scanned(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(folder, db, out) after ``index add`` and ``scan`` of the seed pair and more."""
    folder = seed_folder(tmp_path / "docs")
    with (folder / "wire.jsonl").open("w", encoding="utf-8") as f:
        for i, text in enumerate((B_OWN[0], C_OWN[1])):
            f.write(json.dumps({"id": f"wire-{i}", "text": text}) + "\n")
    db, out = tmp_path / "i.db", tmp_path / "out"
    proc = _unspin("index", "add", str(folder), "--db", str(db), "--no-model", "-q")
    assert proc.returncode == 0, proc.stderr
    proc = _unspin("scan", "--out", str(out), "--db", str(db), "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    assert "1 reuse pairs" in proc.stderr
    return folder, db, out


def _pairs(out: Path) -> list[dict[str, Any]]:
    text = (out / "pairs.jsonl").read_text(encoding="utf-8")
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_scan_writes_pairs_whose_spans_slice_the_files(tmp_path: Path) -> None:
    folder, _db, out = _scanned(tmp_path)
    (pair,) = _pairs(out)
    assert set(pair) == PAIR_KEYS | {"source_path", "derived_path"}
    assert pair["source_path"] == str(folder / SEED_SOURCE.name)
    assert pair["derived_path"] == str(folder / SEED_DERIVED.name)
    assert pair["direction"]["method"] == "date"
    source = Path(pair["source_path"]).read_text(encoding="utf-8")
    derived = Path(pair["derived_path"]).read_text(encoding="utf-8")
    assert pair["passages"]
    for p in pair["passages"]:
        assert set(p) == PASSAGE_KEYS
        for (s, e), text in ((p["source_span"], source), (p["derived_span"], derived)):
            assert 0 <= s < e <= len(text)
            assert text[s:e].strip()
            # Spans start and end on words, not inside them.
            assert text[s].isalnum() or text[s] in "\"“'‘("
        if p["kind"] == "verbatim":
            a = source[slice(*p["source_span"])]
            b = derived[slice(*p["derived_span"])]
            assert a.split()[:3] == b.split()[:3]
    # The verbatim part of the quotation is inside one passage, on both sides.
    quote = "that has been forcing companies to install backdoors and obtaining user data"
    at_source, at_derived = source.find(quote), derived.find(quote)
    assert at_source >= 0 and at_derived >= 0
    assert any(
        p["source_span"][0] <= at_source < p["source_span"][1]
        and p["derived_span"][0] <= at_derived < p["derived_span"][1]
        for p in pair["passages"]
    )


def test_scan_stores_its_pairs_in_the_index_for_browsing_tools(tmp_path: Path) -> None:
    from unspin.index import Index

    _folder, db, out = _scanned(tmp_path)
    lines = _pairs(out)
    with Index(db, read_only=True) as index:
        rows = index.con.execute("SELECT source, derived, family, pair FROM results").fetchall()
    assert [(r[0], r[1]) for r in rows] == [(p["source"], p["derived"]) for p in lines]
    assert [json.loads(r[3]) for r in rows] == lines
    assert rows[0][2] == 1


def test_scan_writes_the_ledger_with_one_row_per_document(tmp_path: Path) -> None:
    folder, _db, out = _scanned(tmp_path)
    with (out / "documents.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["id", "path", "sources", "borrowed_share", "original_share", "family"]
    body = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert len(body) == 2 + len(UNRELATED) + 2
    assert len({r["path"] for r in body}) == len(body)
    assert {r["path"] for r in body} >= {f"{folder / 'wire.jsonl'}#1", f"{folder / 'wire.jsonl'}#2"}
    by_path = {Path(r["path"]).name: r for r in body}
    derived, source = by_path[SEED_DERIVED.name], by_path[SEED_SOURCE.name]
    (pair,) = _pairs(out)
    assert derived["sources"] == pair["source"]
    assert float(derived["borrowed_share"]) == pytest.approx(pair["derived_coverage"], abs=1e-3)
    assert float(derived["borrowed_share"]) + float(derived["original_share"]) == pytest.approx(1)
    assert derived["family"] == source["family"] == "1"
    assert (source["sources"], source["borrowed_share"], source["original_share"]) == (
        "",
        "0.0000",
        "1.0000",
    )
    others = [r for name, r in by_path.items() if name not in (SEED_SOURCE.name, SEED_DERIVED.name)]
    assert all(r["family"] == "" and r["sources"] == "" for r in others)


def test_scan_index_html_links_to_every_pair_page(tmp_path: Path) -> None:
    _folder, _db, out = _scanned(tmp_path)
    page = (out / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="(pairs/\d{6}\.html)"', page)
    assert links and sorted(set(links)) == ["pairs/000001.html"]
    assert sorted(p.name for p in (out / "pairs").iterdir()) == ["000001.html"]
    pair_page = (out / links[0]).read_text(encoding="utf-8")
    assert SEED_SOURCE.name in pair_page and SEED_DERIVED.name in pair_page


def test_scan_no_html_writes_only_the_data_files(tmp_path: Path) -> None:
    folder = seed_folder(tmp_path / "docs")
    db, out = tmp_path / "i.db", tmp_path / "out"
    index_paths([folder], db, config=LEXICAL)
    proc = _unspin("scan", "--out", str(out), "--db", str(db), "--workers", "1", "--no-html", "-q")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert not (out / "index.html").exists()
    assert list((out / "pairs").glob("*.html")) == []
    assert len(_pairs(out)) == 1


def test_scan_into_a_path_under_a_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    folder = seed_folder(tmp_path / "docs")
    db = tmp_path / "i.db"
    index_paths([folder], db, config=LEXICAL)
    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    out = blocker / "out"
    proc = _unspin("scan", "--out", str(out), "--db", str(db), "--workers", "1")
    assert proc.returncode == 2
    (line,) = _lines(proc.stderr)
    assert line.startswith("unspin: error: ") and str(out) in line
    assert "Traceback" not in proc.stderr
    assert blocker.read_text(encoding="utf-8") == "x"


def test_a_failed_scan_leaves_earlier_results_alone(tmp_path: Path) -> None:
    _folder, _db, out = _scanned(tmp_path)
    files = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    stamps = {p: p.stat().st_mtime_ns for p in files}
    missing = tmp_path / "gone.db"
    proc = _unspin("scan", "--out", str(out), "--db", str(missing), "--workers", "1")
    assert proc.returncode == 2
    (line,) = _lines(proc.stderr)
    assert str(missing) in line and "no such index" in line
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == files
    assert {p: p.stat().st_mtime_ns for p in files} == stamps
    # ... and a scan that fails creates no output folder either.
    fresh = tmp_path / "fresh"
    proc = _unspin("scan", "--out", str(fresh), "--db", str(missing), "--workers", "1")
    assert proc.returncode == 2 and not fresh.exists() and not missing.exists()


def test_scan_of_a_file_that_is_not_an_index_is_one_line_and_exit_2(tmp_path: Path) -> None:
    proc = _unspin("scan", "--out", str(tmp_path / "out"), "--db", str(SEED_SOURCE))
    assert proc.returncode == 2
    (line,) = _lines(proc.stderr)
    assert str(SEED_SOURCE) in line and "Traceback" not in proc.stderr


# -- planted quality smoke ----------------------------------------------------------------


@pytest.mark.slow
def test_planted_reuters_corpus_is_found_with_the_right_direction(tmp_path: Path) -> None:
    root = corpus("reuters21578")
    reuters, planted, scan_eval = _load("reuters"), _load("planted"), _load("scan_eval")
    stories = reuters.load_stories(root)
    docs, truth = planted.generate(stories, n_sources=30, per_kind=10, seed=11, n_fillers=70)
    assert 140 <= len(docs) <= 160
    planted.write(tmp_path / "planted", docs, truth)
    db, out = tmp_path / "i.db", tmp_path / "out"
    proc = _unspin(
        "index", "add", str(tmp_path / "planted" / "corpus.jsonl"), "--db", str(db), "-q"
    )
    assert proc.returncode == 0, proc.stderr
    proc = _unspin("scan", "--out", str(out), "--db", str(db), "--workers", "2", "--no-html", "-q")
    assert proc.returncode == 0, proc.stderr
    result = scan_eval.evaluate(scan_eval.load_pairs(out / "pairs.jsonl"), truth)
    summary = {k: v for k, v in result.items() if k != "per_kind"}
    assert result["pair_recall"] >= 0.85, summary
    assert result["pair_precision"] >= 0.8, summary
    assert result["direction_accuracy"] == 1.0, summary
    assert result["control_false_positives"] == 0, summary
    for kind, scores in result["per_kind"].items():
        assert scores["found"] >= 1, (kind, scores)
