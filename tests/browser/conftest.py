"""Playwright against Debian's Chromium at a phone viewport; reused by every browser test.

Never `playwright install`: that downloads a browser, which closed networks cannot do.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread, and the test database is set
# up after it starts; Django would otherwise refuse database calls from that thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"  # git-ignored


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/test does)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_context_args,
        "viewport": PHONE,
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    }


@pytest.fixture
def screenshot(page: Any) -> Any:
    """Save a full-page screenshot under test-results/screenshots/ for a person to look at."""

    def take(name: str, of: Any = None) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        (of or page).screenshot(path=str(path), full_page=True)
        return path

    return take


def assert_fits_phone(page: Any) -> None:
    """Nothing on the page forces sideways scrolling at the phone's width."""
    overflow = page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )
    assert overflow <= 0, f"page is {overflow}px wider than the screen"


def sign_in(page: Any, base: str, email: str) -> None:
    """Sign in as a demo account through the real pages: password, then the one-time code
    the demo shows when the account has an authenticator."""
    from django.conf import settings as django_settings

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(django_settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if page.get_by_test_id("demo-code").count():
        page.get_by_label("Authenticator code").fill(demo_code(page))
        page.get_by_role("button", name="Sign in").click()


def demo_code(page: Any, *, margin: float = 8.0) -> str:
    """The one-time code the demo banner shows, read as a person would: the server takes only
    the current 30-second step, so in its last seconds this waits for the next step and
    reloads the page for the fresh code (a code read late once failed a CI run)."""
    import time

    left = 30 - time.time() % 30
    if left < margin:
        time.sleep(left + 0.05)
        page.reload()
    return str(page.get_by_test_id("demo-code").inner_text()).strip()
