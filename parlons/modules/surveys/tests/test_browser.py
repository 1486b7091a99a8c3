"""Answering the demo survey on a phone along two paths in headless Chromium, and axe-core scans (WCAG 2.2 A/AA)."""

from __future__ import annotations

import pytest

from tests.browser.fixtures import axe_violations, describe, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADMIN = "admin@valmont.demo"
CITIZEN = "citoyen@valmont.demo"


def _survey():
    from parlons.modules.surveys.models import Survey

    survey = (
        Survey.objects.filter(
            is_template=False, component__published_at__isnull=False, component__process__visibility="public"
        )
        .select_related("component__process")
        .order_by("pk")
        .first()
    )
    assert survey is not None, "the demo has a survey"
    return survey


def _base(survey):
    component = survey.component
    return f"/processes/{component.process.slug}/surveys/{component.pk}/{survey.public_id}/"


def _submit(page, locator):
    """Click a submit button and wait for the page (HTMX swaps it in without a full load)."""
    # Wait on the request and on HTMX's own swap classes rather than on a fixed delay: a loaded CI machine is slow.
    with page.expect_response(lambda response: response.request.method == "POST", timeout=30000):
        locator.click(timeout=30000)
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')", timeout=30000
    )


def _answer_path(browser, site, base, modes, note):
    """Answer as an anonymous person on a phone; return the questions' identifiers asked along the way."""
    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="fr-FR"
    )
    asked: list[str] = []
    try:
        page = phone.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(site.url + base)
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()
        for _step in range(12):
            if not page.locator("button[name=go][value=next]").count():
                break
            asked.extend(page.eval_on_selector_all("input[name=shown]", "els => els.map(e => e.value)"))
            width, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert width <= inner, f"the page scrolls sideways at 360px: {width}px ({page.url})"
            if page.locator("input[name=age]").count():
                page.locator("input[name=age]").first.check()
                page.locator("input[name=quartier]").first.check()
            if page.locator("input[name=modes]").count():
                for value in modes:
                    page.check(f"input[name=modes][value={value}]")
            if (
                page.locator("input[name=note]").count()
                and not page.locator("input[name=note]:checked").count()
            ):
                page.check(f"input[name=note][value='{note}']")
            if page.locator("textarea[name=pourquoi]").count():
                page.fill("textarea[name=pourquoi]", "Les voitures roulent trop vite devant l'école.")
            if page.locator("input[name=stationnement]").count():
                page.locator("input[name=stationnement]").last.check()
            try:
                _submit(page, page.locator("button[name=go][value=next]"))
            except Exception:
                raise AssertionError(page.url + page.inner_text("main")[:1500]) from None
        page.wait_for_url("**/review/")
        _submit(page, page.locator("main form button[type=submit]"))
        page.wait_for_url("**/receipt/**")
        assert not errors, errors
    finally:
        phone.close()
    return asked


def test_two_people_take_two_paths_on_a_phone(site, browser):
    base = _base(_survey())
    walker = _answer_path(browser, site, base, ["marche"], 8)
    driver = _answer_path(browser, site, base, ["voiture"], 2)
    assert "stationnement" in driver and "stationnement" not in walker
    assert "pourquoi" in driver and "pourquoi" not in walker
    assert "km_voiture" in driver and "km_voiture" not in walker


def test_survey_pages_have_no_wcag_violations(site, context, page):
    survey = _survey()
    base = site.url + _base(survey)
    found = []
    login(context, site, CITIZEN)
    page.goto(base)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    if violations := axe_violations(page):
        found.append(describe("first page", violations))
    _submit(page, page.locator("button[name=go][value=next]"))  # nothing answered: the error summary shows
    assert page.locator("#error-summary").count() == 1
    if violations := axe_violations(page):
        found.append(describe("page with errors", violations))
    page.locator("input[name=age]").first.check()
    page.locator("input[name=quartier]").first.check()
    _submit(page, page.locator("button[name=go][value=next]"))
    page.check("input[name=modes][value=marche]")
    _submit(page, page.locator("button[name=go][value=next]"))
    page.check("input[name=note][value='3']")
    _submit(page, page.locator("button[name=go][value=next]"))
    assert page.locator("#id_ou__lat").count() == 1  # the deepen rule added the map question
    page.wait_for_timeout(300)
    if violations := axe_violations(page):
        found.append(describe("deepen page with a map", violations))
    response = page.goto(base + "review/")
    assert response is not None and response.status == 200
    if violations := axe_violations(page):
        found.append(describe("review", violations))
    context.clear_cookies()
    login(context, site, ADMIN)
    for path in ("results/", "results/?question=modes&by=district", "edit/"):
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        if violations := axe_violations(page):
            found.append(describe(path, violations))
    assert not found, "\n\n".join(found)
