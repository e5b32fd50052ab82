"""``unspin scan --engine dask``: the same files as the local scan, byte for byte, whatever
the number of workers, and a worker killed mid-scan loses and duplicates nothing."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

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
def planted_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """1,000 planted Reuters documents (``benchmarks/planted.py --scale``), lexical."""
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
    db = root / "i.db"
    index_paths([root / "corpus.jsonl"], db, config=Config())
    yield db
    shutil.rmtree(root, ignore_errors=True)


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
        pids = client.run(os.getpid)
        found: dict[str, object] = {}

        def run() -> None:
            try:
                found["result"] = scan_dask(
                    planted_index, client=client, config=Config(), partitions=16
                )
            except BaseException as err:  # reported below
                found["error"] = err

        thread = threading.Thread(target=run)
        thread.start()
        # Wait until alignment is under way (some of its tasks done, others running),
        # then kill the worker running one of them.
        victim = None
        deadline = time.monotonic() + 300
        while victim is None and thread.is_alive() and time.monotonic() < deadline:
            done = [k for keys in client.has_what().values() for k in keys if _aligning(k)]
            busy = [w for w, keys in client.processing().items() if any(map(_aligning, keys))]
            if done and busy:
                victim = busy[0]
            time.sleep(0.02)
        assert victim is not None, "the scan ended before a worker could be killed"
        os.kill(pids[victim], signal.SIGKILL)
        thread.join(timeout=600)
        assert "error" not in found, found.get("error")
        assert client.run(os.getpid)  # the nanny brought a worker back
    got = write(found["result"], planted_index, tmp_path / "d")  # type: ignore[arg-type]
    assert got == want


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
