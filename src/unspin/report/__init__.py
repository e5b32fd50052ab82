"""Reports of a :class:`~unspin.records.Comparison`: JSON, a terminal summary, and HTML."""

from __future__ import annotations

from .html import render_html
from .json import to_json, to_jsonl_line
from .terminal import print_summary

__all__ = ["print_summary", "render_html", "to_json", "to_jsonl_line"]
