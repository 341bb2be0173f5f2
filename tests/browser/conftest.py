"""Browser tests: Debian's chromium + chromedriver (headless) through Selenium, against the test
app served on a loopback port.  Without chromium the tests are skipped, except in CI
(OMS_REQUIRE_BROWSER=1), where a missing browser is a failure.  Screenshots of each step go to
$ARTIFACTS_DIR/screenshots (CI keeps that folder)."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOTS = Path(os.environ.get("ARTIFACTS_DIR", tempfile.gettempdir() + "/oms-artifacts")) / "screenshots"


@pytest.fixture(scope="session")
def live_server(app):
    """The test app on a loopback port the system picks when binding (port 0), so that parallel
    xdist workers, each with its own server, can never race for the same port."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def _chrome_available():
    ok = os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)
    if not ok:
        if os.environ.get("OMS_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium / chromedriver are not installed (apt-get install chromium chromium-driver)")
        pytest.skip("chromium / chromedriver not installed: browser tests run in CI (.ci/run)")
    return True


@pytest.fixture()
def driver(_chrome_available):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    downloads = tempfile.mkdtemp(prefix="oms-downloads-")
    opts.add_experimental_option(
        "prefs",
        {"download.default_directory": downloads, "download.prompt_for_download": False, "safebrowsing.enabled": False},
    )
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1366,900",
        "--lang=ru-RU",
        f"--user-data-dir={tempfile.mkdtemp(prefix='oms-chrome-')}",
    ):
        opts.add_argument(arg)
    drv = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    drv.set_page_load_timeout(60)
    drv.download_dir = Path(downloads)  # where the browser saves what the user downloads
    yield drv
    drv.quit()


@pytest.fixture()
def shot(driver, request):
    """shot("step-name") saves a screenshot named after the test and the step."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    counter = {"n": 0}

    def take(step: str):
        counter["n"] += 1
        path = SCREENSHOTS / f"{request.node.name}-{counter['n']:02d}-{step}.png"
        driver.save_screenshot(str(path))
        return path

    return take


@pytest.fixture(autouse=True)
def _no_login_rate_limit(app):
    """All browser logins come from 127.0.0.1: the rate limit (tested in tests/security) would
    stop a walk through ten demo logins, so it is off during browser tests only."""
    limiter = app.appbuilder.sm.limiter
    was = limiter.enabled
    limiter.enabled = False
    yield
    limiter.enabled = was
