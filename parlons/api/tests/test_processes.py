import datetime

import pytest
from django.utils import timezone

from parlons.accounts.models import Role
from parlons.core.models import Process
from parlons.core.tests.factories import (
    AreaFactory,
    ComponentFactory,
    MembershipFactory,
    PhaseFactory,
    ProcessFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def _slugs(response):
    assert response.status_code == 200, response.content
    return sorted(p["slug"] for p in response.json()["items"])


@pytest.fixture
def spaces(org):
    public = ProcessFactory(organisation=org, slug="public")
    draft = ProcessFactory(organisation=org, slug="brouillon", visibility=Process.Visibility.DRAFT)
    pilot = ProcessFactory(organisation=org, slug="pilote", visibility=Process.Visibility.PILOT)
    return public, draft, pilot


def test_tenant_isolation(api, org, other_org, admin_user):
    ProcessFactory(organisation=org, slug="chez-nous")
    ProcessFactory(organisation=other_org, slug="chez-eux")
    ProcessFactory(organisation=other_org, slug="meme-nom")
    ProcessFactory(organisation=org, slug="meme-nom", title="Le nôtre")
    for client in (api(), api(admin_user)):
        assert _slugs(client.get("/processes")) == ["chez-nous", "meme-nom"]
        assert client.get("/processes/chez-eux").status_code == 404
        assert client.get("/processes/chez-eux/phases").status_code == 404
        assert client.get("/processes/chez-eux/components").status_code == 404
        assert client.get("/processes/meme-nom").json()["title"] == "Le nôtre"
    # an administrator of A is nobody on B's host
    assert api(admin_user).patch("/processes/chez-nous", {"title": "x"}).status_code == 200
    assert (
        api(admin_user, organisation=other_org).patch("/processes/chez-eux", {"title": "x"}).status_code
        == 403
    )
    assert Process.objects.get(slug="chez-eux").title != "x"


def test_drafts_and_pilots_hidden_from_anonymous_and_citizens(api, spaces, citizen):
    for client in (api(), api(citizen)):
        assert _slugs(client.get("/processes")) == ["public"]
        assert client.get("/processes/brouillon").status_code == 404
        assert client.get("/processes/pilote").status_code == 404
        assert client.get("/processes/pilote/components").status_code == 404


def test_admins_see_drafts_and_pilots(api, spaces, admin_user):
    assert _slugs(api(admin_user).get("/processes")) == ["brouillon", "pilote", "public"]
    assert api(admin_user).get("/processes/brouillon").json()["visibility"] == "draft"


def test_pilot_participants_see_their_pilot(api, org, spaces, citizen):
    _public, _draft, pilot = spaces
    pilot.pilot_users.add(citizen)
    assert _slugs(api(citizen).get("/processes")) == ["pilote", "public"]
    assert api(citizen).get("/processes/pilote").status_code == 200
    service_member = MembershipFactory(organisation=org, role=Role.CITIZEN).user
    assert _slugs(api(service_member).get("/processes")) == ["public"]


def test_filters(api, org):
    north = AreaFactory(organisation=org, slug="nord")
    mobility = TopicFactory(organisation=org, slug="mobilite")
    today = timezone.localdate()
    a = ProcessFactory(organisation=org, slug="a", area=north)
    a.topics.add(mobility)
    b = ProcessFactory(organisation=org, slug="b")
    PhaseFactory(process=b, is_current=True)
    PhaseFactory(process=b)
    c = ProcessFactory(organisation=org, slug="c")
    PhaseFactory(
        process=c, start_date=today - datetime.timedelta(days=1), end_date=today + datetime.timedelta(days=1)
    )
    d = ProcessFactory(organisation=org, slug="d")
    PhaseFactory(
        process=d, start_date=today - datetime.timedelta(days=9), end_date=today - datetime.timedelta(days=2)
    )
    client = api()
    assert _slugs(client.get("/processes", {"area": "nord"})) == ["a"]
    assert _slugs(client.get("/processes", {"topic": "mobilite"})) == ["a"]
    assert _slugs(client.get("/processes", {"phase": "current"})) == ["b", "c"]
    assert _slugs(client.get("/processes", {"phase": "all"})) == ["a", "b", "c", "d"]
    assert _slugs(client.get("/processes", {"area": "inconnue"})) == []
    assert client.get("/processes", {"phase": "soon"}).status_code == 422


def test_process_representation(api, org):
    area = AreaFactory(organisation=org, slug="sud")
    topic = TopicFactory(organisation=org, slug="ecoles")
    process = ProcessFactory(organisation=org, slug="ecoles-du-sud", area=area, title="Écoles du sud")
    process.topics.add(topic)
    first = PhaseFactory(process=process, title="Idées", position=1)
    current = PhaseFactory(process=process, title="Vote", position=2, is_current=True)
    listed = api().get("/processes").json()["items"][0]
    assert listed["slug"] == "ecoles-du-sud"
    assert listed["area"] == "sud"
    assert listed["topics"] == ["ecoles"]
    assert listed["current_phase"] == {"id": current.pk, "title": "Vote"}
    assert listed["url"] == "http://valmont.example.test/processes/ecoles-du-sud/"
    assert "id" not in listed and "organisation" not in listed
    detail = api().get("/processes/ecoles-du-sud").json()
    assert [p["id"] for p in detail["phases"]] == [first.pk, current.pk]
    phases = api().get("/processes/ecoles-du-sud/phases").json()
    assert phases["count"] == 2
    assert phases["items"][1] == {
        "id": current.pk,
        "position": 2,
        "title": "Vote",
        "description": "",
        "start_date": None,
        "end_date": None,
        "is_current": True,
    }


def test_components_published_only_unless_staff(api, org, citizen, agent, admin_user):
    process = ProcessFactory(organisation=org, slug="p")
    published = ComponentFactory(process=process, name="Infos")
    ComponentFactory(process=process, name="En préparation", published_at=None)
    for client in (api(), api(citizen)):
        items = client.get("/processes/p/components").json()["items"]
        assert [c["id"] for c in items] == [published.pk]
    for user in (agent, admin_user):
        assert api(user).get("/processes/p/components").json()["count"] == 2


def test_components_tell_whether_the_caller_may_act(api, org, citizen):
    process = ProcessFactory(organisation=org, slug="p")
    component = ComponentFactory(process=process, name="Infos", settings={"show_table_of_contents": True})
    item = api().get("/processes/p/components").json()["items"][0]
    assert item["id"] == component.pk
    assert item["process"] == "p"
    assert item["module_key"] == "pages"
    assert item["module_name"]
    assert item["settings"] == {"show_table_of_contents": True}
    assert item["published"] is True
    assert item["url"].endswith(f"/processes/p/components/{component.pk}/")
    assert item["actions"] == [
        {
            "key": "read",
            "label": item["actions"][0]["label"],
            "allowed": True,
            "reason": "",
            "needed_level": None,
        }
    ]
    component.permissions = {"read": {"enabled": True, "phases": [], "level": 2}}
    component.save()
    action = api(citizen).get("/processes/p/components").json()["items"][0]["actions"][0]
    assert action["allowed"] is False
    assert action["needed_level"] == 2
    assert action["reason"]
