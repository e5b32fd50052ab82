"""Reading documents: encodings, metadata, formats, and one test per kind of bad input."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from unspin.config import IngestConfig
from unspin.errors import InputError
from unspin.ingest import decode_bytes, document_from_text, load_document

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SEED_000 = EXAMPLES / "000_404ac855c4996d3e.txt"
SEED_002 = EXAMPLES / "002_030f45c5db0ae00d.txt"
CLOUGH = ROOT.parent / "shared" / "data" / "clough-stevenson-short-answers" / "corpus-20090418"
PAN13 = ROOT.parent / "shared" / "data" / "pan13-text-alignment-training"

PROSE = (
    "The council voted on Tuesday to approve the new budget after a long debate. "
    "Residents said they were relieved that the library would stay open for another year."
)


def _write(path: Path, data: bytes | str) -> Path:
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def _assert_input_error(path: Path, *words: str, config: IngestConfig | None = None) -> str:
    """Loading ``path`` fails with a one-line InputError naming the path and the problem."""
    with pytest.raises(InputError) as info:
        load_document(path, config=config)
    message = str(info.value)
    assert "\n" not in message and "\r" not in message
    assert message.startswith(f"{path}: ")
    for word in words:
        assert word in info.value.problem
    return message


# --- seeds ---------------------------------------------------------------------------


def test_seed_000_date_and_body() -> None:
    doc = load_document(SEED_000)
    assert doc.id == SEED_000.name
    assert doc.path == str(SEED_000)
    assert doc.text == SEED_000.read_bytes().decode("utf-8")
    assert doc.date == dt.date(2021, 7, 6)
    start = doc.body[0][0]
    assert doc.text[start:].startswith("As the relations between the United States")
    assert all("IMAGE: AP" not in doc.text[s:e] for s, e in doc.body)
    assert all("date 2021" not in doc.text[s:e] for s, e in doc.body)


def test_seed_002_no_date_text_unchanged() -> None:
    doc = load_document(SEED_002)
    assert doc.text == SEED_002.read_bytes().decode("utf-8")
    assert doc.date is None
    assert doc.text[doc.body[0][0] :].startswith("China accuses the United States")


# --- encodings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bom", "codec"),
    [(b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")],
)
def test_bom_removed_and_honoured(tmp_path: Path, bom: bytes, codec: str) -> None:
    text = "Café society – “quoted” text.\n" + PROSE
    doc = load_document(_write(tmp_path / "bom.txt", bom + text.encode(codec)))
    assert doc.text == text
    assert doc.text[slice(*doc.body[0])].startswith("Café society")


def test_crlf_and_controls_kept(tmp_path: Path) -> None:
    raw = "First paragraph.\r\n\r\nIMAGE: AP\r\n\r\nSecond \x0b paragraph.\r\n"
    doc = load_document(_write(tmp_path / "crlf.txt", raw))
    assert doc.text == raw
    assert [doc.text[s:e] for s, e in doc.body] == ["First paragraph.", "Second \x0b paragraph."]


def test_windows_1252(tmp_path: Path) -> None:
    text = "café – naïve “quotes” and the ‘rest’.\n" + PROSE
    raw = text.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    doc = load_document(_write(tmp_path / "legacy.txt", raw))
    assert doc.text == text


@settings(max_examples=200, deadline=None)
@given(text=st.text(min_size=1), codec=st.sampled_from(["utf-8", "utf-16-le", "utf-16-be"]))
def test_decode_with_bom_is_lossless(text: str, codec: str) -> None:
    bom = {"utf-8": b"\xef\xbb\xbf", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[codec]
    try:
        raw = text.encode(codec)
    except UnicodeEncodeError:  # lone surrogates cannot be stored in a file
        return
    # FF FE 00 00 is the UTF-32-LE byte-order mark: that prefix is ambiguous by definition.
    assume(not (codec == "utf-16-le" and text.startswith("\x00")))
    assert decode_bytes(bom + raw, source="x") == text


@pytest.mark.corpus
@pytest.mark.slow
def test_clough_stevenson_corpus_loads() -> None:
    if not CLOUGH.is_dir():
        pytest.skip(f"Clough & Stevenson corpus not found at {CLOUGH}")
    files = sorted(p for p in CLOUGH.iterdir() if p.is_file())
    legacy = 0
    for path in files:
        raw = path.read_bytes()
        doc = load_document(path)
        assert doc.body_chars > 0, path.name
        try:
            expected = raw.decode("utf-8")
        except UnicodeDecodeError:
            # These files are Windows-1252 (curly quotes, dashes); other single-byte
            # guesses would turn 0x92 into "Æ" or similar.
            expected = raw.decode("cp1252")
            legacy += 1
        assert doc.text == expected, path.name
    assert legacy > 0


def test_utf8_with_stray_nul_is_text(tmp_path: Path) -> None:
    # PAN source documents are UTF-8 with the odd NUL; their truth offsets count it.
    raw = PROSE[:40] + "\x00p'(~(UD-\n" + PROSE
    doc = load_document(_write(tmp_path / "pan-like.txt", raw))
    assert doc.text == raw


@pytest.mark.corpus
@pytest.mark.slow
def test_pan13_documents_load_unchanged() -> None:
    if not PAN13.is_dir():
        pytest.skip(f"PAN 2013 text alignment corpus not found at {PAN13}")
    files = sorted([*(PAN13 / "src").glob("*.txt"), *(PAN13 / "susp").glob("*.txt")])
    assert files
    for path in files:
        raw = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
        assert load_document(path).text == raw.decode("utf-8"), path.name


# --- metadata line -------------------------------------------------------------------


@pytest.mark.parametrize(
    "head",
    [" date 2021-07-06 ", "date: 2021-07-06 ", "Date 2021-07-06\n", "DATE:2021-07-06\r\n\r\n"],
)
def test_metadata_line_variants(head: str) -> None:
    doc = document_from_text(head + PROSE, id="a")
    assert doc.date == dt.date(2021, 7, 6)
    assert doc.body == ((len(head), len(head + PROSE)),)


@pytest.mark.parametrize(
    "text",
    [
        "Date night in Paris was a disaster, she said.",
        "Dates 2021-07-06 and 2021-07-07 were chosen for the vote.",
        "The date 2021-07-06 was chosen for the vote.",
        "date 2021-07-06x is not a date token.",
    ],
)
def test_prose_is_not_a_metadata_line(text: str) -> None:
    doc = document_from_text(text, id="a")
    assert doc.date is None
    assert doc.body == ((0, len(text)),)


def test_explicit_date_wins_over_metadata_line() -> None:
    doc = document_from_text("date 2021-07-06 " + PROSE, id="a", date=dt.date(2020, 1, 2))
    assert doc.date == dt.date(2020, 1, 2)
    assert doc.text[doc.body[0][0] :] == PROSE


def test_invalid_metadata_date(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad-date.txt", "date 2021-02-30 " + PROSE)
    _assert_input_error(path, "invalid date", "2021-02-30")


# --- JSON ----------------------------------------------------------------------------


def test_json_document(tmp_path: Path) -> None:
    obj = {
        "id": "planet-1",
        "text": "date 2020-01-01 " + PROSE,
        "date": "2021-07-06T10:15:00Z",
        "title": "Budget passes",
        "url": "https://dailyplanet.example/budget",
        "outlet": "The Daily Planet",
    }
    path = _write(tmp_path / "doc.json", json.dumps(obj, ensure_ascii=False))
    doc = load_document(path)
    assert doc.id == "planet-1"
    assert doc.path == str(path)
    assert doc.text == obj["text"]
    assert doc.date == dt.date(2021, 7, 6)
    assert (doc.title, doc.url, doc.outlet) == (obj["title"], obj["url"], obj["outlet"])
    assert doc.text[doc.body[0][0] :] == PROSE


def test_json_id_defaults_to_file_name(tmp_path: Path) -> None:
    doc = load_document(_write(tmp_path / "plain.json", json.dumps({"text": PROSE})))
    assert doc.id == "plain.json"
    assert doc.date is None
    assert doc.body == ((0, len(PROSE)),)


# --- HTML ----------------------------------------------------------------------------

ARTICLE_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Council approves budget | The Daily Planet</title>
  <meta property="og:site_name" content="The Daily Planet">
  <meta property="og:title" content="Council approves budget">
  <meta property="article:published_time" content="2021-07-06T10:00:00Z">
  <link rel="canonical" href="https://dailyplanet.example/news/council-budget">
</head>
<body>
  <header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a>
  <a href="/subscribe">Subscribe</a></nav></header>
  <main>
    <article>
      <h1>Council approves budget</h1>
      <p>The city council voted on Tuesday to approve the new budget after a debate that
      lasted well into the night, ending months of uncertainty for local services.</p>
      <p>Residents said they were relieved that the central library would stay open for
      another year, and that bus routes to the outer districts would not be cut.</p>
      <p>“This is a budget for everyone,” the mayor told reporters outside the town hall,
      adding that the council would review spending again in the spring.</p>
    </article>
  </main>
  <aside><h2>Most read</h2><ul><li><a href="/a">Storm hits coast</a></li>
  <li><a href="/b">Team wins cup</a></li></ul></aside>
  <footer><p>© 2021 The Daily Planet. All rights reserved.</p>
  <a href="/privacy">Privacy</a> <a href="/terms">Terms</a></footer>
</body>
</html>
"""


def test_html_article(tmp_path: Path) -> None:
    doc = load_document(_write(tmp_path / "page.html", ARTICLE_HTML))
    assert doc.id == "page.html"
    assert "voted on Tuesday to approve the new budget" in doc.text
    assert "the council would review spending again in the spring" in doc.text
    for chrome in ("Sport", "Privacy", "Storm hits coast", "All rights reserved"):
        assert chrome not in doc.text
    assert doc.date == dt.date(2021, 7, 6)
    assert doc.title == "Council approves budget"
    assert doc.url == "https://dailyplanet.example/news/council-budget"
    assert doc.outlet == "The Daily Planet"
    assert any("library would stay open" in doc.text[s:e] for s, e in doc.body)


# --- bad input -----------------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    _assert_input_error(tmp_path / "nope.txt", "no such file")


def test_directory(tmp_path: Path) -> None:
    _assert_input_error(tmp_path, "directory")


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "secret.txt", PROSE)
    real_open = Path.open

    # Tests run as root in CI, where chmod 0 does not stop reading: deny it directly.
    def deny(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", deny)
    _assert_input_error(path, "permission denied")


def test_empty_file(tmp_path: Path) -> None:
    _assert_input_error(_write(tmp_path / "empty.txt", b""), "empty document")


def test_whitespace_only_file(tmp_path: Path) -> None:
    _assert_input_error(_write(tmp_path / "blank.txt", " \n\t\r\n  \n"), "empty document")


def test_whitespace_only_utf16(tmp_path: Path) -> None:
    path = _write(tmp_path / "blank16.txt", b"\xff\xfe" + " \n \u3000".encode("utf-16-le"))
    _assert_input_error(path, "empty document")


def test_binary_file_with_nul(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4
    _assert_input_error(_write(tmp_path / "image.txt", png), "binary file, not text")


def test_binary_file_of_control_bytes(tmp_path: Path) -> None:
    data = bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16, 65, 66]) * 50
    _assert_input_error(_write(tmp_path / "blob.bin", data), "binary file, not text")


def test_undecodable_bytes(tmp_path: Path) -> None:
    data = b"Hello world, this is text " + bytes(range(0x80, 0x100)) + b" and more."
    message = _assert_input_error(_write(tmp_path / "mojibake.txt", data), "cannot decode")
    assert "0x80" in message


def test_too_large_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: instant, and reading it would be all NULs
    message = _assert_input_error(path, "too large")
    assert "200.0 MB" in message and "64.0 MB" in message


def test_max_bytes_from_config(tmp_path: Path) -> None:
    path = _write(tmp_path / "small.txt", PROSE)
    _assert_input_error(path, "too large", config=IngestConfig(max_bytes=10))


def test_malformed_json(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.json", '{\n  "text": "hello",\n  "id": \n}')
    message = _assert_input_error(path, "malformed JSON", "line 4", "column 1")
    assert message.count(":") >= 2


def test_json_not_an_object(tmp_path: Path) -> None:
    path = _write(tmp_path / "list.json", json.dumps([PROSE]))
    _assert_input_error(path, "JSON must be an object", "an array")


def test_json_without_text(tmp_path: Path) -> None:
    path = _write(tmp_path / "notext.json", json.dumps({"body": PROSE}))
    _assert_input_error(path, 'no "text"')


def test_json_text_not_a_string(tmp_path: Path) -> None:
    path = _write(tmp_path / "numtext.json", json.dumps({"text": 42}))
    _assert_input_error(path, '"text" must be a string', "a number")


def test_json_empty_text(tmp_path: Path) -> None:
    path = _write(tmp_path / "emptytext.json", json.dumps({"text": "  \n"}))
    _assert_input_error(path, "empty document")


def test_json_invalid_date(tmp_path: Path) -> None:
    path = _write(tmp_path / "baddate.json", json.dumps({"text": PROSE, "date": "July 6th"}))
    _assert_input_error(path, "invalid date", "July 6th")


def test_empty_html(tmp_path: Path) -> None:
    _assert_input_error(_write(tmp_path / "empty.html", ""), "empty document")


@pytest.mark.parametrize(
    "html",
    [
        "<html><head><title>Oops</title></head><body><script>var x = 1;</script></body></html>",
        "<<<>>> </div></p>",
    ],
)
def test_html_without_article(tmp_path: Path, html: str) -> None:
    _assert_input_error(_write(tmp_path / "junk.htm", html), "no article text found in HTML")
