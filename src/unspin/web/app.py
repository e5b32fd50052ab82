"""The ASGI app behind ``unspin serve``: pages rendered on the server, each with a JSON
twin under ``/api/``, over one open index.

Everything here is plumbing around the library: :func:`unspin.pipeline.compare`,
:func:`unspin.corpus.check_index`, :meth:`unspin.index.Index.add` and the queries of
:mod:`unspin.browse`. Safety, by design rather than by filter:

* document text reaches HTML only through Jinja with autoescape on (the report's own
  segmenting keeps it plain text), and every page carries a Content-Security-Policy that
  allows no script but the page's own, by nonce: an injected ``<script>`` or ``onerror=``
  would not run even if it were ever let through;
* a request body over ``ServeConfig.max_request_bytes`` is refused with 413 before it is
  read in full (by its Content-Length, or while it streams in);
* no request parameter names a file: documents are looked up in the index, uploads are
  read in memory;
* ``POST /api/documents`` needs the token when one is configured; CORS is off unless
  origins are configured.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import secrets
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import xxhash
from fastapi import Depends, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from .. import __version__
from ..browse import (
    PairFilter,
    corpus_stats,
    document_view,
    find_document,
    list_families,
    list_pairs,
    stored_pair,
)
from ..config import Config
from ..corpus import check_index, index_embedder
from ..embed import Embedder, load_embedder
from ..errors import InputError, UnspinError
from ..index import Index
from ..ingest import document_from_bytes, document_from_text
from ..pipeline import compare
from ..records import Comparison, Document, Kind
from ..report.html import (
    KIND_BACKGROUND,
    KIND_LABEL,
    KIND_ORDER,
    render_html,
    template_environment,
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

NAV: tuple[tuple[str, str], ...] = (
    ("Home", "/"),
    ("Compare", "/compare"),
    ("Check", "/check"),
    ("Browse", "/browse"),
    ("API", "/docs"),
)

#: Pages allow their own nonce'd script and inline styles, nothing else: no plug-ins,
#: no frames, no form posts elsewhere, no base-URL tricks.
_CSP = (
    "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
#: The API explorer (Swagger UI, served from the fastapi-swagger package: no CDN) runs
#: its bundle from here and its start-up script by nonce, and calls the API.
_DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
_SWAGGER_FILES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}


# -- errors -------------------------------------------------------------------------------

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    500: "internal_error",
    503: "busy",
}


def error_body(status: int, message: str) -> dict[str, Any]:
    """The one error shape of every route: ``{"error": {"status", "code", "message"}}``."""
    return {"error": {"status": status, "code": _CODES.get(status, "error"), "message": message}}


class _TooLarge(HTTPException):
    pass


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413: at once when Content-Length
    says so, otherwise as soon as the streamed body passes the limit."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = f"request body over the limit of {self.limit:,} bytes"
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.limit:
                    await JSONResponse(error_body(413, message), status_code=413)(
                        scope, receive, send
                    )
                    return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge(413, message)
            return msg

        await self.app(scope, limited, send)


# -- the app ------------------------------------------------------------------------------


@dataclass(slots=True)
class _State:
    index: Index
    config: Config
    #: The index's model, for check and add (its vectors only compare with their own).
    embedder: Embedder | None
    #: For compare, which needs no index: the configured model even over a lexical index.
    compare_embedder: Embedder | None
    #: One DuckDB connection, many request threads: one at a time.
    lock: threading.Lock
    env: Environment


class TextIn(BaseModel):
    """A text to compare, check or add."""

    text: str = Field(min_length=1, description="The document's text, as published.")
    date: dt.date | None = Field(None, description="Publication date (decides direction).")
    id: str | None = Field(None, max_length=500, description="An identifier to report it by.")
    title: str | None = Field(None, max_length=2000)
    outlet: str | None = Field(None, max_length=500)
    url: str | None = Field(None, max_length=4000)


class CompareIn(BaseModel):
    a: TextIn
    b: TextIn


class DocumentsIn(BaseModel):
    documents: list[TextIn] = Field(min_length=1, max_length=10_000)


def _document(item: TextIn, default_id: str) -> Document:
    """A document from API input; one without an id is named by its text's hash, so
    posting it twice finds it unchanged."""
    doc_id = item.id or f"{default_id}-{xxhash.xxh64_hexdigest(item.text.encode())[:12]}"
    return document_from_text(
        item.text, id=doc_id, date=item.date, title=item.title, outlet=item.outlet, url=item.url
    )


def _environment() -> Environment:
    env = template_environment("unspin.web")
    env.globals.update(
        nav=NAV,
        version=__version__,
        kinds=[(k.value, KIND_LABEL[k]) for k in KIND_ORDER],
        kind_label={k.value: KIND_LABEL[k] for k in KIND_ORDER},
        kind_background={k.value: v for k, v in KIND_BACKGROUND.items()},
    )
    env.filters["pct"] = lambda x: f"{float(x):.0%}"
    return env


def create_app(
    db: str | Path,
    *,
    config: Config | None = None,
    embedder: Embedder | None = None,
) -> FastAPI:
    """The app over the index ``db``, which it keeps open (read-write, for adds).

    Raises:
        InputError: ``db`` does not exist or is not an unspin index.
    """
    config = config or Config()
    if not Path(db).exists():
        raise InputError(db, "no such index (build one with `unspin index add PATH --db ...`)")
    index = Index(db, config=config.index)
    own = index_embedder(index, config, embedder)
    for_compare = own
    if for_compare is None and config.embed.enabled:
        for_compare = embedder or load_embedder(config.embed)
    state = _State(index, config, own, for_compare, threading.Lock(), _environment())

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        with state.lock:
            index.close()

    app = FastAPI(
        title="unspin",
        version=__version__,
        summary="Where a text came from: copied, quoted and spun passages, aligned.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.unspin = state
    if config.serve.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.serve.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(BodyLimit, limit=config.serve.max_request_bytes)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", _CSP.format(nonce="none"))
        return response

    _errors(app, state)
    _pages(app, state)
    _api(app, state)
    _docs(app)
    return app


def _docs(app: FastAPI) -> None:
    @app.get("/docs", include_in_schema=False)
    def docs() -> Response:
        nonce = secrets.token_urlsafe(16)
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="unspin API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
        )
        html = bytes(page.body).decode().replace("<script>", f'<script nonce="{nonce}">')
        csp = _DOCS_CSP.format(nonce=nonce)
        return HTMLResponse(html, headers={"Content-Security-Policy": csp})

    @app.get("/static/swagger/{name}", include_in_schema=False)
    def swagger_file(name: str) -> Response:
        # A fixed list of names, read from the installed package: never a request path.
        if name not in _SWAGGER_FILES:
            raise HTTPException(404, f"no file {name!r}")
        data = (resources.files("fastapi_swagger") / "resources" / name).read_bytes()
        return Response(
            data,
            media_type=_SWAGGER_FILES[name],
            headers={"Cache-Control": "public, max-age=86400"},
        )


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


def _error(request: Request, state: _State, status: int, message: str) -> Response:
    if _wants_html(request):
        return _page(state, "error.html.j2", status=status, message=message, status_code=status)
    return JSONResponse(error_body(status, message), status_code=status)


def _errors(app: FastAPI, state: _State) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return _error(request, state, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for e in exc.errors()[:5]:
            where = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
            problems.append(f"{where}: {e.get('msg', 'invalid')}" if where else e.get("msg", ""))
        return _error(request, state, 422, "; ".join(problems) or "invalid request")

    @app.exception_handler(UnspinError)
    async def unspin_error(request: Request, exc: UnspinError) -> Response:
        return _error(request, state, 422, str(exc))

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        return _error(request, state, 500, f"internal error ({type(exc).__name__})")


def _page(state: _State, template: str, *, status_code: int = 200, **context: Any) -> Response:
    nonce = secrets.token_urlsafe(16)
    html = state.env.get_template(template).render(nonce=nonce, **context)
    return HTMLResponse(
        html, status_code=status_code, headers={"Content-Security-Policy": _CSP.format(nonce=nonce)}
    )


def _report(comparison: Comparison, ledger: Any = None) -> Response:
    nonce = secrets.token_urlsafe(16)
    html = render_html(comparison, ledger, nav=NAV, nonce=nonce)
    return HTMLResponse(html, headers={"Content-Security-Policy": _CSP.format(nonce=nonce)})


def _authorised(request: Request, state: _State) -> None:
    token = state.config.serve.token
    if token is None:
        return
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip(), token):
        raise HTTPException(401, "this endpoint needs the server's token: Authorization: Bearer …")


def _filter(
    state: _State,
    date_from: dt.date | None,
    date_to: dt.date | None,
    outlet: str | None,
    kind: Kind | None,
    min_coverage: float,
    family: int | None,
    page: int,
    per_page: int | None,
) -> PairFilter:
    serve = state.config.serve
    return PairFilter(
        date_from=date_from,
        date_to=date_to,
        outlet=outlet or None,
        kind=kind,
        min_coverage=min_coverage,
        family=family,
        page=page,
        per_page=min(per_page or serve.per_page, serve.max_per_page),
    )


class _Browse:
    """The browse filters, shared by the page and the API (FastAPI reads them from the
    query string and documents them)."""

    def __init__(
        self,
        date_from: Annotated[dt.date | None, Query(description="Derived on or after")] = None,
        date_to: Annotated[dt.date | None, Query(description="Derived on or before")] = None,
        outlet: Annotated[str | None, Query(max_length=500)] = None,
        kind: Annotated[Kind | None, Query(description="Has a passage of this kind")] = None,
        min_coverage: Annotated[float, Query(ge=0, le=1)] = 0.0,
        family: Annotated[int | None, Query(ge=0)] = None,
        page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
        per_page: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    ) -> None:
        self.args = (date_from, date_to, outlet, kind, min_coverage, family, page, per_page)


def _pages(app: FastAPI, state: _State) -> None:
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home() -> Response:
        with state.lock:
            stats = corpus_stats(state.index)
        return _page(state, "home.html.j2", stats=stats)

    @app.get("/compare", response_class=HTMLResponse, include_in_schema=False)
    def compare_form() -> Response:
        return _page(state, "compare.html.j2")

    @app.post("/compare", response_class=HTMLResponse, include_in_schema=False)
    async def compare_page(
        a_text: Annotated[str, Form()] = "",
        b_text: Annotated[str, Form()] = "",
        a_date: Annotated[str, Form()] = "",
        b_date: Annotated[str, Form()] = "",
        a_file: Annotated[UploadFile | None, File()] = None,
        b_file: Annotated[UploadFile | None, File()] = None,
    ) -> Response:
        a = await _form_document("first text", a_text, a_date, a_file, "a")
        b = await _form_document("second text", b_text, b_date, b_file, "b")
        return _report(compare(a, b, config=state.config, embedder=state.compare_embedder))

    @app.get("/check", response_class=HTMLResponse, include_in_schema=False)
    def check_form() -> Response:
        return _page(state, "check.html.j2")

    @app.post("/check", response_class=HTMLResponse, include_in_schema=False)
    async def check_page(
        text: Annotated[str, Form()] = "",
        date: Annotated[str, Form()] = "",
        file: Annotated[UploadFile | None, File()] = None,
    ) -> Response:
        doc = await _form_document("text", text, date, file, "pasted")
        result = _check(state, doc)
        return _report(result.comparison, result.ledger)

    @app.get("/browse", response_class=HTMLResponse, include_in_schema=False)
    def browse(request: Request, q: Annotated[_Browse, Depends()], view: str = "pairs") -> Response:
        f = _filter(state, *q.args)
        with state.lock:
            listing = (
                list_families(state.index, f) if view == "families" else list_pairs(state.index, f)
            )
            outlets = corpus_stats(state.index, recent=0, families=0).outlets
        params = {k: v for k, v in request.query_params.items() if k != "page" and v}

        def page_link(n: int) -> str:
            return "/browse?" + urlencode({**params, "page": n})

        return _page(
            state,
            "browse.html.j2",
            view="families" if view == "families" else "pairs",
            listing=listing,
            f=f,
            outlets=outlets,
            page_link=page_link,
            pair_link=_pair_link,
            family_link=lambda n: "/browse?" + urlencode({"family": n}),
        )

    @app.get("/documents/{ref:path}", response_class=HTMLResponse, include_in_schema=False)
    def document_page(ref: str) -> Response:
        view = _document_view(state, ref)
        return _page(
            state,
            "document.html.j2",
            doc=view,
            pieces=_pieces(view.text, view.borrowed_spans),
            pair_link=_pair_link,
            safe_url=view.url
            if view.url and view.url.startswith(("http://", "https://"))
            else None,
        )

    @app.get("/pairs", response_class=HTMLResponse, include_in_schema=False)
    def pair_page(source: str, derived: str) -> Response:
        pair = _stored_pair(state, source, derived)
        return _report(
            Comparison(documents=(pair.source, pair.derived), pairs=(pair,), version=__version__)
        )


def _pair_link(source: str, derived: str) -> str:
    return "/pairs?" + urlencode({"source": source, "derived": derived})


def _pieces(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` cut at the borrowed spans: (piece, borrowed) in order, all of it."""
    out: list[tuple[str, bool]] = []
    at = 0
    for s, e in spans:
        if s > at:
            out.append((text[at:s], False))
        out.append((text[max(s, at) : e], True))
        at = max(at, e)
    if at < len(text):
        out.append((text[at:], False))
    return out


async def _form_document(
    what: str, text: str, date: str, upload: UploadFile | None, default_id: str
) -> Document:
    """A document from a form: the uploaded file if one was chosen, else the pasted text."""
    when = None
    if date.strip():
        try:
            when = dt.date.fromisoformat(date.strip())
        except ValueError:
            raise InputError(what, f"date {date.strip()!r} is not YYYY-MM-DD") from None
    if upload is not None and upload.filename:
        data = await upload.read()
        doc = document_from_bytes(data, name=Path(upload.filename).name or default_id)
        return replace(doc, date=when or doc.date)
    if not text.strip():
        raise InputError(what, "empty: paste a text or choose a file")
    return document_from_text(text, id=f"{default_id}.txt", date=when)


def _check(state: _State, doc: Document) -> Any:
    with state.lock:
        return check_index(doc, state.index, config=state.config, embedder=state.embedder)


def _document_view(state: _State, ref: str) -> Any:
    with state.lock:
        doc_id = find_document(state.index, ref)
        view = None if doc_id is None else document_view(state.index, doc_id)
    if view is None:
        raise HTTPException(404, f"no document {ref!r} in the index")
    return view


def _stored_pair(state: _State, source: str, derived: str) -> Any:
    with state.lock:
        pair = stored_pair(state.index, source, derived)
    if pair is None:
        raise HTTPException(404, f"no stored pair {source!r} → {derived!r} (run `unspin scan`)")
    return pair


def _api(app: FastAPI, state: _State) -> None:
    @app.get("/api/home", tags=["corpus"])
    def api_home() -> JSONResponse:
        """Corpus statistics, recent documents and the largest story families."""
        with state.lock:
            return JSONResponse(corpus_stats(state.index).to_dict())

    @app.post("/api/compare", tags=["compare"])
    def api_compare(body: CompareIn) -> JSONResponse:
        """Compare two texts: the ``unspin compare`` JSON schema."""
        a, b = _document(body.a, "a"), _document(body.b, "b")
        if a.id == b.id:
            b = replace(b, id=b.id + "-b")
        result = compare(a, b, config=state.config, embedder=state.compare_embedder)
        return JSONResponse(result.to_dict())

    @app.post("/api/check", tags=["corpus"])
    def api_check(body: TextIn) -> JSONResponse:
        """The sources of one text in the index, aligned, with its borrowing ledger
        (the ``unspin check --json`` schema)."""
        result = _check(state, _document(body, "checked"))
        data = result.comparison.to_dict()
        data["ledger"] = result.ledger.to_dict()
        return JSONResponse(data)

    @app.post("/api/documents", tags=["corpus"], status_code=201)
    def api_add(request: Request, body: DocumentsIn) -> JSONResponse:
        """Add documents to the index (new ones added, changed ones replaced). Needs the
        token when the server has one. Stored pairs are refreshed by the next scan."""
        _authorised(request, state)
        docs = [_document(d, "posted") for d in body.documents]
        with state.lock:
            summary = state.index.add(docs, embedder=state.embedder)
        return JSONResponse(
            {
                "added": summary.added,
                "replaced": summary.replaced,
                "unchanged": summary.unchanged,
                "skipped": [{"source": s.source, "reason": s.reason} for s in summary.skipped],
                "documents": [d.id for d in docs],
            },
            status_code=201,
        )

    @app.get("/api/pairs", tags=["corpus"])
    def api_pairs(q: Annotated[_Browse, Depends()]) -> JSONResponse:
        """Stored pairs, filtered and paginated, most borrowed first."""
        with state.lock:
            return JSONResponse(list_pairs(state.index, _filter(state, *q.args)).to_dict())

    @app.get("/api/families", tags=["corpus"])
    def api_families(q: Annotated[_Browse, Depends()]) -> JSONResponse:
        """Story families with a pair passing the filters, largest first."""
        with state.lock:
            return JSONResponse(list_families(state.index, _filter(state, *q.args)).to_dict())

    @app.get("/api/pair", tags=["corpus"])
    def api_pair(source: str, derived: str) -> JSONResponse:
        """One stored pair in the compare schema."""
        pair = _stored_pair(state, source, derived)
        return JSONResponse(
            Comparison((pair.source, pair.derived), (pair,), version=__version__).to_dict()
        )

    @app.get("/api/documents/{ref:path}", tags=["corpus"])
    def api_document(ref: str) -> JSONResponse:
        """A document (by id, path or row number) with its sources and its derivatives."""
        return JSONResponse(_document_view(state, ref).to_dict())
