"""Read documents from disk (plain text, JSON, HTML) into ``Document`` objects.

``Document.text`` is the decoded file with a byte-order mark removed and nothing
else changed: no newline normalisation, no control-character cleanup. Corpus truth
files (PAN, Clough & Stevenson) give character offsets into exactly that text, and
every span unspin reports must land on the characters the user sees.

Every failure is an ``InputError`` whose message is one line, ``"<path>: <problem>"``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import glob
import gzip
import io
import json
import os
import re
import stat
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import charset_normalizer

from . import boilerplate
from .config import IngestConfig
from .errors import InputError
from .records import Document

__all__ = [
    "Skipped",
    "check_paths",
    "decode_bytes",
    "document_from_text",
    "estimate_documents",
    "expand_globs",
    "input_files",
    "iter_documents",
    "load_document",
    "read_inputs",
]

_JSON_SUFFIXES = frozenset({".json"})
_HTML_SUFFIXES = frozenset({".html", ".htm"})

#: The optional fields of a record (JSON file, JSON line, CSV row, Parquet row).
_RECORD_FIELDS = ("id", "date", "title", "url", "outlet")

# UTF-32 marks first: the UTF-32-LE mark begins with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

#: Bytes that never occur in text (C0 controls other than tab, newlines, \v, \f; and DEL).
_CONTROL_BYTES = frozenset((*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F))
#: Share of such bytes above which a file is called binary. PAN texts carry stray
#: controls, so a few are fine; a real binary file without NULs is still mostly these.
_BINARY_CONTROL_SHARE = 0.3

#: charset_normalizer guesses within this "chaos" of the best are equally plausible.
_CHAOS_TOLERANCE = 0.01
#: Among equally plausible legacy encodings prefer Windows-1252: it is what English
#: news sites and the Clough & Stevenson corpus actually use, while charset_normalizer
#: often ranks cp775 or cp1250 first on short English texts with a few curly quotes.
_PREFERRED_LEGACY = "cp1252"

#: A leading metadata line: "date 2021-07-06 …", "Date: 2021-07-06", "published
#: 2021-07-06T10:00Z". The keyword must be followed by an ISO date and then
#: whitespace or the end, so prose starting "Date night …" is never eaten.
_META_DATE = re.compile(
    r"""\A\s*(?:date|dated|published|pubdate)[ \t]*[:=]?[ \t]*
        (?P<date>\d{4}-\d{2}-\d{2})
        (?P<time>[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?
        (?=\s|\Z)\s*""",
    re.IGNORECASE | re.VERBOSE,
)

_BYTES_PER_MB = 1024 * 1024


def load_document(path: str | os.PathLike[str], *, config: IngestConfig | None = None) -> Document:
    """Read one document, choosing the reader by file extension.

    ``.json`` is a JSON object (``text`` plus optional metadata), ``.html``/``.htm`` a
    web page whose article text is extracted, anything else plain text.

    Args:
        path: The file to read.
        config: Input limits; the defaults when omitted.

    Returns:
        The document, with ``id`` the file name (or the JSON ``id``) and ``path`` as given.

    Raises:
        InputError: The file is missing, unreadable, too large, empty, binary,
            undecodable, or not valid for its format.
    """
    config = config or IngestConfig()
    source = str(path)
    data = _read_bytes(Path(path), source, config)
    doc = document_from_bytes(data, name=Path(path).name, source=source)
    return doc if doc.path is not None else replace(doc, path=source)


def document_from_bytes(data: bytes, *, name: str, source: str | None = None) -> Document:
    """A document from the bytes of a file called ``name`` (an upload, say): the reader is
    chosen by its extension as in :func:`load_document`; ``source`` names it in errors
    (``name`` by default). The document's ``path`` stays unset: these bytes came from
    no path.

    Raises:
        InputError: The bytes are empty, binary, undecodable or not valid for the format.
    """
    source = source or name
    suffix = Path(name).suffix.lower()
    if suffix in _JSON_SUFFIXES:
        doc = _from_json(data, name=name, source=source)
    elif suffix in _HTML_SUFFIXES:
        doc = _from_html(data, name=name, source=source)
    else:
        doc = document_from_text(decode_bytes(data, source=source), id=name, path=source)
    return replace(doc, path=None)


def document_from_text(
    text: str,
    *,
    id: str,
    path: str | None = None,
    date: dt.date | None = None,
    title: str | None = None,
    url: str | None = None,
    outlet: str | None = None,
) -> Document:
    """Build a document from decoded text, reading a leading metadata line.

    A leading ``date 2021-07-06`` (or ``Date: …``, ``published …``) sets the date and
    is kept out of the body; the body is the rest minus boilerplate.

    Args:
        text: The decoded text; kept exactly as given.
        id: The document's identifier.
        path: Where it came from, if anywhere; used in error messages.
        date: Publication date; wins over a date in the metadata line.
        title: Headline, if known.
        url: Address, if known.
        outlet: Publisher name, if known.

    Returns:
        The document with ``body`` set.

    Raises:
        InputError: The text is empty or whitespace, or the metadata line has an
            impossible date.
    """
    source = path if path is not None else id
    if not text.strip():
        raise InputError(source, "empty document")
    body_start = 0
    if (m := _META_DATE.match(text)) is not None:
        found = _parse_iso_date(m["date"], source=source, where="metadata line")
        date = date or found
        body_start = m.end()
    return Document(
        id=id,
        text=text,
        path=path,
        date=date,
        title=title,
        url=url,
        outlet=outlet,
        body=_nonempty_body(text, body_start),
    )


def _nonempty_body(text: str, start: int) -> tuple[tuple[int, int], ...]:
    spans = boilerplate.body_spans(text, start)
    # ``Document`` reads an empty body as "all of it", which would un-hide the
    # boilerplate; a zero-length span says "nothing is article" instead.
    return spans or ((start, start),)


def decode_bytes(data: bytes, *, source: str) -> str:
    """Decode file bytes to text, removing a byte-order mark and changing nothing else.

    Order: a BOM (UTF-8, UTF-16, UTF-32) decides; else strict UTF-8; else the most
    plausible legacy encoding according to ``charset_normalizer``. Mostly-control
    bytes, or NUL bytes in something that is not UTF-8, are a binary file.

    Args:
        data: The raw bytes.
        source: Names the input in error messages.

    Returns:
        The decoded text.

    Raises:
        InputError: The bytes are binary or fit no encoding plausibly.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec)
            except UnicodeDecodeError as err:
                raise InputError(
                    source,
                    f"cannot decode: invalid {codec.upper()} after its byte-order mark "
                    f"at byte {err.start + len(bom)}",
                ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        utf8_error = err
    else:
        # Valid UTF-8 is text even with stray NULs (PAN source documents have them);
        # only a file that is mostly control bytes is refused.
        if _mostly_control(data):
            raise InputError(source, _binary_problem(data))
        return text
    # Legacy single-byte text never contains NUL, while binary formats nearly always do.
    if b"\x00" in data or _mostly_control(data):
        raise InputError(source, _binary_problem(data))
    legacy = _decode_legacy(data)
    if legacy is None:
        raise InputError(
            source,
            f"cannot decode: not UTF-8 (invalid byte 0x{data[utf8_error.start]:02x} at byte "
            f"{utf8_error.start}) and no other text encoding fits",
        )
    return legacy


def _mostly_control(data: bytes) -> bool:
    """Are control bytes (NUL included) more than a small share of the first 64 KiB?"""
    sample = data[: 64 * 1024]
    controls = sum(1 for b in sample if b in _CONTROL_BYTES)
    return bool(sample) and controls / len(sample) > _BINARY_CONTROL_SHARE


def _binary_problem(data: bytes) -> str:
    sample = data[: 64 * 1024]
    # ASCII text saved as UTF-16 without a BOM has a NUL in every other byte.
    if len(sample) >= 4 and max(sample[0::2].count(0), sample[1::2].count(0)) > len(sample) * 0.4:
        return "binary file, not text (UTF-16 without a byte-order mark?)"
    return "binary file, not text"


def _decode_legacy(data: bytes) -> str | None:
    """Decode non-UTF-8 bytes with the most plausible single encoding, or ``None``."""
    # UTF-16/32 without a BOM is not accepted: charset_normalizer proposes it for
    # short Latin-1 snippets, and real UTF-16 files carry a BOM (or NULs → binary).
    results = [
        r
        for r in charset_normalizer.from_bytes(data)
        if not r.encoding.startswith(("utf_16", "utf_32", "utf_8"))
    ]
    if not results:
        return None
    best = min(r.chaos for r in results)
    plausible = [r for r in results if r.chaos <= best + _CHAOS_TOLERANCE]
    encodings = [r.encoding for r in plausible]
    if any(_PREFERRED_LEGACY in r.could_be_from_charset for r in plausible):
        encodings.insert(0, _PREFERRED_LEGACY)
    for encoding in encodings:
        try:
            # Decode ourselves, strictly: the guess must fit every byte.
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return None


def _stat_file(path: Path, source: str) -> os.stat_result:
    """Stat a file that is about to be read; every OS failure becomes an ``InputError``."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(source, "no such file") from None
    except PermissionError:
        raise InputError(source, "permission denied") from None
    except OSError as err:
        raise InputError(source, f"cannot read: {_os_reason(err)}") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(source, "is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        # A FIFO or device could block forever or never end.
        raise InputError(source, "not a regular file")
    return st


def _read_bytes(path: Path, source: str, config: IngestConfig) -> bytes:
    """Stat, check and read a file; every OS failure becomes a one-line ``InputError``."""
    st = _stat_file(path, source)
    # Checked before reading: a huge file is refused without filling memory.
    if st.st_size > config.max_bytes:
        raise InputError(
            source,
            f"file too large: {st.st_size / _BYTES_PER_MB:.1f} MB, the limit is "
            f"{config.max_bytes / _BYTES_PER_MB:.1f} MB (ingest.max_bytes)",
        )
    try:
        with path.open("rb") as f:
            # One byte past the limit: a file that grew after stat is still refused.
            data = f.read(config.max_bytes + 1)
    except PermissionError:
        raise InputError(source, "permission denied") from None
    except IsADirectoryError:
        raise InputError(source, "is a directory, not a file") from None
    except OSError as err:
        raise InputError(source, f"cannot read: {_os_reason(err)}") from None
    if len(data) > config.max_bytes:
        raise InputError(
            source,
            f"file too large: over {config.max_bytes / _BYTES_PER_MB:.1f} MB (ingest.max_bytes)",
        )
    if not data.strip():
        raise InputError(source, "empty document")
    return data


def _os_reason(err: OSError) -> str:
    return " ".join((err.strerror or type(err).__name__).split())


def _parse_iso_date(value: str, *, source: str, where: str) -> dt.date:
    """An ISO date or datetime string as a date."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        pass
    try:
        # "Z" suffix and offsets are accepted by fromisoformat from 3.11 on.
        return dt.datetime.fromisoformat(value).date()
    except ValueError:
        raise InputError(
            source, f"invalid date {_short(value)} in {where} (expected ISO 8601, e.g. 2021-07-06)"
        ) from None


def _short(value: object, limit: int = 40) -> str:
    """A value quoted for a one-line message, newlines escaped, long values cut."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _from_json(data: bytes, *, name: str, source: str) -> Document:
    """A JSON object: ``text`` (required); ``id``, ``date``, ``title``, ``url``, ``outlet``."""
    raw = decode_bytes(data, source=source)
    try:
        obj: Any = json.loads(raw)
    except json.JSONDecodeError as err:
        raise InputError(
            source, f"malformed JSON at line {err.lineno}, column {err.colno}: {err.msg}"
        ) from None
    except RecursionError:
        raise InputError(source, "malformed JSON: nested too deeply") from None
    return _from_json_object(obj, default_id=name, source=source)


def _from_json_object(
    obj: object, *, default_id: str, source: str, int_id: bool = False
) -> Document:
    """A parsed JSON value that must be an object with a ``text`` string."""
    if not isinstance(obj, dict):
        raise InputError(
            source, f'JSON must be an object with a "text" string, not {_json_type(obj)}'
        )
    if "text" not in obj:
        raise InputError(source, 'JSON object has no "text" field')
    return _from_fields(obj, default_id=default_id, source=source, label="JSON", int_id=int_id)


def _from_fields(
    fields: Mapping[str, object],
    *,
    default_id: str,
    source: str,
    label: str,
    int_id: bool = False,
) -> Document:
    """A record's ``text`` (required) and ``id``, ``date``, ``title``, ``url``, ``outlet``.

    ``label`` names where the fields live in messages ("JSON", "column"). ``int_id``
    accepts whole-number ids: JSON Lines and Parquet datasets often number records.
    """
    text = fields.get("text")
    if not isinstance(text, str):
        raise InputError(source, f'{label} "text" must be a string, not {_json_type(text)}')
    found: dict[str, str | None] = {}
    for key in _RECORD_FIELDS:
        value = fields.get(key)
        if key == "id" and int_id and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if key == "date" and isinstance(value, dt.date):
            # A typed date column (Parquet DATE or TIMESTAMP) needs no parsing.
            value = value.isoformat()[:10]
        if value is not None and not isinstance(value, str):
            raise InputError(source, f'{label} "{key}" must be a string, not {_json_type(value)}')
        found[key] = value
    date = (
        _parse_iso_date(found["date"], source=source, where=f'{label} "date"')
        if found["date"]
        else None
    )
    return document_from_text(
        text,
        id=found["id"] or default_id,
        path=source,
        date=date,
        title=found["title"],
        url=found["url"],
        outlet=found["outlet"],
    )


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)


def _from_html(data: bytes, *, name: str, source: str) -> Document:
    """A web page: the article text by trafilatura, plus what metadata it finds."""
    import trafilatura  # slow to import; only HTML inputs need it

    html = decode_bytes(data, source=source)
    try:
        text = trafilatura.extract(
            html,
            favor_precision=True,
            include_comments=False,
            include_tables=False,
            deduplicate=False,
        )
        meta = trafilatura.extract_metadata(html)
    except Exception as err:  # a third-party parser: whatever it trips on is bad input
        raise InputError(source, f"cannot parse HTML: {_one_line(err)}") from None
    # trafilatura returns stray markup or nothing for pages without an article.
    if not isinstance(text, str) or not any(c.isalpha() for c in text):
        raise InputError(source, "no article text found in HTML")
    return document_from_text(
        text,
        id=name,
        path=source,
        date=_meta_date(getattr(meta, "date", None)),
        title=_meta_str(getattr(meta, "title", None)),
        url=_meta_str(getattr(meta, "url", None)),
        outlet=_meta_str(getattr(meta, "sitename", None)),
    )


def _duckdb_problem(err: Exception) -> str:
    # DuckDB appends the failing SQL ("LINE 1: … ^^^"), which is ours, not the user's.
    return _one_line(err).split(" LINE 1:")[0]


def _one_line(err: Exception) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def _meta_str(value: object) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _meta_date(value: object) -> dt.date | None:
    """trafilatura's date guess; a guess that does not parse is dropped, not an error."""
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


# --- corpora: folders and files holding many documents ----------------------------


@dataclass(frozen=True, slots=True)
class Skipped:
    """An input that could not be read; the run goes on without it."""

    source: str  # the file, or "file#record" for one record of a container
    reason: str  # one line: what is wrong


#: Reader by lower-case suffix; a file without a suffix is plain text.
_KINDS = {
    "": "text",
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".json": "json",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".warc": "warc",
    ".arc": "warc",
}
#: Readers that also take the file gzip-compressed (``x.jsonl.gz``).
_GZIP_KINDS = frozenset({"jsonl", "csv", "tsv", "warc"})
#: Readers of files holding many documents.
_CONTAINER_KINDS = frozenset({"jsonl", "csv", "tsv", "parquet", "warc"})
#: A path with one of these is a shell pattern (as ``glob.has_magic`` tests).
_GLOB_MAGIC = re.compile(r"[*?[]")
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 64 * 1024
#: Parquet rows fetched at a time: a big file is streamed, not loaded.
_PARQUET_BATCH = 256
#: What reading a (possibly gzip-compressed) stream raises when the file is damaged.
_STREAM_ERRORS = (OSError, EOFError, zlib.error)


def check_paths(paths: Sequence[str | os.PathLike[str]]) -> None:
    """Check that every top-level input exists and is readable, before anything is indexed.

    Args:
        paths: Files and folders as the user named them.

    Raises:
        InputError: A path does not exist, cannot be read, or is neither file nor folder.
    """
    for path in paths:
        source = str(path)
        st = _stat_top(path, source)
        if stat.S_ISDIR(st.st_mode):
            if not os.access(path, os.R_OK | os.X_OK):
                raise InputError(source, "permission denied: cannot list the folder")
        elif not stat.S_ISREG(st.st_mode):
            raise InputError(source, "not a regular file or folder")
        elif not os.access(path, os.R_OK):
            raise InputError(source, "permission denied")


def iter_documents(
    paths: Sequence[str | os.PathLike[str]], *, config: IngestConfig | None = None
) -> Iterator[Document | Skipped]:
    """Yield every document in files and folders; what cannot be read is ``Skipped``.

    Folders are walked recursively in sorted order, hidden names skipped. Plain text,
    JSON and HTML files are one document each (``id`` and ``path`` the path as
    walked); JSON Lines, CSV/TSV, Parquet and WARC/ARC files are streamed, one
    document per record (``path`` is ``"file#n"``, ``id`` the record's own id or URL
    when it has one, else the same). In a folder, other suffixes are skipped; a file
    named directly is read as plain text whatever its suffix, as ``load_document`` does.

    Args:
        paths: Files and folders.
        config: Input limits; ``max_bytes`` applies per document (per record in a
            container, never to the container as a whole).

    Yields:
        Documents, and a ``Skipped`` for every file or record that cannot be read.
        Bad input never ends the iteration.
    """
    yield from read_inputs(input_files(paths), config=config)


@dataclass(frozen=True, slots=True)
class InputFile:
    """One file of the input, as ``iter_documents`` reads it."""

    source: str
    #: Found in a folder (an unknown suffix is skipped) rather than named (read as text).
    walked: bool

    @property
    def container(self) -> bool:
        """Many documents in one file (JSON Lines, CSV/TSV, Parquet, WARC)."""
        return _file_kind(os.path.basename(self.source)) in _CONTAINER_KINDS


def input_files(paths: Sequence[str | os.PathLike[str]]) -> Iterator[InputFile | Skipped]:
    """The files ``iter_documents`` reads, in its order, without reading them: the
    distributed index splits this list between workers and merges their parts in order.
    """
    for path in paths:
        source = str(path)
        try:
            st = _stat_top(path, source)
        except InputError as err:
            yield Skipped(err.source, err.problem)
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(Path(path), {(st.st_dev, st.st_ino)})
        else:
            yield InputFile(source, walked=False)


def read_inputs(
    files: Iterable[InputFile | Skipped], *, config: IngestConfig | None = None
) -> Iterator[Document | Skipped]:
    """The documents of ``input_files`` (or of a run of them), in order."""
    config = config or IngestConfig()
    for f in files:
        if isinstance(f, Skipped):
            yield f
        else:
            yield from _read_file(f.source, config, walked=f.walked)


def expand_globs(paths: Sequence[str | os.PathLike[str]]) -> list[str]:
    """Paths with shell patterns (``data/*.jsonl``, ``crawl/**/*.parquet``) replaced by
    the files they match, sorted: a pattern quoted for a cluster job reaches unspin
    unexpanded. A path that exists is kept as it is, whatever its characters.

    Raises:
        InputError: A pattern matches nothing.
    """
    out: list[str] = []
    for path in paths:
        source = str(path)
        if os.path.lexists(source) or not _GLOB_MAGIC.search(source):
            out.append(source)
            continue
        matches = sorted(glob.glob(source, recursive=True))
        if not matches:
            raise InputError(source, "no file matches this pattern")
        out.extend(matches)
    return out


def estimate_documents(paths: Sequence[str | os.PathLike[str]]) -> int | None:
    """About how many documents ``iter_documents`` will yield, for a progress bar's ETA.

    Cheap: files are counted, JSON Lines and CSV lines counted as bytes (a quoted
    newline in a CSV cell over-counts), Parquet read from its footer. ``None`` when a
    compressed file or a web archive makes the count unknowable without reading it all.
    """
    total = 0
    for path in paths:
        files = sorted(Path(path).rglob("*")) if Path(path).is_dir() else [Path(path)]
        for f in files:
            if any(part.startswith(".") for part in f.parts[len(Path(path).parts) :]):
                continue
            if not f.is_file():
                continue
            kind = _file_kind(f.name)
            if f.name.lower().endswith(".gz") or kind == "warc":
                return None
            try:
                if kind == "jsonl":
                    total += _count_lines(f)
                elif kind in ("csv", "tsv"):
                    total += max(0, _count_lines(f) - 1)
                elif kind == "parquet":
                    import duckdb  # only Parquet inputs need it here

                    con = duckdb.connect()
                    try:
                        rows = con.execute(
                            "SELECT count(*) FROM read_parquet(?)", [str(f)]
                        ).fetchall()
                    finally:
                        con.close()
                    total += int(rows[0][0])
                else:
                    total += 1
            except Exception:
                total += 1
    return total


def _count_lines(path: Path) -> int:
    lines = 0
    last = b"\n"
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


def _stat_top(path: str | os.PathLike[str], source: str) -> os.stat_result:
    try:
        return os.stat(path)
    except FileNotFoundError:
        raise InputError(source, "no such file or directory") from None
    except PermissionError:
        raise InputError(source, "permission denied") from None
    except OSError as err:
        raise InputError(source, f"cannot read: {_os_reason(err)}") from None


def _walk(folder: Path, seen: set[tuple[int, int]]) -> Iterator[InputFile | Skipped]:
    """The files under ``folder`` in name order, depth first, hidden names left out."""
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as err:
        yield Skipped(str(folder), f"cannot list the folder: {_os_reason(err)}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        child = folder / entry.name
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False  # the file reader says what is wrong with it
        if not is_dir:
            yield InputFile(str(child), walked=True)
            continue
        try:
            st = child.stat()
        except OSError as err:
            yield Skipped(str(child), f"cannot read: {_os_reason(err)}")
            continue
        # A symlink back up the tree would otherwise be walked forever.
        if (st.st_dev, st.st_ino) in seen:
            continue
        seen.add((st.st_dev, st.st_ino))
        yield from _walk(child, seen)


def _file_kind(name: str) -> str | None:
    """The reader for a file name, or ``None`` if no reader takes it."""
    base, suffix = os.path.splitext(name.lower())
    if suffix == ".gz":
        inner = _KINDS.get(os.path.splitext(base)[1])
        return inner if inner in _GZIP_KINDS else None
    return _KINDS.get(suffix)


def _read_file(source: str, config: IngestConfig, *, walked: bool) -> Iterator[Document | Skipped]:
    kind = _file_kind(os.path.basename(source))
    if kind is None:
        if walked:
            suffix = os.path.splitext(source)[1]
            yield Skipped(source, f"unsupported file type {suffix!r}")
            return
        # Named on purpose: read as text like load_document; binary files are refused there.
        kind = "text"
    try:
        if kind in ("text", "json", "html"):
            yield replace(load_document(source, config=config), id=source)
        elif kind == "jsonl":
            yield from _jsonl_records(source, config)
        elif kind in ("csv", "tsv"):
            yield from _table_records(source, config, delimiter="," if kind == "csv" else "\t")
        elif kind == "parquet":
            yield from _parquet_records(source, config)
        else:
            yield from _warc_records(source, config)
    except InputError as err:
        yield Skipped(err.source, err.problem)


def _open_stream(source: str) -> io.BufferedIOBase:
    """Open a container for streaming, decompressing it when it starts with the gzip magic."""
    _stat_file(Path(source), source)
    try:
        with open(source, "rb") as f:
            magic = f.read(2)
        return gzip.open(source, "rb") if magic == _GZIP_MAGIC else open(source, "rb")
    except PermissionError:
        raise InputError(source, "permission denied") from None
    except OSError as err:
        raise InputError(source, f"cannot read: {_os_reason(err)}") from None


def _stream_problem(err: BaseException) -> str:
    """A damaged container, in one line."""
    if isinstance(err, EOFError):
        return f"truncated file: {_one_line(err)}"
    if isinstance(err, gzip.BadGzipFile | zlib.error):
        return f"corrupt gzip data: {_one_line(err)}"
    if isinstance(err, OSError):
        return f"cannot read: {_os_reason(err)}"
    return _one_line(err) if isinstance(err, Exception) else type(err).__name__


def _check_text_stream(stream: io.BufferedIOBase, source: str, what: str) -> None:
    """Refuse a container that is not UTF-8 text before reading it line by line."""
    sample = _peek(stream)
    for bom, codec in _BOMS:
        if sample.startswith(bom) and codec != "utf-8":
            raise InputError(source, f"{codec.upper()} text: {what} must be UTF-8")
    # Neither JSON Lines nor CSV text has NUL bytes; a binary file would otherwise
    # become thousands of skipped "records".
    if b"\x00" in sample or _mostly_control(sample):
        raise InputError(source, _binary_problem(sample))


def _peek(stream: io.BufferedIOBase) -> bytes:
    peek = getattr(stream, "peek", None)
    return bytes(peek(_CHUNK)) if callable(peek) else b""


def _too_large(size: int | None, config: IngestConfig) -> str:
    """``size`` is ``None`` when the record was not read to its end."""
    limit = _size(config.max_bytes)
    if size is None:
        return f"record too large: over {limit} (ingest.max_bytes)"
    return f"record too large: {_size(size)}, the limit is {limit} (ingest.max_bytes)"


def _size(n: int) -> str:
    # A small limit (a test, a tight config) would otherwise read "0.0 MB".
    return f"{n / _BYTES_PER_MB:.1f} MB" if n >= _BYTES_PER_MB else f"{n:,} bytes"


def _not_utf8(data: bytes, err: UnicodeDecodeError, line_no: int) -> str:
    return (
        f"cannot decode line {line_no}: not UTF-8 (invalid byte 0x{data[err.start]:02x} "
        f"at byte {err.start} of the line)"
    )


# --- JSON Lines


def _jsonl_records(source: str, config: IngestConfig) -> Iterator[Document | Skipped]:
    """One document per non-blank line, each a JSON object like a ``.json`` file's."""
    records = 0
    line_no = 0
    with _open_stream(source) as stream:
        try:
            _check_text_stream(stream, source, "JSON Lines")
            while True:
                line, whole = _read_line(stream, config.max_bytes)
                if not line:
                    break
                line_no += 1
                if line_no == 1:
                    line = line.removeprefix(codecs.BOM_UTF8)
                if whole and not line.strip():
                    continue
                records += 1
                where = f"{source}#{line_no}"
                if not whole:
                    yield Skipped(where, _too_large(None, config))
                    continue
                try:
                    yield _jsonl_document(line, where=where, line_no=line_no)
                except InputError as err:
                    yield Skipped(err.source, err.problem)
        except _STREAM_ERRORS as err:
            yield Skipped(source, f"{_stream_problem(err)}; stopped after line {line_no}")
            return
    if records == 0:
        yield Skipped(source, "empty file: no JSON lines")


def _read_line(stream: io.BufferedIOBase, limit: int) -> tuple[bytes, bool]:
    """The next line and whether it is whole; a line over ``limit`` bytes is cut and skipped.

    Never holds more than ``limit`` bytes: a runaway line is read past in chunks.
    """
    line = stream.readline(limit + 1)
    if len(line) <= limit or line.endswith(b"\n"):
        return line, True
    while (rest := stream.readline(_CHUNK)) and not rest.endswith(b"\n"):
        pass
    return line, False


def _jsonl_document(line: bytes, *, where: str, line_no: int) -> Document:
    try:
        raw = line.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(where, _not_utf8(line, err, line_no)) from None
    try:
        obj: Any = json.loads(raw)
    except json.JSONDecodeError as err:
        raise InputError(
            where, f"malformed JSON at line {line_no}, column {err.colno}: {err.msg}"
        ) from None
    except RecursionError:
        raise InputError(where, f"malformed JSON at line {line_no}: nested too deeply") from None
    return _from_json_object(obj, default_id=where, source=where, int_id=True)


# --- CSV and TSV


class _Utf8Lines:
    """The lines of a binary stream as text, for ``csv.reader``.

    A line with a problem (not UTF-8, or longer than ``max_bytes``, so its row is too
    large) is passed on mangled or empty and the problem kept in ``error``: the reader
    stays in step, only the row holding it is skipped, and memory stays bounded.
    """

    def __init__(self, stream: io.BufferedIOBase, config: IngestConfig) -> None:
        self._stream = stream
        self._config = config
        self.line_no = 0
        self.error: str | None = None

    def __iter__(self) -> _Utf8Lines:
        return self

    def __next__(self) -> str:
        line, whole = _read_line(self._stream, self._config.max_bytes + 2)  # + "\r\n"
        if not line:
            raise StopIteration
        self.line_no += 1
        if not whole:
            self.error = self.error or _too_large(None, self._config)
            return "\n"
        if self.line_no == 1:
            line = line.removeprefix(codecs.BOM_UTF8)
        try:
            return line.decode("utf-8")
        except UnicodeDecodeError as err:
            self.error = self.error or _not_utf8(line, err, self.line_no)
            return line.decode("utf-8", "replace")


def _table_records(
    source: str, config: IngestConfig, *, delimiter: str
) -> Iterator[Document | Skipped]:
    """One document per data row; the header row must name a ``text`` column."""
    # csv refuses fields over 128 KiB by default, and articles are longer. A quoted
    # field spanning many lines can still pass this; it stops the file rather than
    # fill memory. (The limit is process-wide.)
    limit = min(2 * config.max_bytes + 2, 2**31 - 1)
    if csv.field_size_limit() < limit:
        csv.field_size_limit(limit)
    row_no = 0
    with _open_stream(source) as stream:
        try:
            _check_text_stream(stream, source, "CSV")
            lines = _Utf8Lines(stream, config)
            reader = csv.reader(lines, dialect="excel" if delimiter == "," else "excel-tab")
            header = next(reader, None)
            if header is None:
                raise InputError(source, "empty file: no header row")
            if lines.error:
                raise InputError(source, f"header row: {lines.error}")
            columns = [name.strip().lower() for name in header]
            if "text" not in columns:
                raise InputError(
                    source, f'no "text" column in the header row (found {_short(header, 80)})'
                )
            for row in reader:
                problem: str | None = lines.error
                lines.error = None
                if not row and problem is None:
                    continue  # a blank line
                row_no += 1
                where = f"{source}#{row_no}"
                if problem is None:
                    problem = _row_problem(row, len(header), config)
                if problem is not None:
                    yield Skipped(where, problem)
                    continue
                fields: dict[str, str | None] = {}
                for name, value in zip(columns, row, strict=True):
                    # The first of two same-named columns wins; an empty cell is no value,
                    # except in "text", where it is an empty document.
                    fields.setdefault(name, value if name == "text" else value or None)
                try:
                    yield _from_fields(fields, default_id=where, source=where, label="column")
                except InputError as err:
                    yield Skipped(err.source, err.problem)
        except (*_STREAM_ERRORS, csv.Error) as err:
            yield Skipped(source, f"{_stream_problem(err)}; stopped after row {row_no}")


def _row_problem(row: list[str], width: int, config: IngestConfig) -> str | None:
    if len(row) != width:
        return f"row has {len(row)} fields, the header has {width}"
    size = sum(len(value.encode("utf-8", "surrogatepass")) for value in row)
    return _too_large(size, config) if size > config.max_bytes else None


# --- Parquet


def _parquet_records(source: str, config: IngestConfig) -> Iterator[Document | Skipped]:
    """One document per row, fetched in batches; a ``text`` column is required."""
    import duckdb  # only Parquet inputs need it here

    _stat_file(Path(source), source)
    con = duckdb.connect()
    row_no = 0
    try:
        try:
            described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [source]).fetchall()
        except duckdb.Error as err:
            raise InputError(source, f"cannot read Parquet: {_duckdb_problem(err)}") from None
        names: dict[str, str] = {}
        for column in described:
            names.setdefault(str(column[0]).strip().lower(), str(column[0]))
        if "text" not in names:
            raise InputError(source, f'no "text" column (found {_short(list(names), 80)})')
        keys = ["text", *(key for key in _RECORD_FIELDS if key in names)]
        columns = ", ".join('"' + names[key].replace('"', '""') + '"' for key in keys)
        try:
            cursor = con.execute(f"SELECT {columns} FROM read_parquet(?)", [source])
            while batch := cursor.fetchmany(_PARQUET_BATCH):
                for values in batch:
                    row_no += 1
                    yield _parquet_row(dict(zip(keys, values, strict=True)), source, row_no, config)
        except duckdb.Error as err:
            yield Skipped(
                source, f"cannot read Parquet: {_duckdb_problem(err)}; stopped after row {row_no}"
            )
    finally:
        con.close()


def _parquet_row(
    fields: dict[str, object], source: str, row_no: int, config: IngestConfig
) -> Document | Skipped:
    where = f"{source}#{row_no}"
    text = fields["text"]
    if isinstance(text, str) and (size := len(text.encode("utf-8", "surrogatepass"))) > (
        config.max_bytes
    ):
        return Skipped(where, _too_large(size, config))
    try:
        return _from_fields(fields, default_id=where, source=where, label="column", int_id=True)
    except InputError as err:
        return Skipped(err.source, err.problem)


# --- WARC and ARC


class _GuardedStream:
    """A binary stream that turns a read failure into an early end, remembering it.

    warcio takes an ``EOFError`` for the end of the archive and drops what it had
    buffered, so a truncated ``.warc.gz`` would look complete. Decompressing here, a
    little at a time, keeps every whole record and reports the damage afterwards.
    """

    def __init__(self, stream: io.BufferedIOBase) -> None:
        self._stream = stream
        self.delivered = 0
        self.error: str | None = None

    def read(self, size: int | None = -1) -> bytes:
        if self.error is not None:
            return b""
        try:
            data = self._stream.read1(size if size and size > 0 else _CHUNK)
        except _STREAM_ERRORS as err:
            self.error = _stream_problem(err)
            return b""
        self.delivered += len(data)
        return data

    def tell(self) -> int:
        return self.delivered


def _warc_records(source: str, config: IngestConfig) -> Iterator[Document | Skipped]:
    """One document per HTML response with status 200; other records are not documents."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    with _open_stream(source) as raw:
        stream = _GuardedStream(raw)
        n = 0
        try:
            records = ArchiveIterator(stream, arc2warc=True)
            for record in records:
                n += 1
                where = f"{source}#{n}"
                if record.length is None:
                    # warcio hands over a record whose headers were cut off mid-way.
                    problem = stream.error or "truncated file: a record's headers are cut off"
                    yield Skipped(source, f"{problem}; record {n} is incomplete, reading stopped")
                    return
                payload: bytes | Skipped | None = None
                if _is_html_response(record):
                    payload = _warc_payload(record, where, config)
                while record.raw_stream.read(_CHUNK):
                    pass  # to the end of the record, to see whether it is all there
                if getattr(record.raw_stream, "limit", 0) > 0:
                    problem = stream.error or "truncated file: it ends inside a record"
                    yield Skipped(source, f"{problem}; record {n} is incomplete, reading stopped")
                    return
                if isinstance(payload, bytes):
                    yield _warc_document(record, payload, where)
                elif payload is not None:
                    yield payload
            ended = records.offset
        except Exception as err:  # warcio trips on damaged headers in many ways
            problem = stream.error or (
                f"corrupt WARC/ARC data: {_one_line(err)}"
                if isinstance(err, ArchiveLoadFailed)
                else f"corrupt WARC/ARC data: malformed record headers ({type(err).__name__})"
            )
            yield Skipped(source, f"{problem}; stopped after record {n}")
            return
    if stream.error is not None:
        yield Skipped(source, f"{stream.error}; stopped after record {n}")
    elif ended < stream.delivered:
        # warcio stops quietly at a record whose headers are cut off.
        yield Skipped(
            source,
            f"truncated file: {stream.delivered - ended} bytes after record {n} "
            "are not a complete record",
        )
    elif n == 0:
        yield Skipped(source, "empty file: no WARC/ARC records")


def _is_html_response(record: Any) -> bool:
    if record.rec_type != "response" or record.http_headers is None:
        return False
    content_type = str(record.http_headers.get_header("Content-Type") or "").lower()
    return bool(record.http_headers.get_statuscode() == "200" and "html" in content_type)


def _warc_payload(record: Any, where: str, config: IngestConfig) -> bytes | Skipped:
    """The HTTP body (de-chunked, decompressed), at most ``max_bytes`` of it."""
    try:
        data = bytes(record.content_stream().read(config.max_bytes + 1))
    except Exception as err:  # warcio's chunked and gzip decoders, on damaged bodies
        return Skipped(where, f"cannot read the HTTP body: {_one_line(err)}")
    if len(data) > config.max_bytes:
        return Skipped(where, _too_large(None, config))
    return data


def _warc_document(record: Any, payload: bytes, where: str) -> Document | Skipped:
    uri = _meta_str(record.rec_headers.get_header("WARC-Target-URI"))
    try:
        doc = _from_html(payload, name=uri or where, source=where)
    except InputError as err:
        return Skipped(err.source, err.problem)
    # The crawl date stands in for a publication date the page does not give.
    crawled = _meta_date(record.rec_headers.get_header("WARC-Date"))
    return replace(doc, id=uri or where, url=uri or doc.url, date=doc.date or crawled)
