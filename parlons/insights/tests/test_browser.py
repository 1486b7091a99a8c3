"""The analysis page of the demo town in headless Chromium: themes chart and table, keyboard drill-down,
a correction, and axe-core scans (WCAG 2.2 A/AA) with zero violations."""

from __future__ import annotations

import pytest

from tests.browser.fixtures import axe_violations, describe, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADMIN = "admin@valmont.demo"


def test_analysis_page_of_the_demo_town(site, context, page):
    from parlons.insights.models import AnalysisRun, Theme

    assert AnalysisRun.objects.filter(status="done").exists(), "parlons demo analyses the contributions"
    themes = Theme.objects.filter(process=None, parent_key="")
    assert themes.exists()
    login(context, site, ADMIN)
    page.goto(site.url + "/backoffice/insights/")
    assert page.locator("h1").count() == 1
    assert page.locator(".ins-chart svg a").count() == themes.count()
    assert page.locator(".ins-table tbody tr.ins-theme-row").count() == themes.count()
    violations = axe_violations(page)
    assert violations == [], describe(page.url, violations)

    # keyboard: the chart's bars are links in the tab order; Enter opens the theme
    first_bar = page.locator(".ins-chart svg a").first
    first_bar.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/backoffice/insights/themes/" in page.url
    assert page.locator(".ins-contributions li").count() >= 1
    violations = axe_violations(page)
    assert violations == [], describe(page.url, violations)

    # rename the theme; the new name shows on the overview
    page.fill("#label", "Propreté et cadre de vie")
    with page.expect_navigation():
        page.locator("form:has(#label) button[type=submit]").click()
    page.goto(site.url + "/backoffice/insights/")
    assert page.get_by_role("link", name="Propreté et cadre de vie").count() >= 1
