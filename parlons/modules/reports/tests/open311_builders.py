"""Tenant-isolation builders for the Open311 adapter's models (merged into ``factories.TENANT_BUILDERS``)."""

from __future__ import annotations

import secrets


def _api_key(org):
    from parlons.modules.reports.open311.services import open311_api_key_create

    key, _plaintext = open311_api_key_create(organisation=org, by=None, name="Appli")
    return key


def _submission(org):
    from parlons.modules.reports.models import Open311Submission
    from parlons.modules.reports.tests.factories import ReportFactory

    return Open311Submission.objects.create(
        report=ReportFactory(organisation=org), api_key=_api_key(org), token=secrets.token_urlsafe(16)
    )


OPEN311_TENANT_BUILDERS = {
    "reports.Open311ApiKey": _api_key,
    "reports.Open311Submission": _submission,
}
