"""``unspin serve``: the web app and HTTP API over an index, on uvicorn."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Annotated

import typer

from .cli_options import NoModelOption
from .config import Config, EmbedConfig, ServeConfig
from .corpus_cli import DEFAULT_DB, DbOption, _fail
from .errors import UnspinError

_DEFAULTS = ServeConfig()
TOKEN_ENV = "UNSPIN_TOKEN"


def serve_cmd(
    db: DbOption = DEFAULT_DB,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind (loopback unless you mean it).")
    ] = _DEFAULTS.host,
    port: Annotated[int, typer.Option("--port", min=0, max=65535)] = _DEFAULTS.port,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar=TOKEN_ENV,
            help=f"Require 'Authorization: Bearer TOKEN' on write endpoints (or ${TOKEN_ENV}).",
            show_default=False,
        ),
    ] = None,
    max_request_mb: Annotated[
        float, typer.Option("--max-request-mb", min=0.001, help="Largest request body, in MB.")
    ] = _DEFAULTS.max_request_bytes / (1024 * 1024),
    cors_origin: Annotated[
        list[str] | None,
        typer.Option("--cors-origin", help="An origin allowed to call the API (repeatable)."),
    ] = None,
    no_model: NoModelOption = False,
) -> None:
    """Serve the web app and HTTP API over the index (OpenAPI docs at /docs)."""
    import uvicorn

    from .web import create_app

    config = Config(
        embed=EmbedConfig(enabled=not no_model),
        serve=replace(
            _DEFAULTS,
            host=host,
            port=port,
            token=token or None,
            max_request_bytes=int(max_request_mb * 1024 * 1024),
            cors_origins=tuple(cors_origin or ()),
        ),
    )
    if host not in ("127.0.0.1", "localhost", "::1") and token is None:
        typer.echo(
            f"unspin: warning: serving on {host} with no --token: anyone who reaches it can "
            "add documents",
            err=True,
        )
    try:
        app = create_app(db, config=config)
    except UnspinError as err:
        raise _fail(str(err)) from None
    where = f"http://{host}:{port}"
    typer.echo(f"unspin: serving {os.fspath(db)} on {where} (Ctrl-C to stop)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cmd)
