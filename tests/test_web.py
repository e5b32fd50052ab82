"""The web app and HTTP API in process (FastAPI's test client): pages, their JSON twins,
the one error shape, and the safety rules (size limit, escaping, token, no file paths,
CORS off). The browser tests are in ``test_web_browser.py``."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from unspin.config import Config, EmbedConfig, ServeConfig
from unspin.corpus import index_paths, scan
from unspin.errors import InputError
from unspin.index import Index
from unspin.ingest import load_document
from unspin.pipeline import compare
from unspin.report.corpus import result_rows
from unspin.web import create_app

from .conftest import EXAMPLES, SEED_DERIVED, SEED_SOURCE

LEXICAL = Config(embed=EmbedConfig(enabled=False))

#: Every way a document could try to run script in a page that shows it.
PAYLOAD = (
    "<script>window.__pwned = 1; alert('script')</script> "
    "<img src=x onerror=\"window.__pwned = 1; alert('img')\"> "
    '<a href="javascript:window.__pwned = 1">click</a> '
    "\"><svg onload=alert('svg')> javascript:alert('text')"
)


def build_index(folder: Path, db: Path, config: Config) -> Path:
    """Index ``folder`` into ``db`` and store a scan's pairs in it, as ``unspin scan`` does."""
    index_paths([folder], db, config=config)
    result = scan(db, config=config)
    with Index(db, config=config.index) as index:
        index.store_results(result_rows(result.pairs, result.families))
    return db


@pytest.fixture(scope="module")
def example_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("web")
    return build_index(EXAMPLES, root / "examples.db", LEXICAL)


@pytest.fixture
def db(example_db: Path, tmp_path: Path) -> Path:
    """A private copy of the example index (tests that add documents change it)."""
    copy = tmp_path / "i.db"
    shutil.copy(example_db, copy)
    return copy


def client_for(db: Path, **serve: object) -> TestClient:
    config = replace(LEXICAL, serve=replace(ServeConfig(), **serve))  # type: ignore[arg-type]
    return TestClient(create_app(db, config=config), raise_server_exceptions=False)


@pytest.fixture
def client(db: Path) -> Iterator[TestClient]:
    with client_for(db) as c:
        yield c


def seed_json(path: Path) -> dict[str, object]:
    doc = load_document(path)
    return {
        "text": doc.text,
        "id": doc.id,
        "date": doc.date.isoformat() if doc.date else None,
    }


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def parsed_tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every element a browser would build from ``html``, with its attributes."""
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def assert_error(response: object, status: int) -> dict[str, object]:
    r = response
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    err = body["error"]
    assert set(err) == {"status", "code", "message"}
    assert err["status"] == status and err["message"]
    assert "\n" not in err["message"]
    return err  # type: ignore[no-any-return]


# -- pages and their JSON twins -----------------------------------------------------------


def test_home_shows_the_corpus_and_its_json_twin_agrees(client: TestClient) -> None:
    data = client.get("/api/home").json()
    assert data["documents"] == len(list(EXAMPLES.iterdir()))
    assert data["pairs"] >= 2  # the seed pair and the digest that copies the same quote
    assert data["largest_families"][0]["documents"] >= 3
    page = client.get("/", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert f"<b>{data['documents']}</b><span>documents</span>" in page.text
    family = data["largest_families"][0]["family"]
    assert f'href="/browse?family={family}"' in page.text


def test_api_compare_is_the_library_compare(client: TestClient) -> None:
    a, b = seed_json(SEED_SOURCE), seed_json(SEED_DERIVED)
    r = client.post("/api/compare", json={"a": a, "b": b})
    assert r.status_code == 200, r.text
    got = r.json()
    want = compare(load_document(SEED_SOURCE), load_document(SEED_DERIVED), config=LEXICAL)
    expected = want.to_dict()
    # The API documents carry no path (they came from no file); all else is the same.
    for d in expected["documents"]:
        d["path"] = None
    assert got == expected
    kinds = {p["kind"] for p in got["pairs"][0]["passages"]}
    assert {"altered-quote", "paraphrase"} <= kinds


def test_compare_form_renders_the_side_by_side_report(client: TestClient) -> None:
    files = {
        "a_file": (SEED_SOURCE.name, SEED_SOURCE.read_bytes(), "text/plain"),
        "b_file": (SEED_DERIVED.name, SEED_DERIVED.read_bytes(), "text/plain"),
    }
    r = client.post("/compare", files=files, headers={"accept": "text/html"})
    assert r.status_code == 200, r.text
    assert 'class="pane pane-source"' in r.text and 'class="pane pane-derived"' in r.text
    assert "k-altered-quote" in r.text
    # Pasted text works the same way.
    pasted = client.post(
        "/compare",
        data={"a_text": SEED_SOURCE.read_text(), "b_text": SEED_DERIVED.read_text()},
    )
    assert pasted.status_code == 200 and "k-altered-quote" in pasted.text


def test_check_finds_the_seed_source_with_a_ledger(client: TestClient) -> None:
    text = SEED_DERIVED.read_text(encoding="utf-8")
    r = client.post("/api/check", json={"text": text, "id": "new-article"})
    assert r.status_code == 200, r.text
    data = r.json()
    sources = {p["source"] for p in data["pairs"] if p["derived"] == "new-article"}
    assert any(s.endswith(SEED_SOURCE.name) for s in sources)
    ledger = data["ledger"]
    assert ledger["document"] == "new-article"
    # The indexed copy of the same article is a source too: all of it is borrowed, the
    # quotes and spun paragraphs credited to the earlier-dated seed source.
    assert ledger["borrowed_share"] == 1.0
    credited = {e["source"]: e["share"] for e in ledger["sources"]}
    assert any(s.endswith(SEED_SOURCE.name) and share > 0 for s, share in credited.items())
    page = client.post("/check", data={"text": text}, headers={"accept": "text/html"})
    assert page.status_code == 200 and "Borrowing ledger" in page.text


def test_browse_filters_and_pages_pairs(client: TestClient) -> None:
    everything = client.get("/api/pairs").json()
    assert everything["total"] == len(everything["items"]) >= 2
    quotes = client.get("/api/pairs", params={"kind": "altered-quote"}).json()
    assert quotes["total"] >= 1
    assert all("altered-quote" in p["kinds"] for p in quotes["items"])
    high = client.get("/api/pairs", params={"min_coverage": 0.99}).json()
    assert high["total"] < everything["total"]
    assert client.get("/api/pairs", params={"date_from": "2099-01-01"}).json()["total"] == 0
    first, second = (
        client.get("/api/pairs", params={"per_page": 1, "page": n}).json() for n in (1, 2)
    )
    assert first["pages"] == everything["total"]
    assert first["items"] != second["items"]
    assert first["items"][0] == everything["items"][0]
    families = client.get("/api/families").json()
    assert families["total"] >= 1
    family = families["items"][0]["family"]
    members = client.get("/api/pairs", params={"family": family}).json()
    assert members["total"] == families["items"][0]["pairs"]
    page = client.get("/browse", params={"kind": "altered-quote"})
    assert page.status_code == 200 and "side by side" in page.text
    assert client.get("/browse", params={"view": "families"}).status_code == 200


def test_document_page_lists_sources_and_derived(client: TestClient) -> None:
    source_id = str(SEED_SOURCE.resolve())
    data = client.get("/api/documents/" + source_id).json()
    assert data["id"] == source_id
    assert any(p["derived"]["id"].endswith(SEED_DERIVED.name) for p in data["derived"])
    derived = client.get(f"/api/documents/{data['derived'][0]['derived']['doc_id']}").json()
    assert derived["borrowed_share"] > 0
    assert derived["borrowed_spans"]
    s, e = derived["borrowed_spans"][0]
    assert 0 <= s < e <= derived["chars"]
    page = client.get(f"/documents/{data['doc_id']}")
    assert page.status_code == 200 and "Derived from it" in page.text
    pair = data["derived"][0]
    view = client.get(
        "/pairs", params={"source": pair["source"]["id"], "derived": pair["derived"]["id"]}
    )
    assert view.status_code == 200 and 'class="pane pane-derived"' in view.text
    stored = client.get(
        "/api/pair", params={"source": pair["source"]["id"], "derived": pair["derived"]["id"]}
    ).json()
    assert stored["pairs"][0]["derived_coverage"] == pair["derived_coverage"]


def test_added_documents_are_found_by_id_and_not_added_twice(client: TestClient) -> None:
    doc = {"id": "posted-1", "text": "A brand new story about the harbour.\n", "outlet": "Gazette"}
    r = client.post("/api/documents", json={"documents": [doc]})
    assert r.status_code == 201, r.text
    assert r.json()["added"] == 1
    again = client.post("/api/documents", json={"documents": [doc]}).json()
    assert again["unchanged"] == 1 and again["added"] == 0
    got = client.get("/api/documents/posted-1").json()
    assert got["text"] == doc["text"] and got["outlet"] == "Gazette"


def test_openapi_documents_every_api_route(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for route in ("/api/compare", "/api/check", "/api/documents", "/api/pairs"):
        assert route in spec["paths"]
    assert "/api/documents/{ref}" in spec["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/static/swagger/swagger-ui-bundle.js" in docs.text
    bundle = client.get("/static/swagger/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and "SwaggerUIBundle" in bundle.text
    assert_error(client.get("/static/swagger/../../app.py"), 404)
    assert_error(client.get("/static/swagger/index.html"), 404)


# -- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("get", "/api/documents/no-such-document", {}, 404),
        ("get", "/documents/no-such-document", {}, 404),
        ("get", "/no/such/route", {}, 404),
        (
            "post",
            "/api/compare",
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            422,
        ),
        ("post", "/api/compare", {"json": {"a": {"text": "x"}}}, 422),
        ("post", "/api/check", {"json": {"text": ""}}, 422),
        ("post", "/api/check", {"json": {"text": "   \n "}}, 422),
        ("get", "/api/pairs", {"params": {"kind": "stolen"}}, 422),
        ("get", "/api/pairs", {"params": {"page": 0}}, 422),
        ("get", "/api/pairs", {"params": {"date_from": "yesterday"}}, 422),
        ("delete", "/api/documents/x", {}, 405),
        ("get", "/pairs", {"params": {"source": "a", "derived": "b"}}, 404),
        ("post", "/compare", {"data": {"a_text": "", "b_text": "x"}}, 422),
        ("post", "/compare", {"data": {"a_text": "x", "b_text": "y", "a_date": "2021-13-45"}}, 422),
    ],
)
def test_every_route_answers_errors_in_one_json_shape(
    client: TestClient, method: str, path: str, kwargs: dict[str, object], status: int
) -> None:
    assert_error(getattr(client, method)(path, **kwargs), status)


def test_a_binary_upload_is_a_clear_error(client: TestClient) -> None:
    files = {
        "a_file": ("photo.txt", bytes(range(256)) * 20, "text/plain"),
        "b_file": (SEED_DERIVED.name, SEED_DERIVED.read_bytes(), "text/plain"),
    }
    err = assert_error(client.post("/compare", files=files), 422)
    assert str(err["message"]).startswith("photo.txt: ")


def test_browsers_get_an_html_error_page(client: TestClient) -> None:
    r = client.get("/documents/nothing-here", headers={"accept": "text/html"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "no document &#39;nothing-here&#39; in the index" in r.text


def test_a_missing_index_is_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        create_app(tmp_path / "missing.db", config=LEXICAL)
    assert str(err.value).startswith(str(tmp_path / "missing.db") + ": no such index")


# -- safety -------------------------------------------------------------------------------


def test_request_bodies_over_the_limit_are_refused_with_413(db: Path) -> None:
    with client_for(db, max_request_bytes=2000) as small:
        big = {"text": "word " * 1000}
        assert_error(small.post("/api/check", json=big), 413)

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds while streaming
            yield b'{"text": "'
            for _ in range(100):
                yield b"word " * 20
            yield b'"}'

        r = small.post("/api/check", content=chunks(), headers={"content-type": "application/json"})
        assert_error(r, 413)
        files = {"a_file": ("a.txt", b"x" * 5000, "text/plain")}
        assert_error(small.post("/compare", files=files), 413)
        # Under the limit all is well.
        assert small.post("/api/check", json={"text": "A short story."}).status_code == 200


def test_document_text_is_escaped_on_every_page(client: TestClient) -> None:
    evil = {
        "id": "evil<script>alert(1)</script>",
        "text": f"Breaking news. {PAYLOAD}\n\nThe harbour board met on Tuesday. {PAYLOAD}\n",
        "title": f"Title {PAYLOAD}",
        "outlet": f"Outlet {PAYLOAD}",
        "url": "javascript:alert('url')",
    }
    assert client.post("/api/documents", json={"documents": [evil]}).status_code == 201
    doc = client.get("/api/documents/" + evil["id"]).json()
    pages = [
        client.get(f"/documents/{doc['doc_id']}"),
        client.get("/"),
        client.get("/browse", params={"outlet": evil["outlet"]}),
        client.post("/compare", data={"a_text": evil["text"], "b_text": evil["text"] + " More."}),
        client.post("/check", data={"text": evil["text"]}),
        client.get("/documents/" + PAYLOAD, headers={"accept": "text/html"}),
    ]
    for page in pages:
        assert page.headers["content-type"].startswith("text/html")
        html = page.text
        assert "<script>window.__pwned" not in html
        assert "<img src=x" not in html and "<svg onload" not in html
        assert 'href="javascript:' not in html
        tags = parsed_tags(html)
        assert not [t for t in tags if any(a.startswith("on") for a, _ in t[1])]
        assert not [t for t in tags if t[0] in ("img", "svg", "iframe", "object", "embed")]
        assert not [
            t
            for t in tags
            if ("href", "javascript:") in [(a, (v or "")[:11].lower()) for a, v in t[1]]
        ]
        # The only scripts are the page's own, carrying the nonce its CSP allows.
        csp = page.headers["content-security-policy"]
        nonces = re.findall(r"<script nonce=\"([^\"]+)\">", html)
        assert html.count("<script") == len(nonces)
        assert all(f"'nonce-{n}'" in csp for n in nonces)
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "&lt;script&gt;window.__pwned" in pages[0].text


def test_no_request_parameter_reaches_a_file(client: TestClient, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET CONTENT", encoding="utf-8")
    for ref in (str(secret), "../" * 8 + "etc/passwd", "/etc/passwd", "%2Fetc%2Fpasswd"):
        for prefix in ("/api/documents/", "/documents/"):
            r = client.get(prefix + ref)
            assert r.status_code == 404
            assert "TOP SECRET" not in r.text and "root:" not in r.text
    r = client.get("/pairs", params={"source": "/etc/passwd", "derived": str(secret)})
    assert r.status_code == 404 and "root:" not in r.text


def test_writes_need_the_token_when_one_is_set(db: Path) -> None:
    doc = {"documents": [{"id": "t1", "text": "Some text to add."}]}
    with client_for(db, token="s3cret") as c:
        assert_error(c.post("/api/documents", json=doc), 401)
        assert_error(
            c.post("/api/documents", json=doc, headers={"authorization": "Bearer nope"}), 401
        )
        assert_error(c.post("/api/documents", json=doc, headers={"authorization": "s3cret"}), 401)
        ok = c.post("/api/documents", json=doc, headers={"authorization": "Bearer s3cret"})
        assert ok.status_code == 201
        # Reading needs no token.
        assert c.get("/api/documents/t1").status_code == 200
        assert c.post("/api/check", json={"text": "Some text to add."}).status_code == 200


def test_cors_is_off_unless_origins_are_configured(db: Path) -> None:
    preflight = {
        "origin": "https://elsewhere.example",
        "access-control-request-method": "POST",
    }
    with client_for(db) as c:
        r = c.options("/api/check", headers=preflight)
        assert "access-control-allow-origin" not in r.headers
        r = c.get("/api/home", headers={"origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in r.headers
    with client_for(db, cors_origins=("https://elsewhere.example",)) as c:
        r = c.options("/api/check", headers=preflight)
        assert r.headers["access-control-allow-origin"] == "https://elsewhere.example"


def test_adding_does_not_lose_stored_documents_on_bad_input(client: TestClient) -> None:
    before = client.get("/api/home").json()["documents"]
    bad = {"documents": [{"id": "ok", "text": "Fine."}, {"id": "bad", "text": ""}]}
    assert_error(client.post("/api/documents", json=bad), 422)
    after = client.get("/api/home").json()
    assert after["documents"] == before  # the whole request is refused, nothing half-added


def test_api_documents_json_is_the_index_text(client: TestClient) -> None:
    data = client.get("/api/documents/" + str(SEED_DERIVED.resolve())).json()
    assert data["text"] == SEED_DERIVED.read_text(encoding="utf-8")
    assert json.loads(json.dumps(data)) == data


# -- the command ----------------------------------------------------------------------------


def test_serve_refuses_a_missing_index_in_one_line(tmp_path: Path) -> None:
    from .test_index import _unspin

    missing = tmp_path / "nowhere.db"
    r = _unspin("serve", "--db", str(missing), "--no-model")
    assert r.returncode == 2
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith(f"unspin: error: {missing}: no such index")
    assert not missing.exists()


def test_serve_serves_the_index_and_leaves_it_intact_on_ctrl_c(db: Path) -> None:
    import signal
    import socket
    import subprocess
    import time

    import httpx

    from .test_index import _command, _env

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        _command("serve", "--db", str(db), "--port", str(port), "--no-model", "--token", "t"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                home = httpx.get(base + "/api/home", timeout=5)
                break
            except httpx.HTTPError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "unspin serve did not start"
                time.sleep(0.2)
        assert home.status_code == 200
        before = home.json()["documents"]
        doc = {"documents": [{"id": "live", "text": "Added while serving."}]}
        r = httpx.post(base + "/api/documents", json=doc, headers={"authorization": "Bearer t"})
        assert r.status_code == 201
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode in (0, -signal.SIGINT)
    with Index(db, read_only=True) as index:
        assert index.count() == before + 1  # the added document is there, nothing lost
        assert {s.document.id for s in index.documents()} >= {"live"}
