"""``unspin scan --engine dask``: the same files as the local scan, byte for byte, whatever
the number of workers, and a worker killed mid-scan loses and duplicates nothing."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from unspin.config import Config
from unspin.corpus import ScanResult, index_paths, scan
from unspin.index import Index
from unspin.report.corpus import CatalogEntry, write_scan

from .conftest import corpus
from .test_corpus import TEXT_A, TEXT_B, TEXT_C, seed_folder

pytest.importorskip("distributed")

from distributed import Client, LocalCluster

from unspin.dask_scan import scan_dask

pytestmark = pytest.mark.dask
T = TypeVar("T")


def write(result: ScanResult, db: Path, out: Path) -> tuple[list[str], bytes]:
    """The scan's files as compared: pairs.jsonl sorted, documents.csv as written."""
    with Index(db, read_only=True) as index:
        catalog = [CatalogEntry(i, p) for i, p in index.catalog()]
    write_scan(
        out,
        pairs=result.pairs,
        ledgers=result.ledgers,
        families=result.families,
        catalog=catalog,
        documents=result.documents,
        candidates=result.candidates,
        html=False,
    )
    lines = sorted((out / "pairs.jsonl").read_text(encoding="utf-8").splitlines())
    return lines, (out / "documents.csv").read_bytes()


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed pair, a story copied by two others, unrelated stories; the static model
    (so the embedding candidates and the look at sentence vectors take part)."""
    root = tmp_path_factory.mktemp("dask")
    folder = seed_folder(root / "docs")
    for name, text in (("a", TEXT_A), ("b", TEXT_B), ("c", TEXT_C)):
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    db = root / "i.db"
    index_paths([folder], db, config=Config())
    return db


@pytest.fixture(scope="module")
def local_files(
    small_index: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[str], bytes]:
    out = tmp_path_factory.mktemp("local")
    return write(scan(small_index, config=Config(), workers=1), small_index, out)


@pytest.mark.parametrize("workers", [1, 2])
def test_dask_scan_writes_the_local_scans_files_byte_for_byte(
    small_index: Path, local_files: tuple[list[str], bytes], workers: int, tmp_path: Path
) -> None:
    pairs, documents = local_files
    assert len(pairs) >= 4  # seed pair, a→b, a→c, b~c siblings at least
    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True) as cluster,
        Client(cluster) as client,
    ):
        result = scan_dask(small_index, client=client, config=Config(), partitions=3 * workers)
    assert write(result, small_index, tmp_path) == (pairs, documents)


@pytest.mark.slow
def test_four_workers_and_many_partitions_change_nothing(
    small_index: Path, local_files: tuple[list[str], bytes], tmp_path: Path
) -> None:
    with (
        LocalCluster(n_workers=4, threads_per_worker=1, processes=True) as cluster,
        Client(cluster) as client,
    ):
        result = scan_dask(small_index, client=client, config=Config(), partitions=17)
    assert write(result, small_index, tmp_path) == local_files


def test_a_missing_index_is_refused_in_one_line(tmp_path: Path) -> None:
    from unspin.errors import InputError

    with pytest.raises(InputError) as err:
        scan_dask(tmp_path / "none.db", client=None, config=Config())  # type: ignore[arg-type]
    assert str(err.value).startswith(str(tmp_path / "none.db") + ": no such index")


# -- a worker killed mid-scan ------------------------------------------------------------


def _aligning(key: object) -> bool:
    return "_align_partition" in str(key)


@pytest.fixture(scope="module")
def planted_corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """1,000 planted Reuters documents (``benchmarks/planted.py --scale``)."""
    import subprocess
    import sys

    data = corpus("reuters21578")
    root = tmp_path_factory.mktemp("planted")
    bench = Path(__file__).resolve().parents[1] / "benchmarks"
    subprocess.run(
        [sys.executable, str(bench / "planted.py"), "--out", str(root), "--scale", "1000",
         "--data", str(data)],
        check=True, capture_output=True,
    )  # fmt: skip
    yield root / "corpus.jsonl"
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def planted_index(planted_corpus: Path) -> Path:
    db = planted_corpus.parent / "i.db"
    index_paths([planted_corpus], db, config=Config())
    return db


@pytest.mark.corpus
@pytest.mark.slow
def test_a_worker_killed_mid_scan_loses_and_duplicates_nothing(
    planted_index: Path, tmp_path: Path
) -> None:
    want = write(scan(planted_index, config=Config(), workers=1), planted_index, tmp_path / "l")
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster,
        Client(cluster) as client,
    ):

        def aligning() -> list[str]:
            # Alignment under way: some of its tasks done, others running.
            done = [k for keys in client.has_what().values() for k in keys if _aligning(k)]
            busy = [w for w, keys in client.processing().items() if any(map(_aligning, keys))]
            return busy if done else []

        result = _kill_a_worker_during(
            client,
            lambda: scan_dask(planted_index, client=client, config=Config(), partitions=16),
            aligning,
        )
        assert client.run(os.getpid)  # the nanny brought a worker back
    assert write(result, planted_index, tmp_path / "d") == want


def _kill_a_worker_during(client: Client, job: Callable[[], T], busy: Callable[[], list[str]]) -> T:
    """Run ``job`` in a thread; as soon as ``busy()`` names workers, SIGKILL the first;
    the job's result once it finishes (it must, without an error)."""
    pids = client.run(os.getpid)
    found: dict[str, Any] = {}

    def run() -> None:
        try:
            found["result"] = job()
        except BaseException as err:  # reported below
            found["error"] = err

    thread = threading.Thread(target=run)
    thread.start()
    victims: list[str] = []
    deadline = time.monotonic() + 300
    while not victims and thread.is_alive() and time.monotonic() < deadline:
        victims = busy()
        time.sleep(0.01)
    assert victims, "the job ended before a worker could be killed"
    os.kill(pids[victims[0]], signal.SIGKILL)
    thread.join(timeout=600)
    assert "error" not in found, found.get("error")
    return found["result"]  # type: ignore[no-any-return]


def test_the_command_writes_the_same_files(
    small_index: Path, local_files: tuple[list[str], bytes], tmp_path: Path
) -> None:
    from .test_index import _unspin

    out = tmp_path / "scan"
    r = _unspin(
        "scan", "--db", str(small_index), "--out", str(out), "--engine", "dask",
        "--workers", "2", "--partitions", "5", "--no-html", "-q",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    pairs = sorted((out / "pairs.jsonl").read_text(encoding="utf-8").splitlines())
    assert (pairs, (out / "documents.csv").read_bytes()) == local_files


# -- indexing on the workers ----------------------------------------------------------------


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Loose files (the seed pair, stories, an unreadable file) in nested folders and
    JSON Lines containers, as a crawl might be laid out."""
    import json

    root = tmp_path_factory.mktemp("inputs")
    folder = seed_folder(root / "in" / "loose")
    for name, text in (("a", TEXT_A), ("b", TEXT_B), ("c", TEXT_C)):
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    (folder / "broken.txt").write_bytes(bytes(range(256)) * 8)
    for i, text in enumerate((TEXT_A, TEXT_C)):
        with (root / "in" / f"crawl-{i}.jsonl").open("w", encoding="utf-8") as f:
            f.write(json.dumps({"id": f"wire-{i}", "text": text, "date": "2024-03-0" + str(i + 1)}))
            f.write("\n{not json\n")
    import duckdb

    duckdb.sql(
        "COPY (SELECT * FROM (VALUES ('feed-1', ?, DATE '2024-03-05'), ('feed-2', ?, NULL)) "
        "t(id, text, date)) TO ? (FORMAT parquet)",
        params=[TEXT_B, TEXT_A[: len(TEXT_A) // 2], str(root / "in" / "feed.parquet")],
    )
    return root / "in"


def _tables(db: Path) -> dict[str, list[str]]:
    from .test_index import _dump

    return _dump(db)


@pytest.mark.parametrize("workers", [1, 2])
def test_indexing_on_the_workers_builds_the_local_index_row_for_row(
    inputs: Path, tmp_path: Path, workers: int
) -> None:
    from unspin.config import DaskConfig
    from unspin.dask_scan import index_dask

    config = Config(dask=DaskConfig(files_per_task=2))  # several runs of loose files
    local = index_paths([inputs], tmp_path / "local.db", config=config)
    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True) as cluster,
        Client(cluster) as client,
    ):
        got = index_dask([inputs], tmp_path / "dask.db", client=client, config=config)
        again = index_dask([inputs], tmp_path / "dask.db", client=client, config=config)
    assert (got.added, got.replaced, got.unchanged) == (local.added, 0, 0)
    assert sorted(s.source for s in got.skipped) == sorted(s.source for s in local.skipped)
    assert len(local.skipped) == 3  # the binary file and a bad line in each container
    assert _tables(tmp_path / "dask.db") == _tables(tmp_path / "local.db")
    assert (again.added, again.unchanged) == (0, local.added)
    assert not (tmp_path / "dask.db.parts").exists()  # parts are removed once merged


def test_a_rerun_reuses_the_parts_already_written_and_redoes_a_torn_one(
    inputs: Path, tmp_path: Path
) -> None:
    """An interrupted run leaves whole parts (written under a temporary name, renamed
    when done) and perhaps a torn temporary file: the rerun merges the whole ones as they
    are and writes the rest again."""
    from unspin.config import DaskConfig
    from unspin.dask_scan import _index_part, _part_name, index_dask, input_runs

    config = Config(dask=DaskConfig(files_per_task=2))
    db = tmp_path / "i.db"
    runs = input_runs([str(inputs)], 2)
    folder = Path(f"{db}.parts")
    folder.mkdir()
    names = [str(folder / _part_name(i, run, config, "static")) for i, run in enumerate(runs)]
    _index_part(runs[0], names[0], config)
    whole = os.stat(names[0]).st_mtime_ns
    Path(f"{names[1]}.tmp").write_bytes(b"torn: half a DuckDB file")
    with (
        LocalCluster(n_workers=1, threads_per_worker=1, processes=True) as cluster,
        Client(cluster) as client,
    ):
        reused: list[float] = []
        orig = Index.merge

        def merge(self: Index, part: str | os.PathLike[str]) -> object:
            if str(part) == names[0]:
                reused.append(os.stat(part).st_mtime_ns)
            return orig(self, part)

        Index.merge = merge  # type: ignore[method-assign,assignment]
        try:
            index_dask([inputs], db, client=client, config=config)
        finally:
            Index.merge = orig  # type: ignore[method-assign]
    assert reused == [whole]
    local = tmp_path / "local.db"
    index_paths([inputs], local, config=config)
    assert _tables(db) == _tables(local)
    assert not folder.exists()


def test_bad_inputs_are_refused_in_one_line_before_any_work(inputs: Path, tmp_path: Path) -> None:
    from unspin.dask_scan import index_dask
    from unspin.errors import InputError

    db = tmp_path / "i.db"
    index_paths([inputs / "crawl-0.jsonl"], db, config=Config())
    before = _tables(db)
    for bad, problem in (
        (tmp_path / "missing", "no such file or directory"),
        (str(inputs / "*.warc.gz"), "no file matches this pattern"),
    ):
        with pytest.raises(InputError) as err:
            index_dask([inputs, bad], db, client=None, config=Config())  # type: ignore[arg-type]
        assert str(err.value) == f"{bad}: {problem}"
    assert _tables(db) == before


def test_scan_with_inputs_on_dask_writes_the_files_of_index_add_then_scan(
    inputs: Path, tmp_path: Path
) -> None:
    """The whole job from a quoted pattern and a folder, on a 2-worker cluster, against
    ``unspin index add`` then ``unspin scan`` on this machine."""
    from .test_index import _unspin

    given = [str(inputs / "crawl-*.jsonl"), str(inputs / "loose")]
    r = _unspin("index", "add", *given, "--db", str(tmp_path / "l.db"), "-q")
    assert r.returncode == 0, r.stderr
    r = _unspin("scan", "--db", str(tmp_path / "l.db"), "--out", str(tmp_path / "l"), "--no-html",
                "-q")  # fmt: skip
    assert r.returncode == 0, r.stderr
    r = _unspin(
        "scan", *given, "--db", str(tmp_path / "d.db"), "--out", str(tmp_path / "d"),
        "--engine", "dask", "--workers", "2", "--no-html",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "added" in r.stderr and "reuse pairs" in r.stderr

    def files(out: Path) -> tuple[list[str], bytes]:
        pairs = sorted((out / "pairs.jsonl").read_text(encoding="utf-8").splitlines())
        return pairs, (out / "documents.csv").read_bytes()

    assert len(files(tmp_path / "l")[0]) >= 4
    assert files(tmp_path / "d") == files(tmp_path / "l")


def test_the_neighbour_search_in_small_blocks_on_dask_is_the_local_one(
    small_index: Path, tmp_path: Path
) -> None:
    """Mean vectors in ranges of two documents: every task holds two small ranges, none
    all of them, and the scan still writes the local scan's files."""
    from dataclasses import replace

    from unspin.config import DaskConfig
    from unspin.dask_scan import DaskPlan, _centroid_ranges

    config = Config(
        candidates=replace(Config().candidates, semantic_block=2, semantic_min_cosine=0.5),
        dask=DaskConfig(centroid_rows_per_task=2),
    )
    ranges = _centroid_ranges(DaskPlan(str(small_index), config, 2))
    assert len(ranges) >= 4
    want = write(scan(small_index, config=config, workers=1), small_index, tmp_path / "l")
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster,
        Client(cluster) as client,
    ):
        result = scan_dask(small_index, client=client, config=config, partitions=3)
    assert result.candidates > 0
    assert write(result, small_index, tmp_path / "d") == want


def _indexing(key: object) -> bool:
    return "unspin-part-" in str(key)


@pytest.mark.corpus
@pytest.mark.slow
def test_a_worker_killed_mid_indexing_loses_and_duplicates_nothing(
    planted_corpus: Path, tmp_path: Path
) -> None:
    """The planted corpus as eight JSON Lines files, indexed on 2 workers; one worker is
    SIGKILLed once a part is whole while it writes another. The index is the local one."""
    from unspin.dask_scan import index_dask

    lines = planted_corpus.read_text(encoding="utf-8").splitlines(keepends=True)
    folder = tmp_path / "crawl"
    folder.mkdir()
    for i in range(8):
        (folder / f"{i}.jsonl").write_text("".join(lines[i::8]), encoding="utf-8")
    local = index_paths([folder], tmp_path / "local.db", config=Config())
    db = tmp_path / "dask.db"
    parts = Path(f"{db}.parts")
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster,
        Client(cluster) as client,
    ):

        def writing_after_a_whole_part() -> list[str]:
            whole = list(parts.glob("*.duckdb")) if parts.exists() else []
            busy = [w for w, keys in client.processing().items() if any(map(_indexing, keys))]
            return busy if whole else []

        summary = _kill_a_worker_during(
            client,
            lambda: index_dask([folder], db, client=client, config=Config()),
            writing_after_a_whole_part,
        )
    assert summary.added == local.added == len(lines)
    assert _tables(db) == _tables(tmp_path / "local.db")


def test_a_run_that_fails_on_the_workers_is_one_line_and_earlier_parts_stay_merged(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A task that fails for good (here: the reader raises inside the worker, in-process
    so the failure can be planted) ends the run with one line naming its files; the parts
    merged before it stay in the index, and the rest are there for the next run."""
    from unspin import dask_scan
    from unspin.errors import InputError

    real = dask_scan.read_inputs

    def failing(run: list[object], **kw: object) -> object:
        if any("crawl-1" in getattr(f, "source", "") for f in run):
            raise RuntimeError("disk on fire\nsecond line")
        return real(run, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(dask_scan, "read_inputs", failing)
    db = tmp_path / "i.db"
    with (
        LocalCluster(n_workers=1, threads_per_worker=1, processes=False) as cluster,
        Client(cluster) as client,
        pytest.raises(InputError) as err,
    ):
        dask_scan.index_dask([inputs], db, client=client, config=Config())
    assert str(err.value) == (
        f"{inputs / 'crawl-1.jsonl'}: indexing failed on the workers: RuntimeError: disk on fire"
    )
    with Index(db, read_only=True) as index:
        assert [p for _, p in index.catalog()] == [f"{inputs / 'crawl-0.jsonl'}#1"]
