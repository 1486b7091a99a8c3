"""The transparency page and the receipt check page in headless Chromium, with an axe-core scan."""

from __future__ import annotations

import json

import pytest

from parlons.core.services import decision_record
from parlons.core.tests.factories import ProcessFactory
from parlons.ledger import receipts, services
from parlons.ledger.models import LedgerEntry
from tests.browser.fixtures import axe_violations, describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_transparency_and_receipt_check_pages_are_accessible(org, live_server, page, tmp_path):
    decision_record(
        organisation=org, subject=ProcessFactory(organisation=org), by=None, kind="answer", body="Oui"
    )
    services.checkpoint_create(organisation=org)
    entry = LedgerEntry.objects.get(organisation=org)
    receipt = receipts.receipt_for(entry)

    url = f"{live_server.url}/ledger/{org.slug}/"
    page.goto(url)
    assert page.locator("h1").inner_text()
    if violations := axe_violations(page):
        pytest.fail(describe(url, violations))

    url = f"{live_server.url}/ledger/{org.slug}/verify"
    page.goto(url)
    if violations := axe_violations(page):
        pytest.fail(describe(url, violations))
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(receipt))
    page.set_input_files("#receipt_file", str(path))
    page.locator("main form[method=post] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("[role=status] .message-success").count() == 1
    if violations := axe_violations(page):
        pytest.fail(describe(url + " (result)", violations))


def test_receipt_page_polls_until_recorded_and_prints(org, live_server, page, monkeypatch):
    from parlons.ledger.tests.factories import queued

    monkeypatch.setattr(services, "_integration_requested", lambda organisation_id: None)  # worker late
    entry = queued(org, {"voter": "ab" * 32, "choices": [["p1", 1]]}, kind="ballot")
    url = f"{live_server.url}/ledger/{org.slug}/receipts/{entry.code}"
    page.goto(url)
    assert "Being recorded" in page.locator("#receipt-status").inner_text()
    if violations := axe_violations(page):
        pytest.fail(describe(url + " (being recorded)", violations))
    services.ledger_integrate(organisation=org)  # the sequencer runs; the page's next poll shows the receipt
    page.locator("#receipt-status", has_text="Recorded in the log").wait_for(timeout=10_000)
    if violations := axe_violations(page):
        pytest.fail(describe(url + " (recorded)", violations))
    page.get_by_role("link", name="Printable receipt").click()
    page.wait_for_load_state()
    assert entry.code in page.locator("main").inner_text()
    if violations := axe_violations(page):
        pytest.fail(describe(url + "/print", violations))
