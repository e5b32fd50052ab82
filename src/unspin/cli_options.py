"""Command-line options shared by every command that aligns (``compare``, ``pan align``)."""

from __future__ import annotations

from typing import Annotated

import typer

NoModelOption = Annotated[
    bool, typer.Option("--no-model", help="Align on lexical evidence only (no embeddings).")
]
ModelOption = Annotated[
    str, typer.Option("--model", help="Sentence model: static (fast) or minilm-l3.")
]
