"""The profile page (/me/) and personal API tokens (/me/tokens/)."""

from __future__ import annotations

import pytest

from parlons.accounts.models import ApiToken, Membership
from parlons.accounts.selectors import api_token_authenticate
from parlons.accounts.services import api_token_create, api_token_revoke, notification_preferences
from parlons.common.errors import NotFound, PermissionDenied
from parlons.core.tests.factories import AreaFactory, TopicFactory

pytestmark = pytest.mark.django_db


def _profile_data(**overrides):
    data = {
        "display_name": "Camille R.",
        "language": "en",
        "home_address": "12 rue des Lilas",
        "home_area": "",
        "email_notifications": "on",
        "digest": "weekly",
    }
    data.update(overrides)
    return data


def test_anonymous_visitors_are_sent_to_sign_in(org, client_for):
    response = client_for().get("/me/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_profile_saves_name_language_topics_address_district_and_notifications(org, client_for, citizen):
    topic, other_topic = TopicFactory(organisation=org, name="Mobilités"), TopicFactory(organisation=org)
    area = AreaFactory(organisation=org, name="Centre-ville")
    client = client_for(citizen)
    page = client.get("/me/").content.decode()
    assert "Mobilités" in page and "Centre-ville" in page
    assert 'autocomplete="street-address"' in page

    response = client.post("/me/", _profile_data(interests=[topic.pk], home_area=area.pk))
    assert response.status_code == 302
    # The language also goes into the cookie, so it stays after signing out.
    assert response.cookies["django_language"].value == "en"

    citizen.refresh_from_db()
    membership = Membership.objects.get(user=citizen, organisation=org)
    assert citizen.display_name == "Camille R." and citizen.language == "en"
    assert list(membership.interests.all()) == [topic]
    assert other_topic not in membership.interests.all()
    assert membership.home_address == "12 rue des Lilas" and membership.home_area == area
    assert notification_preferences(membership) == {
        "channels": {"email": True, "in_app": False},
        "digest": "weekly",
    }
    # The next page is in English.
    assert "My account" in client.get("/me/").content.decode()


def test_address_without_district_is_stored_as_written_without_geocoding(
    org, client_for, citizen, monkeypatch
):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("no external call may be made for an address")

    monkeypatch.setattr(socket, "create_connection", no_network)
    response = client_for(citizen).post("/me/", _profile_data(home_address="3 place de la Mairie"))
    assert response.status_code == 302
    membership = Membership.objects.get(user=citizen, organisation=org)
    assert membership.home_address == "3 place de la Mairie"
    assert membership.home_area is None and membership.home_point is None


def test_topics_and_districts_of_another_organisation_are_refused(org, other_org, client_for, citizen):
    foreign_topic = TopicFactory(organisation=other_org)
    foreign_area = AreaFactory(organisation=other_org)
    client = client_for(citizen)
    client.cookies["django_language"] = "en"
    response = client.post("/me/", _profile_data(interests=[foreign_topic.pk], home_area=foreign_area.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_interests_error"' in html and 'id="id_home_area_error"' in html
    assert 'class="error-summary"' in html
    assert not Membership.objects.get(user=citizen, organisation=org).interests.exists()


def test_profile_shows_the_level_and_how_to_raise_it(org, client_for, citizen):
    from parlons.accounts.services import census_import

    client = client_for(citizen)
    client.cookies["django_language"] = "en"
    html = client.get("/me/").content.decode()
    assert 'data-level="1"' in html and "E-mail confirmed" in html
    assert "/me/verify/census/" not in html, "no census yet, so no census link"
    census_import(
        organisation=org,
        by=None,
        file=b"identifier,birth_date,postal_code\nA1,1980-01-01,38000\n",
        filename="census.csv",
    )
    html = client.get("/me/").content.decode()
    assert "/me/verify/census/" in html
    assert "/me/tokens/" in html and "/me/export/" in html and "/me/delete/" in html


def test_token_is_shown_once_stored_hashed_and_authenticates_only_in_its_organisation(
    org, other_org, client_for, citizen
):
    client = client_for(citizen)
    response = client.post("/me/tokens/", {"name": "Mon script"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    plaintext = response.context["new_plaintext"]
    assert plaintext and plaintext in response.content.decode()

    token = ApiToken.objects.get(user=citizen)
    assert token.prefix == plaintext[:8] and len(token.prefix) == 8
    assert plaintext not in (token.digest, token.name) and len(token.digest) == 64
    # Shown once: the list afterwards only has the prefix.
    again = client.get("/me/tokens/").content.decode()
    assert plaintext not in again and token.prefix in again

    assert api_token_authenticate(organisation=org, plaintext=plaintext) == citizen
    assert api_token_authenticate(organisation=other_org, plaintext=plaintext) is None
    assert api_token_authenticate(organisation=org, plaintext=plaintext + "x") is None
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_revoked_token_no_longer_authenticates(org, client_for, citizen):
    token, plaintext = api_token_create(user=citizen, organisation=org, name="CI")
    response = client_for(citizen).post(f"/me/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api_token_authenticate(organisation=org, plaintext=plaintext) is None


def test_nobody_can_revoke_someone_elses_token(org, client_for, citizen, admin_user):
    token, plaintext = api_token_create(user=citizen, organisation=org, name="CI")
    client_for(admin_user).post(f"/me/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is None
    with pytest.raises(NotFound):
        api_token_revoke(user=admin_user, organisation=org, token_id=token.pk)
    assert api_token_authenticate(organisation=org, plaintext=plaintext) == citizen


def test_token_needs_a_name_and_a_membership(org, other_org, client_for, citizen):
    response = client_for(citizen).post("/me/tokens/", {"name": "  "})
    assert response.status_code == 200 and not ApiToken.objects.exists()
    assert 'id="id_name_error"' in response.content.decode()
    with pytest.raises(PermissionDenied):
        api_token_create(user=citizen, organisation=other_org, name="ailleurs")


def test_token_list_query_count_does_not_grow_with_tokens(
    org, client_for, citizen, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(citizen)
    api_token_create(user=citizen, organisation=org, name="un")
    client.get("/me/tokens/")  # warms the host-to-organisation cache
    with CaptureQueriesContext(connection) as one:
        client.get("/me/tokens/")
    for i in range(10):
        api_token_create(user=citizen, organisation=org, name=f"t{i}")
    with CaptureQueriesContext(connection) as eleven:
        assert client.get("/me/tokens/").content.decode().count("<tr>") == 12
    assert len(eleven.captured_queries) == len(one.captured_queries)
