"""The person's saved language follows them to a new browser."""

import pytest

pytestmark = pytest.mark.django_db


def test_saved_language_applies_on_a_new_browser(french_org, citizen, client_for):
    citizen.language = "en"
    citizen.save()
    client = client_for(citizen)
    assert '<html lang="en">' in client.get("/").content.decode()
    assert '<html lang="fr">' in client_for().get("/").content.decode()
