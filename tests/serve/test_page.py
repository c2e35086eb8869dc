"""The page at / in a real headless browser (Chromium via Selenium) against the service on the sample catalog.

Needs Debian's ``chromium`` and ``chromium-driver`` (``apt-get install -y chromium chromium-driver``); the
tests are skipped, saying so, where they are not installed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _service_fixtures import EMB, KEY
from _service_in_thread import serve_in_thread

from weaviate_recsys.serve import create_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or (
    "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None
)
#: The README's picture of the page, refreshed by running these tests with RECSYS_UPDATE_SCREENSHOT=1.
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "serve-page.png"

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="no headless browser: install Debian's chromium and chromium-driver to run the page tests",
)


@pytest.fixture(scope="module")
def page_url(sample_store: Any) -> Iterator[str]:
    """The service on a real port (uvicorn in a thread), so the browser can reach it."""
    client, settings = sample_store
    for url in serve_in_thread(create_app(settings, client=client, embedder=EMB)):
        yield url + "/"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,1400",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The driver path is given explicitly: Selenium Manager never downloads anything.
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver: Any, css: str, timeout: float = 60) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(
        expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css))
    )


def _console_errors(driver: Any) -> list[dict[str, Any]]:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def _enter_key(driver: Any) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, "#key-box summary").click()
    key = driver.find_element(By.ID, "api-key")
    key.clear()
    key.send_keys(KEY)
    driver.execute_script("sessionStorage.setItem('recsys-key', arguments[0])", KEY)


def test_a_user_lookup_shows_interests_history_and_recommendations(browser: Any, page_url: str, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.get(page_url)
    assert "weaviate-recsys" in browser.title
    _enter_key(browser)
    field = browser.find_element(By.ID, "user-id")
    field.send_keys("u000")
    browser.find_element(By.CSS_SELECTOR, "#user-form button").click()
    _wait(browser, "#user-view")
    _wait(browser, "#u-recs li.rec")
    recs = browser.find_elements(By.CSS_SELECTOR, "#u-recs li.rec")
    assert len(recs) == 10
    assert all(r.find_element(By.CSS_SELECTOR, ".why").text for r in recs)
    for rec in recs:  # "score 0.854 = keywords 0.154 + similarity 0.700": the shown parts add up
        meta = rec.find_element(By.CSS_SELECTOR, ".meta").text
        score, parts = meta.split("score ", 1)[1].split(" = ")
        assert round(sum(float(p.split()[1]) for p in parts.split(" + ")), 3) == float(score)
    bars = browser.find_elements(By.CSS_SELECTOR, "#u-domains .row")
    assert bars and "%" in bars[0].text
    assert browser.find_elements(By.CSS_SELECTOR, "#u-keywords span")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#u-history tbody tr")) == 15
    shot = SCREENSHOT if os.environ.get("RECSYS_UPDATE_SCREENSHOT") == "1" else tmp_path / "serve-page.png"
    assert browser.save_screenshot(str(shot)) and shot.read_bytes().startswith(b"\x89PNG")
    assert _console_errors(browser) == []


def test_an_item_lookup_shows_similar_items_and_audience(browser: Any, page_url: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(page_url)
    browser.refresh()
    _enter_key(browser)
    browser.find_element(By.ID, "item-id").send_keys("EL0001")
    browser.find_element(By.CSS_SELECTOR, "#item-form button").click()
    _wait(browser, "#i-similar li.rec")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#i-similar li.rec")) == 10
    assert browser.find_elements(By.CSS_SELECTOR, "#i-audience tbody tr a.link")
    assert _console_errors(browser) == []


def test_an_unknown_user_shows_the_services_message(browser: Any, page_url: str) -> None:
    browser.get(page_url)
    _enter_key(browser)
    browser.get(page_url + "#user=nobody-at-all")
    box = _wait(browser, "#error")
    assert "404" in box.text and "nobody-at-all" in box.text
