"""Reading corpora: folders and containers, one document per record, and every kind of
bad input skipped with a one-line reason while the good documents around it still come."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from unspin.config import IngestConfig
from unspin.errors import InputError
from unspin.ingest import Skipped, check_paths, iter_documents
from unspin.records import Document

ROOT = Path(__file__).resolve().parents[1]
SEED_000 = ROOT / "examples" / "000_404ac855c4996d3e.txt"
SEED_002 = ROOT / "examples" / "002_030f45c5db0ae00d.txt"

PROSE = (
    "The council voted on Tuesday to approve the new budget after a long debate. "
    "Residents said they were relieved that the library would stay open for another year."
)
ARTICLE_HTML = (
    "<html><head><title>Budget passes</title></head><body><article>"
    + "".join(f"<p>{PROSE} Paragraph {i} adds detail about the vote.</p>" for i in range(6))
    + "</article></body></html>"
).encode()
EMPTY_PAGE_HTML = b"<html><head><title>Nothing</title></head><body><div></div></body></html>"


def _items(*paths: Path | str, config: IngestConfig | None = None) -> list[Document | Skipped]:
    return list(iter_documents(list(paths), config=config))


def _docs(items: list[Document | Skipped]) -> dict[str, Document]:
    return {item.path or item.id: item for item in items if isinstance(item, Document)}


def _skips(items: list[Document | Skipped]) -> dict[str, str]:
    return {item.source: item.reason for item in items if isinstance(item, Skipped)}


def _assert_one_line(skips: dict[str, str]) -> None:
    for source, reason in skips.items():
        assert reason and "\n" not in reason and "\r" not in reason, (source, reason)


def _jsonl(path: Path, records: list[object], *, compress: bool = False) -> Path:
    data = "".join(json.dumps(r) + "\n" for r in records).encode()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def _csv(path: Path, rows: list[list[str]], *, dialect: str = "excel") -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, dialect=dialect).writerows(rows)
    return path


def _parquet(path: Path, select: str) -> Path:
    con = duckdb.connect()
    try:
        con.execute(f"COPY ({select}) TO '{path}' (FORMAT parquet)")
    finally:
        con.close()
    return path


def _warc(path: Path, *, truncate_to: int | None = None) -> tuple[Path, int]:
    """warcinfo, request (ignored), article response, image response (ignored), empty page.

    Returns the path and the byte offset where the empty page's record starts.
    """
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    writer.write_record(writer.create_warcinfo_record("crawl.warc.gz", {"software": "test"}))
    request = StatusAndHeaders(
        "GET /news/budget HTTP/1.1", [("Host", "example.com")], is_http_request=True
    )
    writer.write_record(
        writer.create_warc_record(
            "http://example.com/news/budget",
            "request",
            payload=io.BytesIO(b""),
            http_headers=request,
        )
    )
    for uri, content_type, body in (
        ("http://example.com/news/budget", "text/html; charset=utf-8", ARTICLE_HTML),
        ("http://example.com/logo.png", "image/png", b"\x89PNG\r\n\x1a\n\x00\x00"),
    ):
        headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(
                uri,
                "response",
                payload=io.BytesIO(body),
                http_headers=headers,
                warc_headers_dict={"WARC-Date": "2021-07-06T10:00:00Z"},
            )
        )
    empty_at = buf.tell()
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    writer.write_record(
        writer.create_warc_record(
            "http://example.com/empty",
            "response",
            payload=io.BytesIO(EMPTY_PAGE_HTML),
            http_headers=headers,
        )
    )
    data = buf.getvalue()
    path.write_bytes(data if truncate_to is None else data[:truncate_to])
    return path, empty_at


# --- a mixed folder ------------------------------------------------------------------


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / ".hidden" / "secret.txt").write_text(PROSE)
    (root / ".dotfile.txt").write_text(PROSE)
    shutil.copy(SEED_000, root / "seed000.txt")
    shutil.copy(SEED_002, root / "sub" / "seed002.TXT")
    (root / "notes").write_text("date 2020-05-01\n" + PROSE)  # no suffix: plain text
    (root / "story.json").write_text(json.dumps({"id": "own-id", "text": PROSE}))
    (root / "page.html").write_bytes(ARTICLE_HTML)
    _jsonl(
        root / "feed.jsonl",
        [
            {"id": "j1", "text": "First line text.\r\nWith CRLF inside.", "date": "2021-07-06"},
            {"text": "  Second, no id, spaces kept.  ", "outlet": "Wire", "url": "http://w/2"},
        ],
    )
    _csv(
        root / "table.csv",
        [
            ["id", "Text", "date", "title"],
            ["c1", 'A "quoted",\nmulti-line cell.', "2019-12-31T23:00:00Z", "Head"],
            ["", "No id here.", "", ""],
        ],
    )
    _csv(
        root / "sub" / "table.tsv",
        [["text", "id"], ["Tab\tseparated text.", "t1"]],
        dialect="excel-tab",
    )
    _parquet(
        root / "rows.parquet",
        "SELECT * FROM (VALUES (7, 'Parquet one.\nSecond line.', DATE '2020-02-02'), "
        "(8, 'Parquet two.', NULL)) t(id, text, date)",
    )
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    return root


def test_folder_yields_every_format_in_sorted_order(corpus: Path) -> None:
    items = _items(corpus)
    c = str(corpus)
    assert [item.path if isinstance(item, Document) else item.source for item in items] == [
        f"{c}/feed.jsonl#1",
        f"{c}/feed.jsonl#2",
        f"{c}/image.png",
        f"{c}/notes",
        f"{c}/page.html",
        f"{c}/rows.parquet#1",
        f"{c}/rows.parquet#2",
        f"{c}/seed000.txt",
        f"{c}/story.json",
        f"{c}/sub/seed002.TXT",
        f"{c}/sub/table.tsv#1",
        f"{c}/table.csv#1",
        f"{c}/table.csv#2",
    ]
    assert _skips(items) == {f"{c}/image.png": "unsupported file type '.png'"}
    # The same folder read twice gives the same sequence.
    assert _items(corpus) == items


def test_standalone_files_are_identified_by_path_as_walked(corpus: Path) -> None:
    docs = _docs(_items(corpus))
    c = str(corpus)
    for name in ("seed000.txt", "sub/seed002.TXT", "notes", "story.json", "page.html"):
        doc = docs[f"{c}/{name}"]
        assert doc.id == doc.path == f"{c}/{name}"
    assert docs[f"{c}/seed000.txt"].text == SEED_000.read_text(encoding="utf-8")
    assert docs[f"{c}/seed000.txt"].date == dt.date(2021, 7, 6)
    assert docs[f"{c}/notes"].date == dt.date(2020, 5, 1)
    assert docs[f"{c}/story.json"].text == PROSE
    assert "approve the new budget" in docs[f"{c}/page.html"].text


def test_a_file_named_directly_keeps_the_path_as_given(tmp_path: Path) -> None:
    given = f"{tmp_path}/./seed.txt"
    shutil.copy(SEED_002, given)
    items = _items(SEED_002, given)
    assert [item.path for item in items if isinstance(item, Document)] == [str(SEED_002), given]
    doc = items[0]
    assert isinstance(doc, Document)
    assert doc.id == doc.path == str(SEED_002)
    assert doc.text == SEED_002.read_text(encoding="utf-8")


def test_container_records_ids_paths_dates_and_exact_text(corpus: Path) -> None:
    docs = _docs(_items(corpus))
    c = str(corpus)
    j1, j2 = docs[f"{c}/feed.jsonl#1"], docs[f"{c}/feed.jsonl#2"]
    assert (j1.id, j1.text, j1.date) == (
        "j1",
        "First line text.\r\nWith CRLF inside.",
        dt.date(2021, 7, 6),
    )
    assert (j2.id, j2.text, j2.outlet, j2.url) == (
        f"{c}/feed.jsonl#2",
        "  Second, no id, spaces kept.  ",
        "Wire",
        "http://w/2",
    )
    r1, r2 = docs[f"{c}/table.csv#1"], docs[f"{c}/table.csv#2"]
    assert (r1.id, r1.text, r1.date, r1.title) == (
        "c1",
        'A "quoted",\nmulti-line cell.',
        dt.date(2019, 12, 31),
        "Head",
    )
    assert (r2.id, r2.text, r2.date, r2.title) == (f"{c}/table.csv#2", "No id here.", None, None)
    tsv = docs[f"{c}/sub/table.tsv#1"]
    assert (tsv.id, tsv.text) == ("t1", "Tab\tseparated text.")
    p1, p2 = docs[f"{c}/rows.parquet#1"], docs[f"{c}/rows.parquet#2"]
    assert (p1.id, p1.text, p1.date) == ("7", "Parquet one.\nSecond line.", dt.date(2020, 2, 2))
    assert (p2.id, p2.text, p2.date) == ("8", "Parquet two.", None)


def test_jsonl_blank_lines_are_ignored_but_counted(tmp_path: Path) -> None:
    path = tmp_path / "a.ndjson"
    path.write_text('\n{"text": "one"}\n   \n{"text": "two"}\n')
    docs = _items(path)
    assert [(d.path, d.text) for d in docs if isinstance(d, Document)] == [
        (f"{path}#2", "one"),
        (f"{path}#4", "two"),
    ]
    assert len(docs) == 2


# --- WARC --------------------------------------------------------------------------


def test_warc_html_responses_become_documents(tmp_path: Path) -> None:
    path, _ = _warc(tmp_path / "crawl.warc.gz")
    items = _items(path)
    docs = [item for item in items if isinstance(item, Document)]
    assert len(docs) == 1
    doc = docs[0]
    # Record 1 is warcinfo, 2 the request, 3 the article.
    assert doc.path == f"{path}#3"
    assert doc.id == doc.url == "http://example.com/news/budget"
    assert doc.date == dt.date(2021, 7, 6)
    assert "approve the new budget" in doc.text
    # The request and the image are not documents and not skipped; the empty page is.
    skips = _skips(items)
    assert list(skips) == [f"{path}#5"]
    assert "no article text" in skips[f"{path}#5"]


def test_uncompressed_warc_reads_the_same(tmp_path: Path) -> None:
    gz, _ = _warc(tmp_path / "crawl.warc.gz")
    plain = tmp_path / "crawl.warc"
    plain.write_bytes(gzip.decompress(gz.read_bytes()))  # every gzip member, concatenated
    docs = [item for item in _items(plain) if isinstance(item, Document)]
    assert [(d.path, d.id) for d in docs] == [(f"{plain}#3", "http://example.com/news/budget")]


# --- bad input: each yields one Skipped and the rest still comes ----------------------


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "bad" / "aaa_good.txt"
    path.parent.mkdir()
    path.write_text(PROSE)
    return path


def _check_skip(
    folder: Path, source: str, *words: str, config: IngestConfig | None = None
) -> list[Document | Skipped]:
    """Reading ``folder`` skips ``source`` for a reason naming ``words``; good.txt still reads."""
    items = _items(folder, config=config)
    skips = _skips(items)
    _assert_one_line(skips)
    assert source in skips, skips
    for word in words:
        assert word in skips[source], skips[source]
    assert str(folder / "aaa_good.txt") in _docs(items)
    return items


def test_binary_file_without_suffix(good: Path) -> None:
    (good.parent / "blob").write_bytes(bytes(range(256)) * 4)
    _check_skip(good.parent, str(good.parent / "blob"), "binary file")


def test_wrong_encoding_utf16_without_bom(good: Path) -> None:
    (good.parent / "utf16.txt").write_bytes(PROSE.encode("utf-16-le"))
    _check_skip(good.parent, str(good.parent / "utf16.txt"), "UTF-16")


def test_jsonl_line_that_is_not_utf8(good: Path) -> None:
    path = good.parent / "x.jsonl"
    path.write_bytes(b'{"text": "caf\xe9"}\n{"text": "fine"}\n')
    items = _check_skip(good.parent, f"{path}#1", "not UTF-8", "0xe9")
    assert _docs(items)[f"{path}#2"].text == "fine"


def test_csv_row_that_is_not_utf8(good: Path) -> None:
    path = good.parent / "x.csv"
    path.write_bytes(b"text,id\ncaf\xe9,a\nfine,b\n")
    items = _check_skip(good.parent, f"{path}#1", "not UTF-8")
    assert _docs(items)[f"{path}#2"].id == "b"


def test_empty_texts(good: Path) -> None:
    (good.parent / "empty.txt").write_text("  \n")
    _jsonl(good.parent / "x.jsonl", [{"text": ""}, {"text": "kept"}])
    items = _check_skip(good.parent, str(good.parent / "empty.txt"), "empty document")
    assert _skips(items)[f"{good.parent}/x.jsonl#1"] == "empty document"
    assert _docs(items)[f"{good.parent}/x.jsonl#2"].text == "kept"


def test_max_bytes_applies_per_record_not_per_container(good: Path) -> None:
    big = "word " * 100
    config = IngestConfig(max_bytes=len(PROSE) + 50)
    _jsonl(good.parent / "x.jsonl", [{"text": "small one"}, {"text": big}, {"text": "small two"}])
    _csv(good.parent / "y.csv", [["text"], ["small"], [big], ["small"]])
    _parquet(good.parent / "z.parquet", f"SELECT * FROM (VALUES ('small'), ('{big}')) t(text)")
    (good.parent / "huge.txt").write_text(big * 2)
    # The containers are larger than max_bytes; only the big record in each is skipped.
    assert (good.parent / "x.jsonl").stat().st_size > config.max_bytes
    items = _check_skip(good.parent, f"{good.parent}/x.jsonl#2", "too large", config=config)
    skips, docs = _skips(items), _docs(items)
    assert "too large" in skips[f"{good.parent}/y.csv#2"]
    assert "too large" in skips[f"{good.parent}/z.parquet#2"]
    assert "too large" in skips[f"{good.parent}/huge.txt"]
    assert {f"{good.parent}/x.jsonl#1", f"{good.parent}/x.jsonl#3"} <= set(docs)
    assert {
        f"{good.parent}/y.csv#1",
        f"{good.parent}/y.csv#3",
        f"{good.parent}/z.parquet#1",
    } <= set(docs)


def test_warc_record_over_max_bytes(tmp_path: Path) -> None:
    path, _ = _warc(tmp_path / "crawl.warc.gz")
    skips = _skips(_items(path, config=IngestConfig(max_bytes=len(ARTICLE_HTML) - 1)))
    assert "too large" in skips[f"{path}#3"]


def test_malformed_json_line_names_line_and_column(good: Path) -> None:
    path = good.parent / "x.jsonl"
    path.write_text('{"text": "one"}\n{"text": "two",}\n[1, 2]\n{"id": "n"}\n{"text": "five"}\n')
    items = _check_skip(good.parent, f"{path}#2", "malformed JSON at line 2, column 16")
    skips = _skips(items)
    assert "not an array" in skips[f"{path}#3"]
    assert 'no "text" field' in skips[f"{path}#4"]
    assert [
        d.text for d in items if isinstance(d, Document) and d.path and "x.jsonl" in d.path
    ] == [
        "one",
        "five",
    ]


def test_invalid_date_skips_only_that_record(good: Path) -> None:
    path = _jsonl(good.parent / "x.jsonl", [{"text": "a", "date": "2021-13-45"}, {"text": "b"}])
    items = _check_skip(good.parent, f"{path}#1", "invalid date", "'2021-13-45'")
    assert f"{path}#2" in _docs(items)


def test_csv_without_text_column_is_skipped_once(good: Path) -> None:
    path = _csv(good.parent / "x.csv", [["id", "body"], ["1", "a"], ["2", "b"]])
    items = _check_skip(good.parent, str(path), 'no "text" column')
    assert [s for s in _skips(items) if s.startswith(str(path))] == [str(path)]


def test_ragged_csv_row(good: Path) -> None:
    path = _csv(
        good.parent / "x.csv", [["id", "text"], ["1", "a"], ["2", "b", "extra"], ["3", "c"]]
    )
    items = _check_skip(good.parent, f"{path}#2", "3 fields", "header has 2")
    assert {f"{path}#1", f"{path}#3"} <= set(_docs(items))


def test_truncated_jsonl_gz_keeps_the_lines_before(good: Path) -> None:
    records = [{"text": f"record {i} " + "filler " * 40} for i in range(200)]
    full = _jsonl(good.parent / "full.jsonl.gz", records, compress=True).read_bytes()
    (good.parent / "full.jsonl.gz").unlink()
    path = good.parent / "x.jsonl.gz"
    path.write_bytes(full[: len(full) // 2])
    items = _check_skip(good.parent, str(path), "truncated")
    read = [d for d in items if isinstance(d, Document) and d.path and d.path.startswith(str(path))]
    assert 0 < len(read) < 200
    assert [d.text for d in read] == [r["text"] for r in records[: len(read)]]


def test_truncated_warc_gz_keeps_the_records_before(good: Path) -> None:
    path, empty_at = _warc(good.parent / "x.warc.gz")
    _warc(path, truncate_to=empty_at + 40)
    items = _check_skip(good.parent, str(path), "truncated")
    assert _docs(items)[f"{path}#3"].id == "http://example.com/news/budget"


def test_truncated_uncompressed_warc(good: Path) -> None:
    gz, _ = _warc(good.parent / "full.warc.gz")
    data = gzip.decompress(gz.read_bytes())
    gz.unlink()
    in_body = good.parent / "body.warc"
    in_body.write_bytes(data[: len(data) - 30])
    in_headers = good.parent / "headers.warc"
    in_headers.write_bytes(data[:20])
    items = _check_skip(good.parent, str(in_body), "truncated", "record 5 is incomplete")
    assert f"{in_body}#3" in _docs(items)
    assert "truncated" in _skips(items)[str(in_headers)]


def test_corrupt_parquet(good: Path) -> None:
    path = good.parent / "x.parquet"
    path.write_bytes(b"PAR1 this is not really parquet PAR1")
    _check_skip(good.parent, str(path), "cannot read Parquet")


def test_unsupported_suffix_in_a_folder(good: Path) -> None:
    (good.parent / "scan.pdf").write_bytes(b"%PDF-1.4\n")
    (good.parent / "data.tar.gz").write_bytes(gzip.compress(b"x"))
    items = _check_skip(good.parent, str(good.parent / "scan.pdf"), "unsupported file type '.pdf'")
    assert _skips(items)[str(good.parent / "data.tar.gz")] == "unsupported file type '.gz'"


def test_missing_top_level_path(good: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    items = _items(missing, good.parent)
    assert items[0] == Skipped(str(missing), "no such file or directory")
    assert str(good) in _docs(items)
    with pytest.raises(InputError) as info:
        check_paths([good.parent, missing])
    assert str(info.value) == f"{missing}: no such file or directory"
    check_paths([good.parent, good])  # existing paths pass


def test_symlink_loop_is_walked_once(good: Path) -> None:
    (good.parent / "loop").symlink_to(good.parent, target_is_directory=True)
    docs = [d for d in _items(good.parent) if isinstance(d, Document)]
    assert [d.path for d in docs] == [str(good)]


def test_estimate_documents_counts_files_and_records_for_the_progress_bar(tmp_path: Path) -> None:
    from unspin.ingest import estimate_documents

    (tmp_path / "a.txt").write_text("One story.", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(
        '{"text": "x"}\n{"text": "y"}\n{"text": "z"}', encoding="utf-8"
    )
    (tmp_path / "c.csv").write_text("id,text\n1,x\n2,y\n", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("not counted", encoding="utf-8")
    assert estimate_documents([tmp_path]) == 1 + 3 + 2
    assert sum(1 for x in iter_documents([tmp_path]) if not isinstance(x, Skipped)) == 6
    (tmp_path / "d.jsonl.gz").write_bytes(gzip.compress(b'{"text": "w"}\n'))
    assert estimate_documents([tmp_path]) is None  # unknowable without reading it all


def test_quoted_patterns_expand_to_the_files_they_match_sorted(tmp_path: Path) -> None:
    from unspin.ingest import expand_globs

    for name in ("b.jsonl", "a.jsonl", "c.parquet"):
        (tmp_path / name).write_text("", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.jsonl").write_text("", encoding="utf-8")
    # A file whose name holds pattern characters is itself, not a pattern.
    odd = tmp_path / "odd[1].txt"
    odd.write_text("x", encoding="utf-8")
    assert expand_globs([str(tmp_path / "*.jsonl"), odd]) == [
        str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl"), str(odd),
    ]  # fmt: skip
    assert expand_globs([str(tmp_path / "**" / "*.jsonl")])[-1] == str(tmp_path / "sub/d.jsonl")
    with pytest.raises(InputError) as info:
        expand_globs([str(tmp_path / "*.warc")])
    assert str(info.value) == f"{tmp_path / '*.warc'}: no file matches this pattern"


def test_input_files_read_in_runs_are_iter_documents(good: Path) -> None:
    """The distributed index reads runs of ``input_files`` on different workers: taken
    together, in order, they are exactly ``iter_documents``."""
    from unspin.ingest import InputFile, input_files, read_inputs

    folder = good.parent
    _jsonl(folder / "b.jsonl", [{"text": PROSE, "id": "r1"}, {"text": PROSE + " More."}])
    (folder / "c.pdf").write_bytes(b"%PDF-1.4\n")
    (folder / "d.txt").write_bytes(bytes(range(256)) * 4)
    named = folder / "named.dat"
    named.write_text(PROSE, encoding="utf-8")
    paths = [folder, named, folder / "missing"]
    files = list(input_files(paths))
    assert [f.container for f in files if isinstance(f, InputFile)].count(True) == 1
    whole = list(iter_documents(paths))
    runs = [files[:2], files[2:3], files[3:]]
    assert [x for run in runs for x in read_inputs(run)] == whole
    assert isinstance(whole[-1], Skipped) and whole[-1].source == str(folder / "missing")
