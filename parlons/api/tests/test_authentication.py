import pytest
from django.test import Client
from django.utils import timezone

from parlons.accounts.models import ApiToken, Role
from parlons.core.models import Process
from parlons.core.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_token_authenticates_and_records_use(api, org, citizen, token_for):
    token = token_for(citizen, org)
    response = api(token=token).get("/me")
    assert response.status_code == 200
    assert response.json()["public_id"] == citizen.public_id
    assert ApiToken.objects.get(user=citizen).last_used_at is not None


def test_token_of_another_organisation_is_refused(api, org, other_org, token_for):
    user = MembershipFactory(organisation=other_org, role=Role.ADMIN).user
    MembershipFactory(organisation=org, user=user, role=Role.CITIZEN)
    token = token_for(user, other_org)
    assert api(organisation=other_org, token=token).get("/me").status_code == 200
    for path in ("/me", "/processes", "/organisation"):
        response = api(token=token).get(path)  # org A's host
        assert response.status_code == 401, path
        assert response.json()["code"] == "unauthenticated"
        assert "Bearer" in response["WWW-Authenticate"]


@pytest.mark.parametrize("token", ["nope", "", "   "])
def test_unknown_or_empty_token_is_refused(api, org, token):
    response = api().get("/processes", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_revoked_token_is_refused(api, org, citizen, token_for):
    token = token_for(citizen, org)
    ApiToken.objects.filter(user=citizen).update(revoked_at=timezone.now())
    assert api(token=token).get("/me").status_code == 401


def test_bad_token_wins_over_a_valid_session(api, org, citizen):
    response = api(citizen, token="wrong").get("/me")
    assert response.status_code == 401


def test_token_writes_need_no_csrf(api, org, admin_user, token_for):
    token = token_for(admin_user, org)
    client = Client(HTTP_HOST=org.host, enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/processes",
        data={"title": "Budget participatif"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.content


def test_session_writes_need_the_csrf_token(org, admin_user):
    client = Client(HTTP_HOST=org.host, enforce_csrf_checks=True)
    client.force_login(admin_user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post("/api/v1/processes", data={"title": "Sans jeton"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert not Process.objects.exists()

    client.get("/api/v1/docs")  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/processes",
        data={"title": "Avec jeton"},
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 201, response.content


def test_session_reads_need_no_csrf(org, citizen):
    client = Client(HTTP_HOST=org.host, enforce_csrf_checks=True)
    client.force_login(citizen, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/api/v1/me").status_code == 200


def test_anonymous_write_is_401_even_without_csrf(org):
    client = Client(HTTP_HOST=org.host, enforce_csrf_checks=True)
    response = client.post("/api/v1/processes", data={"title": "x"}, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
