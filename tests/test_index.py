"""The DuckDB index: adding, replacing, skipping, refusing, and surviving interruption."""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from unspin.config import Config, EmbedConfig, IndexConfig
from unspin.corpus import index_paths, scan
from unspin.embed import load_embedder
from unspin.errors import ConfigError, InputError
from unspin.index import AddSummary, Index
from unspin.records import Document

from .conftest import ROOT, SEED_DERIVED, SEED_SOURCE
from .test_corpus import UNRELATED

LEXICAL = Config(embed=EmbedConfig(enabled=False))
STATIC = Config()
CHILD_TABLES = ("postings", "minhash", "sentences", "embeddings")


def _folder(root: Path) -> Path:
    """The seed pair, two more text files and a JSON Lines file of three records."""
    folder = root / "docs"
    folder.mkdir(parents=True)
    shutil.copy(SEED_SOURCE, folder / SEED_SOURCE.name)
    shutil.copy(SEED_DERIVED, folder / SEED_DERIVED.name)
    (folder / "u0.txt").write_text(UNRELATED[0], encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "u1.txt").write_text(UNRELATED[1], encoding="utf-8")
    with (folder / "more.jsonl").open("w", encoding="utf-8") as f:
        for i, text in enumerate(UNRELATED[2:5]):
            f.write(json.dumps({"id": f"rec-{i}", "text": text, "date": "2024-01-0" + str(i + 1)}))
            f.write("\n")
    return folder


N_DOCS = 7


def _rows(db: Path, table: str, doc_id: int) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return int(
            con.execute(f"SELECT count(*) FROM {table} WHERE doc_id = ?", [doc_id]).fetchall()[0][0]
        )
    finally:
        con.close()


def _query(db: Path, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _orphans(db: Path) -> int:
    return sum(
        int(
            _query(
                db, f"SELECT count(*) FROM {t} WHERE doc_id NOT IN (SELECT doc_id FROM documents)"
            )[0][0]
        )
        for t in CHILD_TABLES
    )


def test_add_a_folder_then_again_unchanged(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    db = tmp_path / "i.db"
    first = index_paths([folder], db, config=LEXICAL)
    assert (first.added, first.replaced, first.unchanged, first.skipped) == (N_DOCS, 0, 0, [])
    assert first.seen == N_DOCS
    with Index(db, read_only=True) as index:
        assert index.count() == N_DOCS
        assert index.model is None
        stored = {s.document.path: s for s in index.documents()}
    keys = {row[0] for row in _query(db, "SELECT key FROM documents")}
    assert keys == {str(folder / SEED_SOURCE.name), str(folder / SEED_DERIVED.name),
                    str(folder / "u0.txt"), str(folder / "sub" / "u1.txt"),
                    *(f"{folder / 'more.jsonl'}#{n}" for n in (1, 2, 3))}  # fmt: skip
    src = stored[str(folder / SEED_SOURCE.name)].document
    assert src.text == SEED_SOURCE.read_text(encoding="utf-8").removeprefix("\ufeff")
    assert str(src.date) == "2021-07-06"
    assert stored[f"{folder / 'more.jsonl'}#1"].document.id == "rec-0"
    for s in stored.values():
        for table in ("postings", "minhash", "sentences"):
            assert _rows(db, table, s.doc_id) > 0, (table, s.document.id)
        assert _rows(db, "embeddings", s.doc_id) == 0  # built without a model

    again = index_paths([folder], db, config=LEXICAL)
    assert (again.added, again.replaced, again.unchanged) == (0, 0, N_DOCS)
    assert _query(db, "SELECT count(*), max(doc_id) FROM documents") == [
        (N_DOCS, max(s.doc_id for s in stored.values()))
    ]


def test_a_changed_file_is_replaced_and_its_old_rows_are_gone(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    db = tmp_path / "i.db"
    embedder = load_embedder(EmbedConfig())
    assert embedder is not None
    index_paths([folder], db, config=STATIC, embedder=embedder)
    key = str(folder / SEED_DERIVED.name)
    (old_id,) = _query(db, "SELECT doc_id FROM documents WHERE key = ?", [key])[0]
    assert isinstance(old_id, int)
    before = {t: _rows(db, t, old_id) for t in CHILD_TABLES}
    assert all(n > 0 for n in before.values()), before
    totals = {t: _query(db, f"SELECT count(*) FROM {t}")[0][0] for t in CHILD_TABLES}

    changed = SEED_DERIVED.read_text(encoding="utf-8") + "\nA closing line the editor added.\n"
    (folder / SEED_DERIVED.name).write_text(changed, encoding="utf-8")
    summary = index_paths([folder], db, config=STATIC, embedder=embedder)
    assert (summary.added, summary.replaced, summary.unchanged) == (0, 1, N_DOCS - 1)

    assert _rows(db, "documents", old_id) == 0
    assert {t: _rows(db, t, old_id) for t in CHILD_TABLES} == dict.fromkeys(CHILD_TABLES, 0)
    ((new_id, text),) = _query(db, "SELECT doc_id, text FROM documents WHERE key = ?", [key])
    assert new_id != old_id and text == changed
    after = {t: _rows(db, t, new_id) for t in CHILD_TABLES}
    assert all(n > 0 for n in after.values()), after
    assert _orphans(db) == 0
    # Only the replaced document's rows changed.
    for t in CHILD_TABLES:
        assert _query(db, f"SELECT count(*) FROM {t}")[0][0] == totals[t] - before[t] + after[t]
    with Index(db, read_only=True) as index:
        assert index.count() == N_DOCS
        assert index.model == "static"


def test_the_same_file_twice_in_one_run_is_stored_once(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    db = tmp_path / "i.db"
    summary = index_paths([folder, folder / "u0.txt"], db, config=LEXICAL)
    assert (summary.added, summary.unchanged) == (N_DOCS, 1)
    assert _query(db, "SELECT count(*), count(DISTINCT key) FROM documents") == [(N_DOCS, N_DOCS)]


def test_the_same_key_twice_in_one_batch_keeps_the_later_text(tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    first = Document("x", "The first text is about harbours and the ships sailing around them.")
    later = Document("x", "A second and different text about mountains, valleys and rivers.")
    with Index(db) as index:
        summary = index.add([first, later], embedder=None)
        assert summary.seen == 2
        assert index.count() == 1
        (stored,) = index.documents()
        assert stored.document.text == later.text
    assert _orphans(db) == 0


def _bad_folder(root: Path) -> Path:
    folder = root / "docs"
    folder.mkdir()
    (folder / "good.txt").write_text(UNRELATED[0], encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (folder / "scan.pdf").write_bytes(b"%PDF-1.4 not read")
    (folder / "mixed.jsonl").write_text(
        json.dumps({"id": "ok", "text": UNRELATED[1]}) + "\n{not json\n", encoding="utf-8"
    )
    return folder


def test_unreadable_inputs_are_skipped_counted_and_recorded(tmp_path: Path) -> None:
    folder = _bad_folder(tmp_path)
    db = tmp_path / "i.db"
    summary = index_paths([folder], db, config=LEXICAL)
    assert summary.added == 2
    skipped = {s.source: s.reason for s in summary.skipped}
    assert set(skipped) == {
        str(folder / "empty.txt"),
        str(folder / "binary.txt"),
        str(folder / "scan.pdf"),
        f"{folder / 'mixed.jsonl'}#2",
    }
    assert summary.seen == 2 + 4
    assert "empty" in skipped[str(folder / "empty.txt")]
    assert "'.pdf'" in skipped[str(folder / "scan.pdf")]
    assert "malformed JSON" in skipped[f"{folder / 'mixed.jsonl'}#2"]
    rows = _query(db, "SELECT source, reason, skipped_at FROM skipped ORDER BY source")
    assert {r[0]: r[1] for r in rows} == skipped
    assert all(r[1] and "\n" not in str(r[1]) and r[2] is not None for r in rows)
    with Index(db, read_only=True) as index:
        assert {s.source: s.reason for s in index.skipped()} == skipped
        assert index.count() == 2
    # A second run skips them again and keeps one row each.
    again = index_paths([folder], db, config=LEXICAL)
    assert (again.unchanged, len(again.skipped)) == (2, 4)
    assert _query(db, "SELECT count(*) FROM skipped") == [(4,)]


def test_a_skipped_input_fixed_later_is_no_longer_listed_as_skipped(tmp_path: Path) -> None:
    folder = _bad_folder(tmp_path)
    db = tmp_path / "i.db"
    index_paths([folder], db, config=LEXICAL)
    (folder / "empty.txt").write_text(UNRELATED[2], encoding="utf-8")
    summary = index_paths([folder], db, config=LEXICAL)
    assert summary.added == 1
    with Index(db, read_only=True) as index:
        assert str(folder / "empty.txt") not in {s.source for s in index.skipped()}


def test_another_model_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    db = tmp_path / "i.db"
    index_paths([folder], db, config=LEXICAL)
    (folder / "new.txt").write_text(UNRELATED[3], encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    tables = ("documents", "skipped", "meta", *CHILD_TABLES)
    counts = {t: _query(db, f"SELECT count(*) FROM {t}")[0][0] for t in tables}
    with pytest.raises(ConfigError) as err:
        index_paths([folder], db, config=STATIC)
    message = str(err.value)
    assert "\n" not in message
    assert str(db) in message and "static" in message and "--no-model" in message
    assert {t: _query(db, f"SELECT count(*) FROM {t}")[0][0] for t in tables} == counts
    assert _query(db, "SELECT value FROM meta WHERE name = 'model'") == [("",)]


def test_another_model_on_the_command_line_is_one_line_and_exit_2(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    db = tmp_path / "i.db"
    index_paths([folder], db, config=STATIC)
    (folder / "new.txt").write_text(UNRELATED[3], encoding="utf-8")
    proc = _unspin("index", "add", str(folder), "--db", str(db), "--no-model", "-q")
    assert proc.returncode == 2
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("unspin: error: ")
    assert str(db) in lines[0] and "static" in lines[0]
    assert "Traceback" not in proc.stderr
    assert _query(db, "SELECT count(*) FROM documents") == [(N_DOCS,)]


def test_other_fingerprint_settings_are_refused(tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    index_paths([_folder(tmp_path)], db, config=LEXICAL)
    with pytest.raises(ConfigError, match="shingle_n"):
        Index(db, config=IndexConfig(shingle_n=4))
    with pytest.raises(ConfigError, match="minhash"):
        Index(db, config=IndexConfig(minhash_bands=8), read_only=True)


def test_a_file_that_is_not_duckdb_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "notes.txt"
    db.write_bytes(b"my notes, not a database\n" * 50)
    before = db.read_bytes()
    for read_only in (False, True):
        with pytest.raises(InputError) as err:
            Index(db, read_only=read_only)
        assert err.value.source == str(db)
        assert "\n" not in str(err.value)
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # no WAL beside it

    proc = _unspin("index", "add", str(SEED_SOURCE), "--db", str(db), "--no-model", "-q")
    assert proc.returncode == 2
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and str(db) in lines[0] and "Traceback" not in proc.stderr
    assert db.read_bytes() == before


def test_a_duckdb_file_of_something_else_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "other.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE documents (a INTEGER)")
    con.close()
    with pytest.raises(InputError), Index(db) as index:
        index.add([Document("x", UNRELATED[0])], embedder=None)
    assert _query(db, "SELECT table_name FROM information_schema.tables") == [("documents",)]


def test_a_missing_index_opened_for_reading_says_so_and_is_not_created(tmp_path: Path) -> None:
    db = tmp_path / "missing.db"
    with pytest.raises(InputError) as err:
        Index(db, read_only=True)
    assert err.value.source == str(db)
    assert "no such index" in str(err.value) and "unspin index add" in str(err.value)
    with pytest.raises(InputError, match="no such index"):
        scan(db, config=LEXICAL)
    assert not db.exists()


def test_a_missing_input_path_is_refused_before_the_index_is_created(tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    with pytest.raises(InputError) as err:
        index_paths([SEED_SOURCE, tmp_path / "nope"], db, config=LEXICAL)
    assert err.value.source == str(tmp_path / "nope")
    assert not db.exists()


class _SignalAfterCommit:
    """A connection whose COMMIT succeeds and is then hit by Ctrl-C (as a SIGINT arriving
    while DuckDB commits is: the transaction is over when the exception reaches Python)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    def __getattr__(self, name: str) -> object:
        return getattr(self._con, name)

    def execute(self, sql: str, *args: object) -> object:
        result = self._con.execute(sql, *args)
        if sql.strip().upper() == "COMMIT":
            raise KeyboardInterrupt
        return result


def test_ctrl_c_during_commit_is_still_an_interruption(tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    with Index(db) as index:
        index.con = _SignalAfterCommit(index.con)  # type: ignore[assignment]
        with pytest.raises(KeyboardInterrupt):
            index.add([Document("x", UNRELATED[0])], embedder=None)
    with Index(db, read_only=True) as index:
        assert index.count() == 1  # the batch was committed


class _InterruptedInsert(_SignalAfterCommit):
    """A connection hit by Ctrl-C while DuckDB inserts a batch: DuckDB (2.x) then raises
    ``RuntimeError("Query interrupted")``, not ``KeyboardInterrupt``."""

    def execute(self, sql: str, *args: object) -> object:
        if sql.startswith("INSERT INTO postings"):
            raise RuntimeError("Query interrupted")
        return self._con.execute(sql, *args)


def test_ctrl_c_inside_a_duckdb_statement_exits_130(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from unspin import index as index_module
    from unspin.cli import app

    real = duckdb.connect
    monkeypatch.setattr(
        index_module.duckdb, "connect", lambda *a, **k: _InterruptedInsert(real(*a, **k))
    )
    result = CliRunner().invoke(
        app, ["index", "add", str(SEED_SOURCE), "--db", str(tmp_path / "i.db"), "--no-model"]
    )
    assert result.exit_code == 130, result.output
    assert "interrupted" in result.output
    monkeypatch.undo()
    with Index(tmp_path / "i.db", read_only=True) as index:
        assert index.count() == 0  # the batch was rolled back


# -- interruption ---------------------------------------------------------------------------

N_BULK = 3000
BATCH = IndexConfig().batch_documents


def _bulk_folder(root: Path) -> Path:
    """``N_BULK`` distinct synthetic documents in one JSON Lines file (no corpus needed)."""
    rng = random.Random(3000)
    syllables = "ba ko ri tu me sa lo ne vi du pa ge mo fi ha".split()
    vocab = ["".join(p) for p in itertools.product(syllables, repeat=3)]
    folder = root / "bulk"
    folder.mkdir()
    with (folder / "docs.jsonl").open("w", encoding="utf-8") as f:
        for i in range(N_BULK):
            sentences = [
                " ".join(rng.choice(vocab) for _ in range(rng.randint(8, 16))).capitalize() + "."
                for _ in range(10)
            ]
            f.write(json.dumps({"id": f"doc-{i:05d}", "text": " ".join(sentences)}) + "\n")
    return folder


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "unspin", *args]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env["COLUMNS"] = "200"
    return env


def _unspin(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command(*args), capture_output=True, text=True, env=_env(), timeout=300, check=False
    )


def _interrupt(db: Path, folder: Path, sig: signal.Signals) -> subprocess.Popen[str]:
    """Start ``unspin index add`` and send ``sig`` once its first batch is committed.

    The writer holds the file's lock, so the database cannot be polled; its write-ahead log
    can: a committed batch of 256 documents makes it grow by most of a megabyte, written in
    one burst, and the next batch takes a tenth of a second to prepare.
    """
    proc = subprocess.Popen(
        _command("index", "add", str(folder), "--db", str(db), "--no-model", "-q"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    wal = Path(f"{db}.wal")
    deadline = time.monotonic() + 120
    size, since = -1, time.monotonic()
    while proc.poll() is None and time.monotonic() < deadline:
        now_size = wal.stat().st_size if wal.exists() else 0
        if now_size != size:
            size, since = now_size, time.monotonic()
        elif size > 200_000 and time.monotonic() - since > 0.04:
            break  # a batch is in the log and no write followed: it is committed
        time.sleep(0.002)
    assert proc.poll() is None, "indexing finished before it could be interrupted"
    proc.send_signal(sig)
    return proc


_SUMMARY = re.compile(r"(\d+) added, (\d+) replaced, (\d+) unchanged, (\d+) skipped")


def _finish_and_check(db: Path, folder: Path) -> tuple[int, int]:
    """Re-run the command to completion; check the index is whole. Returns (added, unchanged)."""
    proc = _unspin("index", "add", str(folder), "--db", str(db), "--no-model")
    assert proc.returncode == 0, proc.stderr
    m = _SUMMARY.search(proc.stderr)
    assert m is not None, proc.stderr
    added, replaced, unchanged, skipped = map(int, m.groups())
    assert replaced == skipped == 0
    assert added + unchanged == N_BULK
    assert _query(
        db, "SELECT count(*), count(DISTINCT key), count(DISTINCT id) FROM documents"
    ) == [(N_BULK, N_BULK, N_BULK)]
    assert _query(
        db, "SELECT count(*) FROM documents WHERE doc_id NOT IN (SELECT doc_id FROM postings)"
    ) == [(0,)]
    assert _query(
        db, "SELECT count(*) FROM documents WHERE doc_id NOT IN (SELECT doc_id FROM sentences)"
    ) == [(0,)]
    assert _orphans(db) == 0
    result = scan(db, config=LEXICAL)
    assert result.documents == N_BULK
    return added, unchanged


def test_kill_9_loses_at_most_the_batch_in_flight(tmp_path: Path) -> None:
    folder = _bulk_folder(tmp_path)
    db = tmp_path / "i.db"
    proc = _interrupt(db, folder, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    _added, unchanged = _finish_and_check(db, folder)
    # What the killed run committed is whole batches, kept: at least the first.
    assert unchanged >= BATCH and unchanged % BATCH == 0
    assert unchanged < N_BULK


def test_ctrl_c_exits_130_with_one_line_and_the_rerun_finishes(tmp_path: Path) -> None:
    folder = _bulk_folder(tmp_path)
    db = tmp_path / "i.db"
    proc = _interrupt(db, folder, signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1, err
    assert "interrupted" in lines[0] and "Traceback" not in err
    _added, unchanged = _finish_and_check(db, folder)
    assert unchanged >= BATCH and unchanged % BATCH == 0 and unchanged < N_BULK


# -- merging parts written elsewhere (the Dask engine's indexing) ---------------------------


def _dump(db: Path, *, by_key: bool = False) -> dict[str, list[str]]:
    """Every table's rows, as stored, but for the times of writing (``by_key``: with each
    row number replaced by its document's key)."""
    doc = "d.key" if by_key else "d.doc_id"
    out = {}
    for table, sql in (
        ("documents", f"SELECT {doc}, d.* EXCLUDE (added, doc_id) FROM documents d ORDER BY ALL"),
        ("skipped", "SELECT * EXCLUDE (skipped_at) FROM skipped ORDER BY source"),
        ("meta", "SELECT * FROM meta ORDER BY name"),
        *(
            (
                t,
                f"SELECT {doc}, c.* EXCLUDE (doc_id) FROM {t} c JOIN documents d USING (doc_id) "
                "ORDER BY ALL",
            )
            for t in CHILD_TABLES
        ),
    ):
        out[table] = [repr(r) for r in _query(db, sql)]
    return out


def _merged(parts: list[list[Document]], db: Path, config: Config) -> AddSummary:
    embedder = load_embedder(config.embed)
    total = AddSummary()
    with Index(db, config=config.index) as index:
        for i, docs in enumerate(parts):
            path = db.parent / f"part{i}-{db.name}"
            with Index(path, config=config.index) as part:
                s = part.add(docs, embedder=embedder)
                part.con.execute(
                    "INSERT INTO meta VALUES ('part_replaced', ?), ('part_unchanged', ?)",
                    [str(s.replaced), str(s.unchanged)],
                )
            m = index.merge(path)
            total.added += m.added
            total.replaced += m.replaced
            total.unchanged += m.unchanged
    return total


@pytest.mark.parametrize("config", [LEXICAL, STATIC], ids=["lexical", "static"])
def test_parts_merged_in_order_are_the_index_a_sequential_add_builds(
    tmp_path: Path, config: Config
) -> None:
    """Changed texts, repeated keys within a part and across parts, an index that already
    holds some of them: the same rows and counts as adding them in one run; the same row
    numbers too, but for a key repeated in the input (its row number then depends on
    where ``add``'s batches fall, as it does in a local run)."""
    texts = [*UNRELATED, SEED_SOURCE.read_text(encoding="utf-8"), SEED_DERIVED.read_text("utf-8")]

    def doc(key: str, text: str) -> Document:
        return Document(id=key, text=text, path=key)

    before = [doc("k0", texts[0]), doc("k1", texts[1]), doc("k2", texts[2])]
    parts = [
        [doc("k1", texts[1]), doc("k3", texts[3]), doc("k0", texts[4])],  # same, new, changed
        [doc("k5", texts[5]), doc("k5", texts[6]), doc("k3", texts[3])],  # twice in a part
        [doc("k2", texts[6]), doc("k5", texts[5]), doc("k6", texts[0])],  # back to an old text
    ]
    sequential, merged = tmp_path / "seq.db", tmp_path / "merged.db"
    embedder = load_embedder(config.embed)
    for db in (sequential, merged):
        with Index(db, config=config.index) as index:
            index.add(before, embedder=embedder)
    with Index(sequential, config=config.index) as index:
        want = index.add([d for p in parts for d in p], embedder=embedder)
    got = _merged(parts, merged, config)
    assert (got.added, got.replaced, got.unchanged) == (want.added, want.replaced, want.unchanged)
    assert _dump(merged, by_key=True) == _dump(sequential, by_key=True)
    assert _orphans(merged) == 0
    # Without repeated keys, row numbers too.
    once = [[d for d in p if d.path not in ("k3", "k5")] for p in parts]
    sequential, merged = tmp_path / "seq1.db", tmp_path / "merged1.db"
    for db in (sequential, merged):
        with Index(db, config=config.index) as index:
            index.add(before, embedder=embedder)
    with Index(sequential, config=config.index) as index:
        index.add([d for p in once for d in p], embedder=embedder)
    _merged(once, merged, config)
    assert _dump(merged) == _dump(sequential)


def test_a_part_of_another_model_or_settings_is_refused_and_nothing_merged(
    tmp_path: Path,
) -> None:
    db = tmp_path / "i.db"
    index_paths([_folder(tmp_path)], db, config=LEXICAL)
    before = _dump(db)
    part = tmp_path / "part.db"
    with Index(part, config=STATIC.index) as p:
        p.add([Document(id="x", text=UNRELATED[0], path="x")], embedder=load_embedder(STATIC.embed))
    with Index(db, config=LEXICAL.index) as index, pytest.raises(ConfigError) as err:
        index.merge(part)
    assert "model" in str(err.value) and "\n" not in str(err.value)
    other = tmp_path / "other.db"
    with Index(other, config=IndexConfig(shingle_n=4)) as p:
        p.add([Document(id="y", text=UNRELATED[0], path="y")], embedder=None)
    with Index(db, config=LEXICAL.index) as index, pytest.raises(ConfigError):
        index.merge(other)
    with Index(db, config=LEXICAL.index) as index, pytest.raises(InputError) as missing:
        index.merge(tmp_path / "none.db")
    assert str(missing.value).startswith(str(tmp_path / "none.db") + ": ")
    assert _dump(db) == before
