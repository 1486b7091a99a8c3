import pytest
from django.contrib.gis.geos import Point

from parlons.core.models import Area
from parlons.core.tests.factories import AreaFactory, MembershipFactory, ServiceFactory, TopicFactory

pytestmark = pytest.mark.django_db


def test_organisation_of_the_host(api, org, other_org):
    org.centre = Point(2.35, 48.85, srid=4326)
    org.save()
    AreaFactory.create_batch(2, organisation=org)
    AreaFactory(organisation=other_org)
    body = api().get("/organisation").json()
    assert body["slug"] == "valmont"
    assert body["name"] == "Valmont"
    assert body["languages"] == ["fr", "en"]
    assert body["default_language"] == org.default_language
    assert body["primary_colour"].startswith("#")
    assert body["logo"] is None
    assert body["centre"] == {"lon": 2.35, "lat": 48.85}
    assert body["areas_count"] == 2
    assert api(organisation=other_org).get("/organisation").json()["slug"] == "autreville"


def test_areas_send_geometry_only_on_request(api, org, other_org):
    AreaFactory(organisation=org, slug="centre", name="Centre")
    AreaFactory(organisation=other_org, slug="ailleurs")
    body = api().get("/areas").json()
    assert [a["slug"] for a in body["items"]] == ["centre"]
    assert body["items"][0]["geometry"] is None
    with_geometry = api().get("/areas", {"geometry": "1"}).json()["items"][0]["geometry"]
    assert with_geometry["type"] == "MultiPolygon"
    assert with_geometry["coordinates"][0][0][0] == [2.0, 48.0]
    assert Area.objects.count() == 2


def test_topics_and_services_are_scoped_and_public_only(api, org, other_org):
    TopicFactory(organisation=org, slug="mobilite", name="Mobilité")
    TopicFactory(organisation=other_org, slug="secret")
    ServiceFactory(organisation=org, slug="voirie", name="Voirie", email="voirie@mairie.test")
    ServiceFactory(organisation=other_org, slug="autre")
    topics = api().get("/topics").json()
    assert [t["slug"] for t in topics["items"]] == ["mobilite"]
    services = api().get("/services").json()
    assert services["items"] == [{"slug": "voirie", "name": "Voirie"}]


def test_me_describes_the_caller_in_this_organisation(api, org, other_org):
    area = AreaFactory(organisation=org, slug="nord")
    topic = TopicFactory(organisation=org, slug="ecoles")
    membership = MembershipFactory(organisation=org, home_area=area)
    membership.interests.add(topic)
    user = membership.user
    body = api(user).get("/me").json()
    assert body == {
        "public_id": user.public_id,
        "email": user.email,
        "display_name": user.display_name,
        "language": user.language,
        "role": "citizen",
        "verification": {"level": 1, "label": "E-mail confirmed"},
        "home_area": "nord",
        "interests": ["ecoles"],
    }
    assert "id" not in body
    elsewhere = api(user, organisation=other_org).get("/me").json()
    assert elsewhere["role"] is None
    assert elsewhere["home_area"] is None
    assert elsewhere["interests"] == []


def test_me_needs_authentication(api, org):
    response = api().get("/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
