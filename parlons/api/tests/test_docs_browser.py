"""The documentation page really works in a browser, offline and under our Content Security Policy."""

from urllib.parse import urlparse

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_the_operations_without_leaving_the_site(org, live_server, browser):
    context = browser.new_context()  # the CSP is enforced
    page = context.new_page()
    own_host = urlparse(live_server.url).netloc
    foreign, problems = [], []

    def route(route):
        if urlparse(route.request.url).netloc != own_host:
            foreign.append(route.request.url)
            return route.abort()
        return route.continue_()

    page.route("**/*", route)
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=15000)
    assert page.locator(".opblock").count() >= 10
    assert "/api/v1/processes" in page.content()
    assert foreign == []
    assert problems == []
    context.close()
