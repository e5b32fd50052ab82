"""Command-line options shared by the commands (``compare``, ``check``, ``pan align`` ...)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

NoModelOption = Annotated[
    bool, typer.Option("--no-model", help="Align on lexical evidence only (no embeddings).")
]
ModelOption = Annotated[
    str, typer.Option("--model", help="Sentence model: static (fast) or minilm-l3.")
]
JsonOutOption = Annotated[
    str | None, typer.Option("--json", help="Write the JSON report to PATH ('-' = stdout).")
]
HtmlOutOption = Annotated[
    Path | None, typer.Option("--html", help="Write the side-by-side HTML report to PATH.")
]
QuietSummaryOption = Annotated[bool, typer.Option("--quiet", "-q", help="No terminal summary.")]
QuietProgressOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
