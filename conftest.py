"""Shared fixtures: two organisations, people of every role, and paths to the shared real data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

from parlons.accounts.models import Role
from parlons.core.tests.factories import MembershipFactory, OrganisationFactory, ServiceFactory

# One headless Chromium for every browser test of every app (several Playwright instances cannot share a thread).
pytest_plugins = ["tests.browser.fixtures"]


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    """Tasks run inline in tests, through the same code path as the worker."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield


@pytest.fixture(autouse=True)
def _english_unless_said_otherwise(settings):
    """Tests read English (the source strings); French, the towns' default, is tested where it is the point.

    Organisations made by the factories default to English; ``french_org`` and the demo town are French.
    """
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files of a test go to a throw-away directory, never to var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def org(db):
    return OrganisationFactory(slug="valmont", name="Valmont", host="valmont.example.test", is_default=True)


@pytest.fixture
def french_org(org):
    """The same town with French as its default language, as real towns have."""
    org.default_language = "fr"
    org.save(update_fields=["default_language"])
    return org


@pytest.fixture
def other_org(db):
    return OrganisationFactory(slug="autreville", name="Autreville", host="autreville.example.test")


def _member(org, role, **kwargs):
    return MembershipFactory(organisation=org, role=role, **kwargs).user


@pytest.fixture
def citizen(org):
    return _member(org, Role.CITIZEN)


@pytest.fixture
def agent(org):
    return _member(org, Role.AGENT, service=ServiceFactory(organisation=org))


@pytest.fixture
def moderator(org):
    return _member(org, Role.MODERATOR)


@pytest.fixture
def admin_user(org):
    return _member(org, Role.ADMIN)


@pytest.fixture
def client_for(client, org):
    """A test client on the organisation's host name, optionally signed in: client_for(user)."""

    def make(user=None, organisation=None):
        from django.test import Client

        c = Client(HTTP_HOST=(organisation or org).host)
        if user is not None:
            c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return c

    return make


@pytest.fixture
def shared_data() -> Path:
    """The real third-party data under ../shared/data; tests using it skip when it is absent."""
    path = Path(os.environ.get("PARLONS_SHARED_DATA", settings.SHARED_DATA_DIR))
    if not path.is_dir():
        pytest.skip(f"real data not found at {path} (set PARLONS_SHARED_DATA)")
    return path
