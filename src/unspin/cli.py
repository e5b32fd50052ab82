"""The ``unspin`` command: a thin layer over the library API.

Every expected failure (a bad input, a bad setting) ends with one line on stderr naming
the input and the problem, and exit code 2; nothing already written is lost.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from . import __version__
from .cli_options import (
    HtmlOutOption,
    JsonOutOption,
    ModelOption,
    NoModelOption,
    QuietSummaryOption,
)
from .config import Config, EmbedConfig
from .corpus_cli import register as register_corpus_commands
from .embed import load_embedder
from .errors import InputError, UnspinError
from .pan_cli import pan_app
from .pipeline import compare_files
from .report import print_summary, render_html, to_json, to_jsonl_line
from .report.files import write_text_atomically
from .serve_cli import register as register_serve_command

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Find where a text came from: copied, quoted and spun passages between documents.",
)

EXIT_BAD_INPUT = 2


app.add_typer(pan_app, name="pan")
register_corpus_commands(app)
register_serve_command(app)


def _fail(message: str) -> typer.Exit:
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"unspin: error: {message}", markup=False
    )
    return typer.Exit(EXIT_BAD_INPUT)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"unspin {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """Find where a text came from."""


def read_pairs_file(path: Path) -> list[tuple[str, str]]:
    """Lines of two paths (tab- or space-separated); relative paths may be relative to the file.

    Blank lines and lines starting with ``#`` are skipped.
    """
    if not path.is_file():
        raise InputError(path, "no such file" if not path.exists() else "not a regular file")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as err:
        raise InputError(path, f"not UTF-8 text ({err.reason} at byte {err.start})") from err
    pairs: list[tuple[str, str]] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t") if "\t" in line else shlex.split(line)
        parts = [p.strip() for p in parts if p.strip()]
        if len(parts) != 2:
            raise InputError(f"{path}:{n}", f"expected two paths, found {len(parts)}")
        pairs.append((_resolve(parts[0], path), _resolve(parts[1], path)))
    if not pairs:
        raise InputError(path, "no pairs listed")
    return pairs


def _resolve(p: str, pairs_file: Path) -> str:
    if Path(p).is_absolute() or Path(p).exists():
        return p
    beside = pairs_file.parent / p
    return str(beside) if beside.exists() else p


@app.command("compare")
def compare_cmd(
    a: Annotated[Path | None, typer.Argument(help="First document (txt, json or html).")] = None,
    b: Annotated[Path | None, typer.Argument(help="Second document.")] = None,
    json_out: JsonOutOption = None,
    html_out: HtmlOutOption = None,
    pairs: Annotated[
        Path | None, typer.Option("--pairs", help="Batch mode: a file of 'A<TAB>B' lines.")
    ] = None,
    jsonl: Annotated[
        Path | None, typer.Option("--jsonl", help="Batch mode: write one JSON line per pair.")
    ] = None,
    no_model: NoModelOption = False,
    model: ModelOption = "static",
    quiet: QuietSummaryOption = False,
) -> None:
    """Compare two documents, or every pair listed in --pairs."""
    try:
        config = Config(embed=EmbedConfig(enabled=not no_model, model=model))
        if pairs is not None:
            if a is not None or b is not None:
                raise _fail("give either two documents or --pairs, not both")
            if jsonl is None:
                raise _fail("--pairs needs --jsonl OUT")
            raise typer.Exit(_batch(pairs, jsonl, config, quiet=quiet))
        if a is None or b is None:
            raise _fail("compare needs two documents (or --pairs FILE --jsonl OUT)")
        result = compare_files(a, b, config=config)
    except UnspinError as err:
        raise _fail(str(err)) from None
    if html_out is not None:
        _write(html_out, render_html(result))
    if json_out == "-":
        sys.stdout.write(to_json(result) + "\n")
    elif json_out is not None:
        _write(Path(json_out), to_json(result) + "\n")
    if not quiet:
        console = Console(stderr=json_out == "-")
        print_summary(result, console)
        if html_out is not None:
            console.print(f"HTML report: {html_out}")


def _write(path: Path, text: str) -> None:
    try:
        write_text_atomically(path, text)
    except UnspinError as err:
        raise _fail(str(err)) from None


def _batch(pairs_file: Path, out: Path, config: Config, *, quiet: bool) -> int:
    pairs = read_pairs_file(pairs_file)
    failures = 0
    console = Console(stderr=True, highlight=False)
    try:
        handle = out.open("w", encoding="utf-8")
    except OSError as err:
        raise InputError(out, f"cannot write ({err.strerror})") from err
    embedder = load_embedder(config.embed)
    with handle:
        for path_a, path_b in pairs:
            try:
                result = compare_files(path_a, path_b, config=config, embedder=embedder)
            except InputError as err:
                # A bad document spoils only its own pair; the batch goes on.
                failures += 1
                console.print(f"unspin: error: {err}", markup=False)
                continue
            handle.write(to_jsonl_line(result) + "\n")
            handle.flush()
    if not quiet:
        console.print(f"{len(pairs) - failures} of {len(pairs)} pairs written to {out}")
    return EXIT_BAD_INPUT if failures else 0


def main() -> None:
    """Console-script entry point."""
    app()
