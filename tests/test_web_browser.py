"""End to end in a real headless Chromium (Debian's, driven by Playwright through
``executable_path``; ``scripts/install-browser`` installs it): the app served by uvicorn
on a free port over the example index with the embedded model. Screenshots go to
``test-artifacts/browser/``.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from unspin.config import Config
from unspin.web import create_app

from .conftest import EXAMPLES, ROOT, SEED_DERIVED, SEED_SOURCE
from .test_web import PAYLOAD, build_index

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts" / "browser"


def chromium() -> str:
    found = os.environ.get("UNSPIN_CHROMIUM") or shutil.which("chromium")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("no chromium: scripts/install-browser should have installed it")
    pytest.skip("no chromium on this machine (scripts/install-browser installs it)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = build_index(EXAMPLES, tmp_path_factory.mktemp("browser") / "i.db", Config())
    port = free_port()
    config = uvicorn.Config(
        create_app(db, config=Config()), host="127.0.0.1", port=port, log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    path = chromium()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser: object, request: pytest.FixtureRequest) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    pg = context.new_page()
    yield pg
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}-final.png"), full_page=True)
    context.close()


def test_pasting_the_seed_pair_shows_the_altered_quotes_and_links_passages(
    server: str, page: object
) -> None:
    pg = page
    pg.goto(server + "/compare")  # type: ignore[attr-defined]
    pg.fill("#a_text", SEED_SOURCE.read_text(encoding="utf-8"))  # type: ignore[attr-defined]
    pg.fill("#b_text", SEED_DERIVED.read_text(encoding="utf-8"))  # type: ignore[attr-defined]
    pg.click("#compare-submit")  # type: ignore[attr-defined]
    altered = pg.locator(".pane-derived .m.k-altered-quote")  # type: ignore[attr-defined]
    altered.first.wait_for(state="visible", timeout=30_000)
    assert altered.count() >= 1
    assert pg.locator(".pane-source .m.k-altered-quote").count() >= 1  # type: ignore[attr-defined]
    # The spinner's swaps inside the altered quote are marked word by word.
    assert pg.locator(".pane-derived .e-replace").count() >= 3  # type: ignore[attr-defined]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "compare-seed-pair.png"), full_page=True)  # type: ignore[attr-defined]

    target = altered.first
    pid = target.get_attribute("data-passages").split()[0]
    assert pg.locator(".m.active").count() == 0  # type: ignore[attr-defined]
    target.click()
    counterpart = pg.locator(f'.pane-source .m.active[data-passages~="{pid}"]')  # type: ignore[attr-defined]
    counterpart.first.wait_for(state="visible", timeout=5_000)
    assert counterpart.count() >= 1
    # Only that passage is marked, in both panes.
    for el in pg.locator(".m.active").all():  # type: ignore[attr-defined]
        assert pid in el.get_attribute("data-passages").split()
    pg.screenshot(path=str(ARTIFACTS / "compare-passage-clicked.png"), full_page=True)  # type: ignore[attr-defined]


def test_hostile_documents_run_no_script_in_the_browser(server: str, page: object) -> None:
    pg = page
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    evil = {
        "id": "hostile-1",
        "text": f"Breaking news. {PAYLOAD}\n\nThe harbour board met on Tuesday. {PAYLOAD}\n",
        "title": f"Title {PAYLOAD}",
        "outlet": "Outlet <script>window.__pwned = 1</script>",
        "url": "javascript:window.__pwned = 1",
    }
    r = httpx.post(server + "/api/documents", json={"documents": [evil]}, timeout=60)
    assert r.status_code == 201, r.text
    doc_id = httpx.get(server + "/api/documents/hostile-1", timeout=30).json()["doc_id"]

    def safe(where: str) -> None:
        assert pg.evaluate("window.__pwned") is None, where  # type: ignore[attr-defined]
        assert dialogs == [], where

    for path in (f"/documents/{doc_id}", "/", "/browse?view=pairs", "/browse?view=families"):
        pg.goto(server + path)  # type: ignore[attr-defined]
        safe(path)
    pg.goto(server + f"/documents/{doc_id}")  # type: ignore[attr-defined]
    # The payload is shown as the text it is.
    assert "<script>window.__pwned" in pg.inner_text("#doctext")  # type: ignore[attr-defined]
    for link in pg.locator("a").all():  # type: ignore[attr-defined]
        assert not (link.get_attribute("href") or "").lower().startswith("javascript:")
    pg.screenshot(path=str(ARTIFACTS / "hostile-document.png"), full_page=True)  # type: ignore[attr-defined]

    pg.goto(server + "/compare")  # type: ignore[attr-defined]
    pg.fill("#a_text", evil["text"])  # type: ignore[attr-defined]
    pg.fill("#b_text", evil["text"] + "\nAnd one more line.")  # type: ignore[attr-defined]
    pg.click("#compare-submit")  # type: ignore[attr-defined]
    pg.wait_for_selector(".pane-derived")  # type: ignore[attr-defined]
    for m in pg.locator(".m[data-passages]").all()[:5]:  # type: ignore[attr-defined]
        m.click()
    safe("compare")
    pg.screenshot(path=str(ARTIFACTS / "hostile-compare.png"), full_page=True)  # type: ignore[attr-defined]

    pg.goto(server + "/check")  # type: ignore[attr-defined]
    pg.fill("#text", evil["text"])  # type: ignore[attr-defined]
    pg.click("#check-submit")  # type: ignore[attr-defined]
    pg.wait_for_selector("#ledger")  # type: ignore[attr-defined]
    safe("check")


def test_the_api_docs_render_from_local_files(server: str, page: object) -> None:
    pg = page
    outside: list[str] = []
    pg.on(  # type: ignore[attr-defined]
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(server) else None,
    )
    pg.goto(server + "/docs")  # type: ignore[attr-defined]
    pg.locator(".opblock-summary-path", has_text="/api/check").first.wait_for(timeout=15_000)  # type: ignore[attr-defined]
    assert outside == []  # no CDN: the explorer works offline
    pg.screenshot(path=str(ARTIFACTS / "api-docs.png"))  # type: ignore[attr-defined]
