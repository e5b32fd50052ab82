"""The rich terminal summary."""

from __future__ import annotations

import io

from rich.console import Console

from unspin.records import Comparison, Document
from unspin.report import print_summary

from . import seed_comparison, seed_documents


def _render(c: Comparison, width: int = 160) -> str:
    console = Console(record=True, width=width, file=io.StringIO(), color_system="truecolor")
    print_summary(c, console)
    return console.export_text()


def test_seed_summary() -> None:
    c = seed_comparison()
    pair = c.pairs[0]
    out = _render(c)
    assert pair.source.id in out and pair.derived.id in out
    assert "→" in out
    assert "content, confidence 86%" in out
    assert "Partially derived" in out
    assert f"Source reused: {pair.source_coverage:.0%}" in out
    assert f"Derived from source: {pair.derived_coverage:.0%}" in out
    for kind in ("Altered quote", "Shared quote", "Paraphrase (spun)", "Near-verbatim"):
        assert kind in out
    p = pair.passages[0]
    assert f"{p.derived_span[0]}–{p.derived_span[1]}" in out
    assert f"{p.source_span[0]}–{p.source_span[1]}" in out
    assert "On the 5th of July Monday, Wang Wenbin" in out  # derived excerpt
    assert "“As information has been confirmed" in out


def test_excerpt_collapses_whitespace_and_is_short() -> None:
    out = _render(seed_comparison(), width=200)
    lines = [ln for ln in out.splitlines() if "We call on" in ln]
    assert lines and "  " not in lines[0].split("We call on", 1)[1]
    assert "…" in lines[0]


def test_kinds_are_coloured_like_the_html() -> None:
    console = Console(record=True, width=160, file=io.StringIO(), color_system="truecolor")
    print_summary(seed_comparison(), console)
    html = console.export_html(inline_styles=True)
    assert "#b0125f" in html.lower()  # altered-quote accent, as in the HTML report
    assert "#5b2bc4" in html.lower()  # paraphrase accent


def test_no_pairs_one_line() -> None:
    a, b = seed_documents()
    out = _render(Comparison(documents=(a, b), pairs=()))
    assert out.strip() == (
        f"No reuse found between {a.id} and {b.id} (beyond boilerplate and common phrases)."
    )
    assert len(out.strip().splitlines()) == 1


def test_markup_in_ids_is_literal() -> None:
    a = Document(id="[bold red]a[/bold red].txt", text="x")
    b = Document(id="b.txt", text="y")
    out = _render(Comparison(documents=(a, b), pairs=()))
    assert "[bold red]a[/bold red].txt" in out
