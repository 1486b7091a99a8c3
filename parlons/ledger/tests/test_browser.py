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
