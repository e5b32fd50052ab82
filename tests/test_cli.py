"""The ``unspin compare`` command: outputs, batch mode and one-line errors with exit 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unspin import embed
from unspin.cli import app

from .conftest import SEED_DERIVED, SEED_SOURCE

runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_compare_seed_pair_json_to_stdout_and_html(tmp_path: Path) -> None:
    html = tmp_path / "r.html"
    code, out, _ = _run(
        "compare", str(SEED_SOURCE), str(SEED_DERIVED), "--json", "-", "--html", str(html)
    )
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"unspin_version", "documents", "pairs"}
    assert [d["id"] for d in data["documents"]] == [SEED_SOURCE.name, SEED_DERIVED.name]
    assert data["documents"][0]["date"] == "2021-07-06"
    (pair,) = data["pairs"]
    assert pair["source"] == SEED_SOURCE.name
    assert {p["kind"] for p in pair["passages"]} >= {"shared-quote", "altered-quote", "paraphrase"}
    page = html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") or page.lstrip().lower().startswith("<!doctype html>")
    assert "Eire" in page


def test_summary_names_direction_and_coverage() -> None:
    code, out, _ = _run("compare", str(SEED_SOURCE), str(SEED_DERIVED))
    assert code == 0
    assert "2021-07-06" in out
    assert "%" in out


def test_no_reuse_gives_empty_pairs(tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    b = tmp_path / "b.txt"
    a.write_text(
        "The council approved the budget for road repairs on Tuesday after a long debate.\n"
    )
    b.write_text("Heavy snow closed several mountain passes, and skiers were told to stay home.\n")
    code, out, _ = _run("compare", str(a), str(b), "--json", "-")
    assert code == 0
    assert json.loads(out)["pairs"] == []


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    binary = tmp_path / "image.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    undecodable = tmp_path / "bytes.txt"
    undecodable.write_bytes(b"Hello world, " + bytes(range(0x80, 0x100)) + b" and more.")
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as f:
        f.truncate(200 * 1024 * 1024)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"text": "unclosed')
    bad_html = tmp_path / "bad.html"
    bad_html.write_text("<html><body><script>var x = 1;</script></body></html>")
    return {
        "missing": (tmp_path / "nope.txt", "no such file"),
        "binary": (binary, "binary"),
        "empty": (empty, "empty"),
        "undecodable": (undecodable, "decode"),
        "huge": (huge, "MB"),
        "json": (bad_json, "JSON"),
        "html": (bad_html, "HTML"),
    }


@pytest.mark.parametrize(
    "case", ["missing", "binary", "empty", "undecodable", "huge", "json", "html"]
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path: Path, case: str) -> None:
    path, problem = _bad_inputs(tmp_path)[case]
    html = tmp_path / "keep.html"
    html.write_text("earlier report")
    code, out, err = _run("compare", str(SEED_SOURCE), str(path), "--html", str(html))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert str(path) in lines[0] and problem.lower() in lines[0].lower()
    assert "Traceback" not in err + out
    # An earlier report at the output path is untouched.
    assert html.read_text() == "earlier report"


def test_usage_errors_exit_2() -> None:
    code, _, err = _run("compare", str(SEED_SOURCE))
    assert code == 2 and "two documents" in err


def test_batch_mode_writes_good_pairs_and_reports_bad_ones(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEED_SOURCE, docs / "a.txt")
    shutil.copy(SEED_DERIVED, docs / "b.txt")
    pairs = tmp_path / "pairs.txt"
    pairs.write_text(
        "docs/a.txt\tdocs/b.txt\n# a comment\n"
        "docs/a.txt docs/missing.txt\n\ndocs/b.txt docs/a.txt\n"
    )
    out = tmp_path / "out.jsonl"
    code, _, err = _run("compare", "--pairs", str(pairs), "--jsonl", str(out))
    assert code == 2
    assert "missing.txt" in err and "no such file" in err
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 2
    # Direction does not depend on argument order.
    assert all(r["pairs"][0]["source"] == "a.txt" for r in lines)


def test_malformed_pairs_file(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("only-one-path.txt\n")
    code, _, err = _run("compare", "--pairs", str(pairs), "--jsonl", str(tmp_path / "o.jsonl"))
    assert code == 2 and f"{pairs}:1" in err and "two paths" in err


def test_unloadable_model_warns_and_aligns_lexically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "data"
    broken.mkdir()
    monkeypatch.setattr(embed, "DATA_DIR", broken)
    embed.clear_cache()
    try:
        with pytest.warns(RuntimeWarning, match="aligning lexically"):
            code, out, _ = _run("compare", str(SEED_SOURCE), str(SEED_DERIVED), "--json", "-")
    finally:
        embed.clear_cache()
    assert code == 0
    assert json.loads(out)["pairs"][0]["passages"]


def test_unwritable_output_is_one_line_exit_2(tmp_path: Path) -> None:
    target = tmp_path / "no-such-dir" / "report.html"
    code, _, err = _run("compare", str(SEED_SOURCE), str(SEED_DERIVED), "--html", str(target))
    assert code == 2
    (line,) = err.strip().splitlines()
    assert str(target) in line and "cannot write" in line
    assert not target.parent.exists()


def test_documents_too_long_to_compare_whole_are_refused(tmp_path: Path) -> None:
    # 8,000 sentences each: 64 million sentence pairs, over the default limit.
    text = "".join(f"Sentence number {k} says little. " for k in range(8000))
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(text)
    b.write_text(text)
    code, _, err = _run("compare", str(a), str(b), "--no-model")
    assert code == 2
    (line,) = err.strip().splitlines()
    assert "a.txt vs b.txt" in line and "too long" in line
