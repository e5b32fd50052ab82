"""The stable JSON form of a comparison (see :meth:`unspin.records.Comparison.to_dict`)."""

from __future__ import annotations

import json

from ..records import Comparison

__all__ = ["to_json", "to_jsonl_line"]


def to_json(comparison: Comparison, *, indent: int | None = 2) -> str:
    """The comparison as a JSON document (UTF-8 text, non-ASCII kept as is)."""
    return json.dumps(comparison.to_dict(), ensure_ascii=False, indent=indent)


def to_jsonl_line(comparison: Comparison) -> str:
    """The comparison as one JSON Lines record: a single line, no trailing newline."""
    return json.dumps(comparison.to_dict(), ensure_ascii=False, indent=None, separators=(",", ":"))
