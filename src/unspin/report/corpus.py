"""A scan's files: ``pairs.jsonl``, ``documents.csv`` (the ledger) and an HTML index."""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import OutputError
from ..records import Comparison, PairReport
from .files import write_text_atomically
from .html import _environment, render_html


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """What ``documents.csv`` needs of every indexed document."""

    id: str
    path: str | None


def pair_line(pair: PairReport) -> dict[str, Any]:
    """One line of ``pairs.jsonl``: the ``compare`` pair schema plus both documents' paths."""
    return {
        **pair.to_dict(),
        "source_path": pair.source.path,
        "derived_path": pair.derived.path,
    }


def result_rows(
    pairs: Iterable[PairReport], families: dict[str, int]
) -> list[tuple[str, str, int | None, str]]:
    """The index's ``results`` rows of a scan: (source, derived, family, pair line JSON)."""
    return [
        (
            p.source.id,
            p.derived.id,
            families.get(p.derived.id),
            json.dumps(pair_line(p), ensure_ascii=False),
        )
        for p in pairs
    ]


def pair_page(number: int) -> str:
    return f"pairs/{number:06d}.html"


def write_scan(
    out: str | os.PathLike[str],
    *,
    pairs: list[PairReport],
    ledgers: dict[str, Any],
    families: dict[str, int],
    catalog: Iterable[CatalogEntry],
    documents: int,
    candidates: int,
    html: bool = True,
) -> None:
    """Write the scan's files into ``out`` (created), each one whole or not at all.

    Raises:
        OutputError: The folder or a file cannot be written.
    """
    folder = Path(out)
    try:
        (folder / "pairs").mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(folder, f"cannot create folder ({err.strerror or err})") from None
    write_text_atomically(
        folder / "pairs.jsonl",
        "".join(json.dumps(pair_line(p), ensure_ascii=False) + "\n" for p in pairs),
    )
    write_text_atomically(folder / "documents.csv", _documents_csv(catalog, ledgers, families))
    if not html:
        return
    for n, p in enumerate(pairs, start=1):
        page = Comparison(documents=(p.source, p.derived), pairs=(p,), version=__version__)
        write_text_atomically(folder / pair_page(n), render_html(page))
    write_text_atomically(
        folder / "index.html", render_index(pairs, families, documents, candidates)
    )


def _documents_csv(
    catalog: Iterable[CatalogEntry], ledgers: dict[str, Any], families: dict[str, int]
) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "path", "sources", "borrowed_share", "original_share", "family"])
    for entry in catalog:
        led = ledgers.get(entry.id)
        sources = ";".join(e.source for e in led.entries) if led else ""
        borrowed = f"{led.borrowed_share:.4f}" if led else "0.0000"
        original = f"{led.original_share:.4f}" if led else "1.0000"
        family = families.get(entry.id)
        w.writerow([entry.id, entry.path or "", sources, borrowed, original, family or ""])
    return buf.getvalue()


def render_index(
    pairs: list[PairReport], families: dict[str, int], documents: int, candidates: int
) -> str:
    """The scan's front page: families, then every pair with a link to its page."""
    members: dict[int, list[str]] = {}
    dates: dict[str, str] = {}
    for p in pairs:
        for d in (p.source, p.derived):
            dates[d.id] = d.date.isoformat() if d.date else ""
    for doc_id, fam in sorted(families.items(), key=lambda kv: (kv[1], kv[0])):
        members.setdefault(fam, []).append(doc_id)
    family_rows = [
        {
            "number": fam,
            "members": ids,
            "earliest": min((dates[i] for i in ids if dates.get(i)), default="—"),
        }
        for fam, ids in sorted(members.items())
    ]
    rows = []
    for n, p in enumerate(pairs, start=1):
        kinds = Counter(x.kind.value for x in p.passages)
        rows.append(
            {
                "source": p.source.id,
                "derived": p.derived.id,
                "method": p.direction.method,
                "reason": p.direction.reason,
                "kinds": ", ".join(f"{v} {k}" for k, v in sorted(kinds.items())),
                "derived_coverage": f"{p.derived_coverage:.0%}",
                "source_coverage": f"{p.source_coverage:.0%}",
                "family": families.get(p.derived.id, ""),
                "href": pair_page(n),
            }
        )
    return (
        _environment()
        .get_template("scan.html.j2")
        .render(
            version=__version__,
            documents=documents,
            candidates=candidates,
            pairs=rows,
            family_rows=family_rows,
        )
    )
