"""Read documents from disk (plain text, JSON, HTML) into ``Document`` objects.

``Document.text`` is the decoded file with a byte-order mark removed and nothing
else changed: no newline normalisation, no control-character cleanup. Corpus truth
files (PAN, Clough & Stevenson) give character offsets into exactly that text, and
every span unspin reports must land on the characters the user sees.

Every failure is an ``InputError`` whose message is one line, ``"<path>: <problem>"``.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import charset_normalizer

from . import boilerplate
from .config import IngestConfig
from .errors import InputError
from .records import Document

__all__ = ["decode_bytes", "document_from_text", "load_document"]

_JSON_SUFFIXES = frozenset({".json"})
_HTML_SUFFIXES = frozenset({".html", ".htm"})

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
    suffix = Path(path).suffix.lower()
    name = Path(path).name
    if suffix in _JSON_SUFFIXES:
        return _from_json(data, name=name, source=source)
    if suffix in _HTML_SUFFIXES:
        return _from_html(data, name=name, source=source)
    return document_from_text(decode_bytes(data, source=source), id=name, path=source)


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


def _read_bytes(path: Path, source: str, config: IngestConfig) -> bytes:
    """Stat, check and read a file; every OS failure becomes a one-line ``InputError``."""
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
    if not isinstance(obj, dict):
        raise InputError(
            source, f'JSON must be an object with a "text" string, not {_json_type(obj)}'
        )
    text = obj.get("text")
    if not isinstance(text, str):
        problem = (
            'JSON object has no "text" field'
            if "text" not in obj
            else f'JSON "text" must be a string, not {_json_type(text)}'
        )
        raise InputError(source, problem)
    fields: dict[str, str | None] = {}
    for key in ("id", "date", "title", "url", "outlet"):
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            raise InputError(source, f'JSON "{key}" must be a string, not {_json_type(value)}')
        fields[key] = value
    date = (
        _parse_iso_date(fields["date"], source=source, where='JSON "date"')
        if fields["date"]
        else None
    )
    return document_from_text(
        text,
        id=fields["id"] or name,
        path=source,
        date=date,
        title=fields["title"],
        url=fields["url"],
        outlet=fields["outlet"],
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
