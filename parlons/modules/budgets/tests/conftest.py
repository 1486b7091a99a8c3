from __future__ import annotations

import os

import pytest


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: long real-data tallies, run with PARLONS_SLOW_TESTS=1 (and by the bench)"
    )


def pytest_collection_modifyitems(config, items):
    if os.environ.get("PARLONS_SLOW_TESTS") == "1":
        return
    skip = pytest.mark.skip(
        reason="slow real-data tally: set PARLONS_SLOW_TESTS=1 (bench/budgets.py runs it too)"
    )
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _ledger_kek(settings):
    """Budgets write to the transparency log: a fixed key-encryption key keeps the tests out of the data dir."""
    import base64

    settings.PARLONS_LEDGER_KEK = base64.b64encode(b"k" * 32).decode()
