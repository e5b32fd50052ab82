"""``unspin index add``, ``unspin check`` and ``unspin scan``: thin layers over ``corpus``."""

from __future__ import annotations

import json
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from .cli_options import (
    HtmlOutOption,
    JsonOutOption,
    ModelOption,
    NoModelOption,
    QuietProgressOption,
    QuietSummaryOption,
)
from .config import Config, EmbedConfig
from .corpus import check, index_paths, scan
from .errors import UnspinError
from .index import AddSummary, Index
from .ingest import estimate_documents, expand_globs, load_document
from .pan_cli import default_workers
from .report import render_html
from .report.corpus import CatalogEntry, result_rows, write_scan
from .report.files import write_text_atomically
from .report.json import to_json

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

DbOption = Annotated[Path, typer.Option("--db", help="The index file (DuckDB).", show_default=True)]
DEFAULT_DB = Path("unspin.db")


class Engine(StrEnum):
    LOCAL = "local"
    DASK = "dask"


index_app = typer.Typer(no_args_is_help=True, help="Build the corpus index.")


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(message: str) -> typer.Exit:
    _stderr().print(f"unspin: error: {message}", markup=False)
    return typer.Exit(EXIT_BAD_INPUT)


def _config(no_model: bool, model: str) -> Config:
    return Config(embed=EmbedConfig(enabled=not no_model, model=model))


@index_app.command("add")
def add_cmd(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Files or folders: txt, html, json, jsonl, csv, parquet, WARC (.warc[.gz])."
        ),
    ],
    db: DbOption = DEFAULT_DB,
    no_model: NoModelOption = False,
    model: ModelOption = "static",
    quiet: QuietProgressOption = False,
) -> None:
    """Add documents to the index: new ones added, changed ones replaced, unchanged skipped."""
    console = _stderr()
    started = time.perf_counter()
    summary = AddSummary()
    try:
        paths = [Path(p) for p in expand_globs(paths)]
    except UnspinError as err:
        raise _fail(str(err)) from None
    total = None if quiet else estimate_documents(paths)
    with Progress(
        TextColumn("indexing"),
        BarColumn(bar_width=None),
        TextColumn("{task.completed} documents"),
        TextColumn("{task.fields[rate]:.0f}/s"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        disable=quiet,
        transient=True,
    ) as bar:
        task = bar.add_task("index", total=total, rate=0.0)

        def progress(s: AddSummary) -> None:
            nonlocal summary
            summary = s
            elapsed = max(time.perf_counter() - started, 1e-9)
            bar.update(task, completed=s.seen, rate=s.seen / elapsed)

        try:
            try:
                summary = index_paths(paths, db, config=_config(no_model, model), progress=progress)
            except RuntimeError as err:
                # DuckDB reports Ctrl-C inside a statement as "Query interrupted".
                if "interrupt" in str(err).lower():
                    raise KeyboardInterrupt from None
                raise
        except UnspinError as err:
            raise _fail(str(err)) from None
        except KeyboardInterrupt:
            bar.stop()
            console.print(
                f"unspin: interrupted after {summary.seen} documents; the index holds every "
                "whole batch written so far: run the same command again to finish",
                markup=False,
            )
            raise typer.Exit(EXIT_INTERRUPTED) from None
    elapsed = time.perf_counter() - started
    if not quiet:
        console.print(
            f"{summary.added} added, {summary.replaced} replaced, {summary.unchanged} unchanged, "
            f"{len(summary.skipped)} skipped in {elapsed:.1f} s → {db}",
            markup=False,
        )
        for s in summary.skipped[:20]:
            console.print(f"  skipped {s.source}: {s.reason}", markup=False)
        if len(summary.skipped) > 20:
            console.print(f"  … and {len(summary.skipped) - 20} more", markup=False)


def check_cmd(
    doc: Annotated[Path, typer.Argument(help="The document to check (txt, json or html).")],
    db: DbOption = DEFAULT_DB,
    json_out: JsonOutOption = None,
    html_out: HtmlOutOption = None,
    no_model: NoModelOption = False,
    quiet: QuietSummaryOption = False,
) -> None:
    """Find the sources of one document in the index, with its borrowing ledger."""
    try:
        config = _config(no_model, "static")
        document = load_document(doc, config=config.ingest)
        result = check(document, db, config=config)
    except UnspinError as err:
        raise _fail(str(err)) from None
    report = to_json(result.comparison)
    if json_out is not None:
        data = json.loads(report)
        data["ledger"] = result.ledger.to_dict()
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        if json_out == "-":
            sys.stdout.write(text)
        else:
            _write(Path(json_out), text)
    if html_out is not None:
        _write(html_out, render_html(result.comparison, result.ledger))
    if not quiet:
        console = Console(stderr=json_out == "-", highlight=False)
        led = result.ledger
        console.print(
            f"{document.id}: {led.borrowed_share:.0%} borrowed, {led.original_share:.0%} "
            f"original ({result.candidates} candidates aligned)",
            markup=False,
        )
        for e in led.entries:
            console.print(f"  {e.share:6.1%}  {e.chars:6d} chars  from {e.source}", markup=False)
        others = [p for p in result.comparison.pairs if p.derived.id != document.id]
        for p in others:
            console.print(f"  {p.derived.id} reuses it ({p.direction.reason})", markup=False)


def scan_cmd(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for pairs.jsonl, documents.csv, index.html.")
    ],
    inputs: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files, folders or quoted patterns ('crawl/*.jsonl') to add to the index "
            "first, as `unspin index add` does (on the workers with --engine dask).",
            show_default=False,
        ),
    ] = None,
    db: DbOption = DEFAULT_DB,
    workers: Annotated[
        int, typer.Option("--workers", help="Alignment processes (default: all cores).")
    ] = 0,
    no_html: Annotated[
        bool, typer.Option("--no-html", help="Skip index.html and the per-pair pages.")
    ] = False,
    quiet: QuietProgressOption = False,
    engine: Annotated[
        Engine, typer.Option("--engine", help="local: this machine; dask: dask.distributed.")
    ] = Engine.LOCAL,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Address of a running Dask scheduler (default: a local cluster of --workers).",
        ),
    ] = None,
    partitions: Annotated[
        int, typer.Option("--partitions", min=0, help="Dask partitions (default: 4 per worker).")
    ] = 0,
    no_model: NoModelOption = False,
    model: ModelOption = "static",
) -> None:
    """Find every reuse pair in the index (adding PATHs to it first): candidates, alignment,
    direction, ledger, families."""
    console = _stderr()
    config = _config(no_model, model)
    started = time.perf_counter()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(bar_width=None),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=quiet,
        transient=True,
    ) as bar:
        task = bar.add_task("aligning pairs", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, description="aligning pairs", completed=done, total=total)

        added, indexed_s = AddSummary(), 0.0

        def indexed(s: AddSummary) -> None:
            bar.update(task, description="indexing documents", completed=s.seen, total=None)

        try:
            if engine is Engine.DASK:
                from .dask_scan import dask_client, index_dask, scan_dask

                with dask_client(scheduler, workers or default_workers()) as client:
                    if inputs:
                        added = index_dask(
                            inputs, db, client=client, config=config, progress=indexed
                        )
                        indexed_s = time.perf_counter() - started
                    result = scan_dask(db, client=client, config=config, partitions=partitions)
            else:
                if inputs:
                    added = index_paths(expand_globs(inputs), db, config=config, progress=indexed)
                    indexed_s = time.perf_counter() - started
                result = scan(
                    db, config=config, workers=workers or default_workers(), progress=progress
                )
            with Index(db, config=config.index) as index:
                catalog = [CatalogEntry(i, p) for i, p in index.catalog()]
                index.store_results(result_rows(result.pairs, result.families))
            write_scan(
                out,
                pairs=result.pairs,
                ledgers=result.ledgers,
                families=result.families,
                catalog=catalog,
                documents=result.documents,
                candidates=result.candidates,
                html=not no_html,
            )
        except UnspinError as err:
            raise _fail(str(err)) from None
    if not quiet:
        if inputs:
            console.print(
                f"{added.added} added, {added.replaced} replaced, {added.unchanged} unchanged, "
                f"{len(added.skipped)} skipped in {indexed_s:.1f} s → {db}",
                markup=False,
            )
        n_fam = len(set(result.families.values()))
        console.print(
            f"{result.documents} documents, {result.candidates} candidate pairs "
            f"({result.aligned} aligned), "
            f"{len(result.pairs)} reuse pairs ({len(result.siblings)} via a common source), "
            f"{n_fam} story families in {time.perf_counter() - started:.1f} s → {out}",
            markup=False,
        )


def _write(path: Path, text: str) -> None:
    try:
        write_text_atomically(path, text)
    except UnspinError as err:
        raise _fail(str(err)) from None


def register(app: typer.Typer) -> None:
    """Add the corpus commands to the ``unspin`` command."""
    app.add_typer(index_app, name="index")
    app.command("check")(check_cmd)
    app.command("scan")(scan_cmd)
