"""A short rich summary of a comparison for the terminal."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..records import Comparison, PairReport
from .html import (
    DERIVATION_LABEL,
    KIND_ACCENT,
    KIND_BACKGROUND,
    KIND_LABEL,
    excerpt,
    no_reuse_message,
)

__all__ = ["print_summary"]

_EXCERPT_CHARS = 60


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _pair(console: Console, pair: PairReport) -> None:
    src, der = pair.source, pair.derived
    title = Text.assemble(
        ("source ", "dim"),
        (src.id, "bold"),
        (f" ({src.date.isoformat()})" if src.date else "", "dim"),
        ("  →  ", "dim"),
        ("derived ", "dim"),
        (der.id, "bold"),
        (f" ({der.date.isoformat()})" if der.date else "", "dim"),
    )
    console.rule(title, align="left")
    d = pair.direction
    console.print(
        Text.assemble(
            ("Direction: ", "bold"),
            f"{d.method}, confidence {_pct(d.confidence)}",
            (" — " if d.reason else "", "dim"),
            (d.reason, "italic"),
        )
    )
    console.print(
        Text.assemble(
            ("Derivation: ", "bold"),
            (DERIVATION_LABEL[pair.derivation], "bold"),
            ("   Source reused: ", "bold"),
            _pct(pair.source_coverage),
            ("   Derived from source: ", "bold"),
            _pct(pair.derived_coverage),
        )
    )
    if not pair.passages:
        console.print(Text("No passages reported for this pair.", style="dim"))
        return
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("Kind", no_wrap=True)
    table.add_column("Derived span", justify="right", no_wrap=True)
    table.add_column("Source span", justify="right", no_wrap=True)
    table.add_column("Sim.", justify="right", no_wrap=True)
    table.add_column("Derived text", overflow="fold")
    for i, p in enumerate(pair.passages, start=1):
        kind_style = f"bold {KIND_ACCENT[p.kind]} on {KIND_BACKGROUND[p.kind]}"
        table.add_row(
            str(i),
            Text(KIND_LABEL[p.kind], style=kind_style),
            f"{p.derived_span[0]}–{p.derived_span[1]}",
            f"{p.source_span[0]}–{p.source_span[1]}",
            _pct(p.similarity),
            Text(excerpt(der.text, p.derived_span, _EXCERPT_CHARS)),
        )
    console.print(table)


def print_summary(comparison: Comparison, console: Console | None = None) -> None:
    """Print each pair's verdict and its passages; one line when nothing was found."""
    console = console if console is not None else Console()
    if not comparison.pairs:
        console.print(Text(no_reuse_message(comparison.documents)))
        return
    for n, pair in enumerate(comparison.pairs):
        if n:
            console.print()
        _pair(console, pair)
