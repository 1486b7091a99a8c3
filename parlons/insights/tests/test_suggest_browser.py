"""In the demo town's report form, typing the description suggests the category, as a person sees it."""

from __future__ import annotations

import pytest

from tests.browser.fixtures import axe_violations, describe, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CITIZEN = "citoyen@valmont.demo"


def _new_report_url():
    from parlons.core.models import Component

    component = (
        Component.objects.filter(
            module_key="reports", published_at__isnull=False, process__visibility="public"
        )
        .select_related("process")
        .order_by("pk")
        .first()
    )
    assert component is not None, "the demo has a reports component"
    return f"/processes/{component.process.slug}/reports/{component.pk}/new/"


def test_typing_the_description_suggests_and_preselects_the_category(site, context, page):
    from parlons.modules.reports.models import Category

    lamp = Category.objects.get(slug="lampadaire")
    login(context, site, CITIZEN)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(site.url + _new_report_url())
    page.locator("#id_description").press_sequentially(
        "Le lampadaire de la rue ne s'allume plus la nuit", delay=5
    )
    button = page.locator(f'#category-suggestion [data-suggest-value="{lamp.pk}"]')
    button.wait_for(timeout=15000)
    assert "lampadaire" in page.locator("#category-suggestion").inner_text().lower()
    # a confident suggestion pre-selects the category while the person has not chosen one
    page.wait_for_function(f"() => document.getElementById('id_category').value === '{lamp.pk}'")
    if violations := axe_violations(page):
        pytest.fail(describe("new report with a suggestion", violations))
    # the person chooses another category: a later suggestion no longer overrides it
    other = Category.objects.exclude(pk=lamp.pk).filter(is_active=True).order_by("pk").first()
    page.select_option("#id_category", str(other.pk))
    page.locator("#id_description").press_sequentially(" et le candélabre aussi", delay=5)
    page.wait_for_timeout(1500)
    assert page.eval_on_selector("#id_category", "e => e.value") == str(other.pk)
    # clicking a suggestion selects it
    page.locator(f'#category-suggestion [data-suggest-value="{lamp.pk}"]').click()
    assert page.eval_on_selector("#id_category", "e => e.value") == str(lamp.pk)
    assert not errors, errors
