"""Followers of a report discuss it with the service, through the shared dialogue app."""

from __future__ import annotations

import pytest

from parlons.common.errors import PermissionDenied
from parlons.core.tests.factories import MembershipFactory
from parlons.dialogue.services import comment_post
from parlons.modules.reports.services import report_follow, report_mark_private
from parlons.modules.reports.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(org, citizen):
    return ReportFactory(organisation=org, reporter=citizen)


def test_reporter_followers_and_staff_discuss_a_report(org, report, citizen, agent, client_for):
    neighbour = MembershipFactory(organisation=org).user
    stranger = MembershipFactory(organisation=org).user
    comment_post(target=report, by=citizen, body="Le trou s'agrandit après la pluie.")
    report_follow(report=report, by=neighbour)
    comment_post(target=report, by=neighbour, body="Moi aussi, mon vélo est tombé dedans.")
    comment_post(
        target=report, by=agent, body="Intervention prévue jeudi.", official=True, official_role="Voirie"
    )
    with pytest.raises(PermissionDenied):
        comment_post(target=report, by=stranger, body="Je passe par là.")
    body = client_for().get(report.get_absolute_url()).content.decode()
    assert "Le trou s&#x27;agrandit après la pluie." in body or "Le trou s'agrandit après la pluie." in body
    assert "mon vélo est tombé dedans" in body
    assert "Intervention prévue jeudi." in body
    assert "Je passe par là." not in body


def test_private_reports_cannot_be_discussed(org, report, citizen, admin_user):
    report_mark_private(report=report, by=admin_user, reason="Adresse personnelle")
    report.refresh_from_db()
    with pytest.raises(PermissionDenied):
        comment_post(target=report, by=citizen, body="Toujours là ?")
