"""The number of queries of each list does not grow with the number of items."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parlons.core.models import Process
from parlons.core.tests.factories import (
    AreaFactory,
    ComponentFactory,
    PhaseFactory,
    ProcessFactory,
    ServiceFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

# Upper bounds, so that a regression shows even when it does not depend on the number of items.
# Signed in by session: session, user, membership; anonymous callers need fewer.
MAX_QUERIES = {"/processes": 10, "/areas": 6, "/topics": 6, "/services": 6, "/processes/p0/components": 11}


def _make_processes(org, start, count, pilot_user=None):
    area = AreaFactory(organisation=org)
    topic = TopicFactory(organisation=org)
    for i in range(start, start + count):
        visibility = Process.Visibility.PILOT if i % 3 == 2 else Process.Visibility.PUBLIC
        process = ProcessFactory(organisation=org, slug=f"p{i}", area=area, visibility=visibility)
        process.topics.add(topic)
        if pilot_user is not None:
            process.pilot_users.add(pilot_user)
        PhaseFactory(process=process, is_current=True)
        PhaseFactory(process=process)
        ComponentFactory(process=ProcessFactory(organisation=org, slug=f"p0-x{i}"))
        ComponentFactory(process=Process.objects.get(organisation=org, slug="p0") if i else process)
        AreaFactory(organisation=org)
        TopicFactory(organisation=org)
        ServiceFactory(organisation=org)


def _count(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, {"page_size": 100})
    assert response.status_code == 200, response.content
    return len(queries), response.json()["count"]


@pytest.mark.parametrize("who", ["anonymous", "citizen", "admin_user", "agent"])
@pytest.mark.parametrize("path", list(MAX_QUERIES))
def test_list_queries_do_not_grow(api, org, request, who, path, django_assert_max_num_queries):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    client = api(user)
    _make_processes(org, 0, 3, pilot_user=user)
    small, small_count = _count(client, path)
    assert small <= MAX_QUERIES[path], (path, small)
    _make_processes(org, 3, 12, pilot_user=user)
    with django_assert_max_num_queries(small):
        response = client.get(path, {"page_size": 100})
    assert response.status_code == 200
    assert response.json()["count"] > small_count
