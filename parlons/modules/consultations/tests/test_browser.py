"""axe-core scans (WCAG 2.2 A/AA) of the proposal list, a proposal page with comments, the new-proposal flow
and the moderation queue, on the demo town in headless Chromium."""

from __future__ import annotations

import pytest

from tests.browser.fixtures import axe_violations, describe, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CITIZEN = "citoyen@valmont.demo"
MODERATOR = "moderation@valmont.demo"


def _component():
    from parlons.core.models import Component

    component = (
        Component.objects.filter(
            module_key="consultations", published_at__isnull=False, process__visibility="public"
        )
        .select_related("process")
        .order_by("pk")
        .first()
    )
    assert component is not None, "the demo has a consultations component"
    return component


def test_consultation_pages_have_no_wcag_violations(site, context, page):
    from parlons.dialogue.models import Comment
    from parlons.modules.consultations.models import Proposal

    component = _component()
    base = f"{site.url}/processes/{component.process.slug}/consultations/{component.pk}/"
    discussed = (
        Proposal.objects.filter(component=component, comments_count__gt=0).order_by("-comments_count").first()
    )
    assert discussed is not None and Comment.objects.filter(object_id=str(discussed.pk)).exists()
    found = []
    login(context, site, CITIZEN)
    for path in ("", f"{discussed.public_id}/", "new/", "debates/"):
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        if violations := axe_violations(page):
            found.append(describe(path or "list", violations))
    # The guided flow: write, see similar proposals, then the check step is scanned too.
    page.goto(base + "new/")
    page.fill("#id_title", "Des bancs à l'ombre sur le quai de Loire")
    page.fill("#id_body", "Installer des bancs à l'ombre le long de la Loire pour les promeneurs âgés.")
    page.locator("button[name=action][value=check]").click()
    page.wait_for_load_state()
    if violations := axe_violations(page):
        found.append(describe("new/ (check step)", violations))
    context.clear_cookies()
    login(context, site, MODERATOR)
    response = page.goto(f"{site.url}/dialogue/moderation/")
    assert response is not None and response.status == 200
    if violations := axe_violations(page):
        found.append(describe("moderation queue", violations))
    assert not found, "\n\n".join(found)


def test_near_me_uses_the_device_position(site, context, page):
    component = _component()
    base = f"{site.url}/processes/{component.process.slug}/consultations/{component.pk}/"
    context.grant_permissions(["geolocation"], origin=site.url)
    context.set_geolocation({"longitude": 0.98, "latitude": 47.4})
    page.goto(base)
    button = page.locator("#near-me")
    assert button.is_visible()
    button.click()
    page.wait_for_url("**near=0.98000%2C47.40000**")
    assert page.input_value("#f-near") == "0.98000,47.40000"
