from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from parlons.accounts.models import Membership, Role
from parlons.accounts.verification import Level
from parlons.core.models import Process
from parlons.core.permissions import can_perform, can_view_process
from parlons.core.services import (
    component_add,
    component_configure,
    component_publish,
    phase_create,
    process_create,
    process_set_visibility,
)
from parlons.core.tests.factories import MembershipFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def process(org):
    process = process_create(organisation=org, by=None, title="Budget participatif")
    return process_set_visibility(process=process, by=None, visibility="public")


def _component(process, permissions=None):
    component = component_add(process=process, by=None, module_key="pages", permissions=permissions)
    return component_publish(component=component, by=None)


def test_action_open_only_in_its_phases(process, citizen):
    proposing = phase_create(process=process, by=None, title="Propositions", is_current=True)
    voting = phase_create(process=process, by=None, title="Vote")
    component = _component(process, {"read": {"phases": [voting.pk], "level": 0}})
    decision = can_perform(citizen, component, "read")
    assert not decision
    assert "phase" in str(decision.reason)
    from parlons.core.services import phase_set_current

    phase_set_current(phase=voting, by=None)
    process.refresh_from_db()
    assert can_perform(citizen, component, "read")
    assert proposing.pk != voting.pk


def test_verification_level_is_required(process, org):
    component = _component(process, {"read": {"level": Level.CENSUS}})
    person = UserFactory()
    MembershipFactory(organisation=org, user=person)
    decision = can_perform(person, component, "read")
    assert not decision and decision.needed_level == Level.CENSUS
    Membership.objects.filter(user=person).update(census_verified_at=timezone.now())
    assert can_perform(person, component, "read")


def test_census_check_in_one_town_does_not_count_in_another(process, org, other_org):
    person = UserFactory()
    MembershipFactory(organisation=other_org, user=person, census_verified_at=timezone.now())
    component = _component(process, {"read": {"level": Level.CENSUS}})
    assert not can_perform(person, component, "read")


def test_anonymous_allowed_only_when_action_and_level_allow(process):
    from django.contrib.auth.models import AnonymousUser

    open_component = _component(process, {"read": {"level": 0}})
    assert can_perform(AnonymousUser(), open_component, "read")
    component_configure(component=open_component, by=None, permissions={"read": {"level": Level.EMAIL}})
    assert not can_perform(AnonymousUser(), open_component, "read")


def test_disabled_and_unknown_actions(process, citizen):
    component = _component(process, {"read": {"enabled": False}})
    assert not can_perform(citizen, component, "read")
    assert not can_perform(citizen, component, "teleport")


def test_pilot_process_visible_to_its_service_and_listed_people_only(org):
    service = ServiceFactory(organisation=org)
    agent = MembershipFactory(organisation=org, role=Role.AGENT, service=service).user
    other_agent = MembershipFactory(
        organisation=org, role=Role.AGENT, service=ServiceFactory(organisation=org)
    ).user
    listed = MembershipFactory(organisation=org).user
    citizen = MembershipFactory(organisation=org).user
    process = process_create(organisation=org, by=None, title="Pilote")
    process_set_visibility(
        process=process,
        by=None,
        visibility=Process.Visibility.PILOT,
        pilot_service_id=service.pk,
        pilot_user_emails=[listed.email],
    )
    assert can_view_process(agent, process)
    assert can_view_process(listed, process)
    assert not can_view_process(other_agent, process)
    assert not can_view_process(citizen, process)


def test_pilot_without_audience_is_refused(org):
    from parlons.common.errors import ValidationFailed

    process = process_create(organisation=org, by=None, title="Pilote vide")
    with pytest.raises(ValidationFailed):
        process_set_visibility(process=process, by=None, visibility=Process.Visibility.PILOT)
    process.refresh_from_db()
    assert process.visibility == Process.Visibility.DRAFT


def test_end_before_start_is_refused(org):
    from parlons.common.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as err:
        process_create(
            organisation=org,
            by=None,
            title="Dates",
            start_date=datetime.date(2027, 5, 1),
            end_date=datetime.date(2027, 4, 1),
        )
    assert err.value.field == "end_date"
    assert not Process.objects.filter(title="Dates").exists()


def test_only_admins_create_processes(org, citizen, agent, admin_user):
    from parlons.common.errors import PermissionDenied

    for person in (citizen, agent):
        with pytest.raises(PermissionDenied):
            process_create(organisation=org, by=person, title="Non")
    assert process_create(organisation=org, by=admin_user, title="Oui").pk


def test_invalid_component_settings_leave_nothing(process):
    from parlons.common.errors import ValidationFailed
    from parlons.core.models import Component

    with pytest.raises(ValidationFailed):
        component_add(process=process, by=None, module_key="nope")
    with pytest.raises(ValidationFailed):
        component_add(process=process, by=None, module_key="pages", permissions={"fly": {}})
    assert Component.objects.filter(process=process).count() == 0
