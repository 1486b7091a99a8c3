"""Voting on a phone with the keyboard in headless Chromium, and axe-core scans (WCAG 2.2 A/AA) of the vote page,
the opinion map and the officials' report of the demo town's conversation."""

from __future__ import annotations

import pytest

from tests.browser.fixtures import axe_violations, describe, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADMIN = "admin@valmont.demo"
CITIZEN = "citoyen@valmont.demo"


def _conversation():
    from parlons.modules.conversations.models import Conversation

    conversation = (
        Conversation.objects.filter(
            component__published_at__isnull=False, component__process__visibility="public"
        )
        .select_related("component__process")
        .order_by("pk")
        .first()
    )
    assert conversation is not None, "the demo has a conversation"
    return conversation


def _base(conversation):
    component = conversation.component
    return f"/processes/{component.process.slug}/conversations/{component.pk}/{conversation.public_id}/"


def _wait_for_swap(page):
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')", timeout=30000
    )


def test_a_citizen_votes_with_the_keyboard_on_a_phone_and_finds_herself_on_the_map(site, browser):
    from parlons.modules.conversations.models import Vote

    conversation = _conversation()
    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="fr-FR"
    )
    try:
        login(phone, site, CITIZEN)
        page = phone.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(site.url + _base(conversation))
        width, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= inner, f"the vote page scrolls sideways at 360px: {width}px"
        for key in ("a", "d", "p"):
            before = page.inner_text(".conv-statement")
            with page.expect_response(lambda r: r.request.method == "POST", timeout=30000):
                page.keyboard.press(key)
            _wait_for_swap(page)
            assert page.inner_text(".conv-statement") != before
        # A tap works too.
        with page.expect_response(lambda r: r.request.method == "POST", timeout=30000):
            page.locator("button.conv-agree").tap()
        _wait_for_swap(page)
        values = sorted(Vote.objects.filter(participant__user__email=CITIZEN).values_list("value", flat=True))
        assert values == [-1, 0, 1, 1]
        page.goto(site.url + _base(conversation) + "map/")
        assert page.locator("svg circle.conv-you").count() == 1
        assert not errors, errors
    finally:
        phone.close()


def test_conversation_pages_have_no_wcag_violations(site, context, page):
    base = site.url + _base(_conversation())
    found = []
    login(context, site, CITIZEN)
    for path in ("", "map/"):
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        if violations := axe_violations(page):
            found.append(describe(path or "vote page", violations))
    context.clear_cookies()
    login(context, site, ADMIN)
    response = page.goto(base + "report/")
    assert response is not None and response.status == 200
    assert page.locator("svg[role=img]").count() == 1
    if violations := axe_violations(page):
        found.append(describe("report/", violations))
    assert not found, "\n\n".join(found)
