"""The ballot in headless Chromium (live budget bar, keyboard) and axe-core scans (WCAG 2.2 A/AA) of the pages."""

from __future__ import annotations

import pytest

from tests.browser.fixtures import axe_violations, describe, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CITIZEN = "citoyen@valmont.demo"


def _budgets():
    from parlons.modules.budgets.models import Budget

    past = (
        Budget.objects.filter(status="closed", component__process__visibility="public").order_by("pk").first()
    )
    current = Budget.objects.filter(status="open", component=past.component, ballot_type="knapsack").first()
    assert past is not None and current is not None, "the demo has a past and a current budget"
    component = past.component
    base = f"/processes/{component.process.slug}/budgets/{component.pk}/"
    return base, past, current


def test_ballot_budget_bar_follows_the_keyboard(site, context, page):
    from parlons.modules.budgets.models import Ballot

    base, _past, current = _budgets()
    login(context, site, CITIZEN)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(site.url + base + f"budgets/{current.pk}/vote/")
    boxes = page.locator("input[name=projects]")
    first = boxes.nth(0)
    first.focus()
    page.keyboard.press("Space")
    cost = int(first.get_attribute("data-cost"))
    assert page.eval_on_selector("#budget-meter", "m => m.value") == cost
    assert f"{cost:,}".replace(",", "") in page.inner_text("#budget-output").replace("\u202f", "").replace(
        "\xa0", ""
    ).replace(" ", "")
    page.locator("#ballot button[type=submit]").click()
    page.wait_for_load_state()
    assert Ballot.objects.filter(budget=current).count() == 1
    assert not errors, errors


def test_budget_pages_have_no_wcag_violations(site, context, page):
    from parlons.modules.budgets.models import Project

    base, past, current = _budgets()
    project = Project.objects.filter(budget=past, status="delivered").first()
    login(context, site, CITIZEN)
    found = []
    for path in (
        "",
        f"projects/{project.public_id}/",
        f"budgets/{current.pk}/vote/",
        f"budgets/{past.pk}/results/",
        f"budgets/{past.pk}/execution/",
    ):
        response = page.goto(site.url + base + path)
        assert response is not None and response.status == 200, path
        if violations := axe_violations(page):
            found.append(describe(path or "projects", violations))
    assert not found, "\n\n".join(found)


def test_back_office_pages_have_no_wcag_violations(site, context, page):
    from parlons.modules.budgets.models import Budget

    base, past, _current = _budgets()
    draft = Budget.objects.create(component=past.component, title="Budget 2027", amount=100_000)
    login(context, site, "admin@valmont.demo")
    found = []
    for path in (
        "manage/",
        "manage/new/",
        f"manage/{draft.pk}/",
        f"manage/{past.pk}/",
        "manage/import/",
        f"manage/{draft.pk}/import-proposals/",
        f"budgets/{_current.pk}/assisted/",
    ):
        response = page.goto(site.url + base + path)
        assert response is not None and response.status == 200, path
        if violations := axe_violations(page):
            found.append(describe(path, violations))
    assert not found, "\n\n".join(found)
