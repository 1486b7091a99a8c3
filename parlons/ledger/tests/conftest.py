import base64

import pytest


@pytest.fixture(autouse=True)
def _ledger_kek(settings):
    """A fixed key-encryption key, so tests never write var/keys."""
    settings.PARLONS_LEDGER_KEK = base64.b64encode(b"k" * 32).decode()
