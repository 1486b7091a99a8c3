"""Browser fixtures (a pytest plugin loaded by the root conftest, so that one Chromium serves every test): Debian's headless Chromium driven by Playwright, against pytest-django's live server.

Playwright's own browser download cannot work offline, so the system Chromium is launched directly.
The live server shares the test database (pytest-django passes in-memory SQLite connections to its thread;
with PostgreSQL the data is committed, the tests being transactional).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_JS = Path(django_settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API keeps an asyncio loop in this thread, which makes Django refuse database
    # calls from the test code; the code is not asynchronous, so the check does not apply here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def site(settings, tmp_path, live_server) -> Any:
    """The demo town served by the live server: plain static files, media in a temporary folder."""
    from django.core.management import call_command

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo", verbosity=0)
    return live_server


@pytest.fixture
def context(browser) -> Iterator[Any]:
    # Our CSP allows only nonce-bearing scripts: bypass it so that axe-core can be injected.
    context = browser.new_context(bypass_csp=True, locale="fr-FR", viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@pytest.fixture
def page(context) -> Any:
    return context.new_page()


def login(context: Any, live_server: Any, email: str) -> None:
    """Sign the browser in as ``email`` by giving it a session made on the server side."""
    from django.test import Client

    from parlons.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=email), backend="django.contrib.auth.backends.ModelBackend")
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page with the WCAG 2.0/2.1/2.2 A and AA rules; return its violations."""
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations",
        WCAG_TAGS,
    )


def describe(url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{url}: {len(violations)} accessibility violation(s)"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"      at {' '.join(node['target'])}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n         ")
            lines.append(f"         {summary}")
    return "\n".join(lines)


def demo_component(module_key: str) -> Any:
    """The demo town's first published component of ``module_key`` in a public process (with its process)."""
    from parlons.core.models import Component

    component = (
        Component.objects.filter(
            module_key=module_key, published_at__isnull=False, process__visibility="public"
        )
        .select_related("process")
        .order_by("pk")
        .first()
    )
    assert component is not None, f"the demo has a {module_key} component"
    return component
