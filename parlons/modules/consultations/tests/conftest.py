"""Fixtures of the consultations tests: a published component, e-mail through the queue to locmem."""

from __future__ import annotations

import pytest

from parlons.modules.consultations.tests.factories import consultations_component


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "parlons.notifications.email_backend.QueuedEmailBackend"
    settings.PARLONS_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def component(org):
    return consultations_component(org, support_threshold=2)


@pytest.fixture
def other_citizen(org):
    from parlons.core.tests.factories import MembershipFactory

    return MembershipFactory(organisation=org, role="citizen", user__display_name="Karim Benali").user
