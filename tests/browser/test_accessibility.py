"""Accessibility of the main pages in headless Chromium: axe-core (WCAG 2.2 A/AA), keyboard, small screens."""

from __future__ import annotations

import pytest

from tests.browser.fixtures import axe_violations, describe, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROCESS = "/processes/reamenagement-place-du-marche/"
PUBLIC_PAGES = ["/", PROCESS, "/processes/", "/map/", "/accounts/signup/", "/accounts/login/"]
CITIZEN = "citoyen@valmont.demo"


def _switch_language(page, site, code: str) -> None:
    """Change the language through the form in the header, as a person would."""
    page.goto(site.url + "/")
    page.select_option("#language-select", code)
    page.locator(".language-switch button[type=submit]").click()
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == code


@pytest.mark.parametrize("language", ["fr", "en"])
def test_pages_have_no_wcag_violations(site, context, page, language):
    _switch_language(page, site, language)
    # The choice persists on the next page.
    page.goto(site.url + PROCESS)
    assert page.get_attribute("html", "lang") == language

    report = []
    for path in PUBLIC_PAGES:
        response = page.goto(site.url + path)
        assert response is not None and response.status == 200, (
            f"{path} answered {response and response.status}"
        )
        assert page.get_attribute("html", "lang") == language, path
        if violations := axe_violations(page):
            report.append(describe(path, violations))

    login(context, site, CITIZEN)
    response = page.goto(site.url + "/me/")
    assert response is not None and response.status == 200
    assert page.url.rstrip("/").endswith("/me"), f"not signed in: redirected to {page.url}"
    if violations := axe_violations(page):
        report.append(describe("/me/ (signed in)", violations))

    assert not report, "\n\n".join(report)


def test_skip_link_is_first_and_moves_focus_to_main(site, page):
    page.goto(site.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => ({cls: document.activeElement.className, href: document.activeElement.getAttribute('href')})"
    )
    assert "skip-link" in focused["cls"] and focused["href"] == "#main"
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["y"] >= 0 and box["height"] >= 24, (
        "the skip link must be visible when focused"
    )
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    # The next Tab continues inside the main content, not in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)")


def test_focus_is_visible(site, page):
    page.goto(site.url + "/")
    for _ in range(3):
        page.keyboard.press("Tab")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineWidth")
    assert float(outline.removesuffix("px")) >= 2


def test_nothing_overflows_on_a_phone(site, browser, tmp_path):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        for path in [*PUBLIC_PAGES, "/processes/budget-participatif-2027/"]:
            page.goto(site.url + path)
            page.screenshot(
                path=str(tmp_path / f"{path.strip('/').replace('/', '_') or 'home'}.png"), full_page=True
            )
            width, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert width <= inner, f"{path} scrolls sideways at 360px: {width}px wide"
    finally:
        context.close()
