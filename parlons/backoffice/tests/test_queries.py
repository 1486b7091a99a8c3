"""The dashboard and the process list cost the same number of queries for 2 or 20 processes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parlons.core.tests.factories import (
    AreaFactory,
    ComponentFactory,
    MembershipFactory,
    PhaseFactory,
    ProcessFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

# Session, user, membership (cached per request), then the page's own reads.
MAX_QUERIES = 12


def _processes(org, count: int, *, with_components: bool) -> None:
    area, topic = AreaFactory(organisation=org), TopicFactory(organisation=org)
    for _ in range(count):
        process = ProcessFactory(organisation=org, area=area)
        process.topics.add(topic)
        PhaseFactory(process=process)
        PhaseFactory(process=process)
        if with_components:
            ComponentFactory(process=process)


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["backoffice:processes", "backoffice:home"])
def test_query_count_does_not_grow_with_processes(
    client_for, org, admin_user, name, django_assert_max_num_queries
):
    # Module stats are one call per component (the manifest contract), so the dashboard is measured
    # with processes alone; the process list also with a component in each process.
    with_components = name == "backoffice:processes"
    client = client_for(admin_user)
    url = reverse(name)
    _processes(org, 2, with_components=with_components)
    MembershipFactory(organisation=org)
    client.get(url)  # warm the host → organisation cache
    few = _count(client, url)
    _processes(org, 20, with_components=with_components)
    MembershipFactory(organisation=org)
    many = _count(client, url)
    assert few == many
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(url)


def test_dashboard_shows_counts_and_module_stats(client_for, org, admin_user, agent):
    process = ProcessFactory(organisation=org, title="Budget 2026")
    ComponentFactory(process=process, name="Le règlement")
    ProcessFactory(organisation=org, visibility="draft")
    page = client_for(agent).get(reverse("backoffice:home")).content.decode()
    assert "Budget 2026" in page
    assert "Le règlement" in page  # listed under its module, with the module's own stats
    assert "<dt>pages</dt><dd>0</dd>" in page
    assert "Information pages" in page


def test_member_list_query_count(client_for, org, admin_user, django_assert_max_num_queries):
    client = client_for(admin_user)
    url = reverse("backoffice:members")
    for _ in range(2):
        MembershipFactory(organisation=org)
    client.get(url)
    few = _count(client, url)
    for _ in range(30):
        MembershipFactory(organisation=org)
    assert _count(client, url) == few
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(url)
