"""Who gets in: the role matrix, anonymous visitors, and one town never reaching another's data."""

from __future__ import annotations

import pytest
from django.urls import reverse

from parlons.accounts.models import Membership, Role
from parlons.core.models import Component, Phase, Process
from parlons.core.tests.factories import (
    AreaFactory,
    ComponentFactory,
    MembershipFactory,
    PhaseFactory,
    ProcessFactory,
    ServiceFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

STAFF_PAGES = ["backoffice:home", "backoffice:processes"]
ADMIN_PAGES = [
    "backoffice:process_create",
    "backoffice:organisation",
    "backoffice:members",
    "backoffice:member_add",
    "backoffice:areas",
    "backoffice:area_create",
    "backoffice:topics",
    "backoffice:topic_create",
    "backoffice:services",
    "backoffice:service_create",
]


@pytest.mark.parametrize(
    ("who", "staff_status", "admin_status"),
    [("citizen", 403, 403), ("agent", 200, 403), ("moderator", 200, 403), ("admin_user", 200, 200)],
)
def test_role_matrix(request, client_for, who, staff_status, admin_status):
    client = client_for(request.getfixturevalue(who))
    for name in STAFF_PAGES:
        assert client.get(reverse(name)).status_code == staff_status, name
    for name in ADMIN_PAGES:
        assert client.get(reverse(name)).status_code == admin_status, name


def test_process_pages_per_role(client_for, org, agent, admin_user):
    process = ProcessFactory(organisation=org)
    phase = PhaseFactory(process=process)
    component = ComponentFactory(process=process)
    ids = {"process_id": process.pk}
    read_only = reverse("backoffice:process_detail", kwargs=ids)
    writes = [
        reverse("backoffice:process_edit", kwargs=ids),
        reverse("backoffice:process_visibility", kwargs=ids),
        reverse("backoffice:phase_create", kwargs=ids),
        reverse("backoffice:phase_edit", kwargs={**ids, "phase_id": phase.pk}),
        reverse("backoffice:component_edit", kwargs={**ids, "component_id": component.pk}),
        reverse("backoffice:component_create", kwargs=ids),
    ]
    agent_client, admin_client = client_for(agent), client_for(admin_user)
    page = agent_client.get(read_only)
    assert page.status_code == 200
    assert reverse("backoffice:process_edit", kwargs=ids) not in page.content.decode()
    for url in writes:
        assert agent_client.get(url).status_code == 403, url
        assert admin_client.get(url).status_code == 200, url
    # A write by an agent is refused before anything happens.
    response = agent_client.post(
        reverse("backoffice:component_publish", kwargs={**ids, "component_id": component.pk}),
        {"published": "0"},
    )
    assert response.status_code == 403
    component.refresh_from_db()
    assert component.is_published


def test_anonymous_is_sent_to_login(client_for):
    response = client_for().get(reverse("backoffice:home"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert "next=/backoffice/" in response["Location"]


def test_admin_of_another_organisation_is_refused(client_for, other_org, org):
    outsider = MembershipFactory(organisation=other_org, role=Role.ADMIN).user
    assert client_for(outsider).get(reverse("backoffice:home")).status_code == 403


def test_navigation_shows_admin_sections_to_admins_only(client_for, agent, admin_user):
    agent_page = client_for(agent).get(reverse("backoffice:home")).content.decode()
    admin_page = client_for(admin_user).get(reverse("backoffice:home")).content.decode()
    assert 'class="bo-nav"' in agent_page
    assert reverse("backoffice:members") not in agent_page
    assert reverse("backoffice:members") in admin_page
    assert reverse("backoffice:organisation") in admin_page


def test_ids_of_another_organisation_answer_404(client_for, org, other_org, admin_user):
    """An administrator of org A uses org B's ids in A's back office: 404 everywhere, nothing changes."""
    process = ProcessFactory(organisation=other_org, title="Secret", visibility=Process.Visibility.DRAFT)
    phase = PhaseFactory(process=process, title="Phase B")
    component = ComponentFactory(process=process, name="Component B")
    area = AreaFactory(organisation=other_org)
    topic = TopicFactory(organisation=other_org)
    service = ServiceFactory(organisation=other_org)
    member = MembershipFactory(organisation=other_org, role=Role.AGENT)
    client = client_for(admin_user)
    ids = {"process_id": process.pk}
    gets = [
        reverse("backoffice:process_detail", kwargs=ids),
        reverse("backoffice:process_edit", kwargs=ids),
        reverse("backoffice:process_visibility", kwargs=ids),
        reverse("backoffice:phase_create", kwargs=ids),
        reverse("backoffice:phase_edit", kwargs={**ids, "phase_id": phase.pk}),
        reverse("backoffice:phase_delete", kwargs={**ids, "phase_id": phase.pk}),
        reverse("backoffice:component_edit", kwargs={**ids, "component_id": component.pk}),
        reverse("backoffice:component_delete", kwargs={**ids, "component_id": component.pk}),
        reverse("backoffice:area_edit", kwargs={"pk": area.pk}),
        reverse("backoffice:topic_edit", kwargs={"pk": topic.pk}),
        reverse("backoffice:service_delete", kwargs={"pk": service.pk}),
        reverse("backoffice:member_edit", kwargs={"membership_id": member.pk}),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = [
        (reverse("backoffice:process_edit", kwargs=ids), {"title": "Hacked"}),
        (reverse("backoffice:process_visibility", kwargs=ids), {"visibility": "public"}),
        (reverse("backoffice:phase_move", kwargs={**ids, "phase_id": phase.pk}), {"direction": "up"}),
        (reverse("backoffice:phase_set_current", kwargs={**ids, "phase_id": phase.pk}), {}),
        (reverse("backoffice:phase_delete", kwargs={**ids, "phase_id": phase.pk}), {}),
        (
            reverse("backoffice:component_publish", kwargs={**ids, "component_id": component.pk}),
            {"published": "0"},
        ),
        (reverse("backoffice:component_delete", kwargs={**ids, "component_id": component.pk}), {}),
        (reverse("backoffice:component_create", kwargs=ids), {"module_key": "pages"}),
        (reverse("backoffice:area_delete", kwargs={"pk": area.pk}), {}),
        (reverse("backoffice:member_remove", kwargs={"membership_id": member.pk}), {}),
        (reverse("backoffice:member_edit", kwargs={"membership_id": member.pk}), {"role": "admin"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    process.refresh_from_db()
    assert (process.title, process.visibility) == ("Secret", Process.Visibility.DRAFT)
    assert Phase.objects.filter(pk=phase.pk, is_current=False).exists()
    assert Component.objects.filter(pk=component.pk, published_at__isnull=False).exists()
    assert Component.objects.filter(process=process).count() == 1
    assert Membership.objects.get(pk=member.pk).role == Role.AGENT
    area.refresh_from_db()


def test_ids_of_one_process_do_not_reach_another_process(client_for, org, admin_user):
    """Phase and component ids are looked up inside the process of the URL, not alone."""
    first, second = ProcessFactory(organisation=org), ProcessFactory(organisation=org)
    phase = PhaseFactory(process=second)
    component = ComponentFactory(process=second)
    client = client_for(admin_user)
    assert (
        client.get(
            reverse("backoffice:phase_edit", kwargs={"process_id": first.pk, "phase_id": phase.pk})
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse(
                "backoffice:component_edit", kwargs={"process_id": first.pk, "component_id": component.pk}
            )
        ).status_code
        == 404
    )
