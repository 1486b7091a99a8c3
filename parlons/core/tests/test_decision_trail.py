from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from parlons.common.errors import PermissionDenied, ValidationFailed
from parlons.core.models import DecisionEvent
from parlons.core.services import decision_record
from parlons.core.tests.factories import ProcessFactory

pytestmark = pytest.mark.django_db


def _render(subject, org, user):
    request = RequestFactory().get("/")
    request.organisation = org
    request.user = user
    return Template("{% load decision_trail %}{% decision_trail subject %}").render(
        Context({"subject": subject, "request": request})
    )


def test_trail_shows_status_changes_and_official_answers_in_order(org, agent, citizen):
    subject = ProcessFactory(organisation=org)
    decision_record(
        organisation=org, subject=subject, by=agent, kind="status", from_status="reçu", to_status="en cours"
    )
    decision_record(
        organisation=org,
        subject=subject,
        by=agent,
        kind="answer",
        body="Les travaux commencent lundi.",
        author_role="Service voirie",
        documents=[{"title": "Arrêté municipal", "url": "https://example.test/arrete.pdf"}],
    )
    decision_record(
        organisation=org, subject=subject, by=agent, kind="status", to_status="interne", is_public=False
    )
    html = _render(subject, org, citizen)
    assert html.index("en cours") < html.index("Les travaux commencent lundi.")
    assert "Service voirie" in html
    assert 'href="https://example.test/arrete.pdf"' in html
    assert "interne" not in html, "private steps are for staff only"
    assert "interne" in _render(subject, org, agent)


def test_only_staff_record_decisions_and_answers_need_text(org, citizen, agent):
    subject = ProcessFactory(organisation=org)
    with pytest.raises(PermissionDenied):
        decision_record(organisation=org, subject=subject, by=citizen, kind="answer", body="Je décide")
    with pytest.raises(ValidationFailed):
        decision_record(organisation=org, subject=subject, by=agent, kind="answer", body="  ")
    with pytest.raises(ValidationFailed):
        decision_record(
            organisation=org, subject=subject, by=agent, kind="answer", body="ok", documents=[{"url": "x"}]
        )
    assert DecisionEvent.objects.count() == 0


def test_staff_of_another_town_cannot_record(org, other_org, agent):
    subject = ProcessFactory(organisation=other_org)
    with pytest.raises(PermissionDenied):
        decision_record(organisation=other_org, subject=subject, by=agent, kind="status", to_status="clos")
