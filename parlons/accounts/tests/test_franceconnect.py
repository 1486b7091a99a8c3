"""FranceConnect sign-in against a real OpenID Connect provider (oidc-provider-mock) on localhost.

The provider runs with ``require_nonce=True``: an authorisation request without a nonce fails there,
so a successful flow also proves that we send one.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount

from parlons.accounts.identity import online_identity_key, person_key
from parlons.accounts.models import Membership, User
from parlons.accounts.tests.conftest import path_of
from parlons.accounts.verification import Level, level_for
from parlons.modules.budgets.services import in_person_key

pytestmark = pytest.mark.django_db

SUB = "fc-3f1e9a7c"
EMAIL = "marianne.durand@example.test"


GIVEN_NAME = "Marianne Éloïse"
FAMILY_NAME = "Durand-Lefèvre"
BIRTHDATE = "1984-07-14"


def _provider(settings, monkeypatch, *, extra_scopes=()):
    """A running OIDC provider, configured as our "franceconnect" app with the production scopes (and more)."""
    import oidc_provider_mock

    # The mock serves plain HTTP on localhost; authlib refuses that unless told it is a test.
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    users = [
        oidc_provider_mock.User(
            sub=SUB,
            claims={
                "email": EMAIL,
                "email_verified": True,
                "given_name": GIVEN_NAME,
                "family_name": FAMILY_NAME,
                "birthdate": BIRTHDATE,
            },
        )
    ]
    production = settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]
    scope = ["openid", "given_name", "family_name", "birthdate", "email"]
    if production["APPS"]:
        assert production["APPS"][0]["settings"]["scope"] == scope, (
            "keep these tests on the production scopes"
        )
    with oidc_provider_mock.run_server_in_thread(require_nonce=True, user_claims=users) as server:
        url = f"http://localhost:{server.server_port}"
        providers = {key: dict(value) for key, value in settings.SOCIALACCOUNT_PROVIDERS.items()}
        providers["openid_connect"]["APPS"] = [
            {
                "provider_id": "franceconnect",
                "name": "FranceConnect",
                "client_id": "parlons-test",
                "secret": "secret-de-test",
                "settings": {"server_url": url, "scope": [*scope, *extra_scopes]},
            }
        ]
        settings.SOCIALACCOUNT_PROVIDERS = providers
        yield url


@pytest.fixture
def franceconnect(settings, monkeypatch):
    """A running OIDC provider, configured as our "franceconnect" app with the production scopes."""
    yield from _provider(settings, monkeypatch)


@pytest.fixture
def franceconnect_with_identity(settings, monkeypatch):
    """The same provider, also asked for the standard ``profile`` scope.

    FranceConnect grants given_name, family_name and birthdate through one scope each; oidc-provider-mock knows
    only the standard scopes and sends those claims for ``profile`` alone. Asking for it too makes the provider
    really send the identity claims, in the userinfo answer and the ID token, as FranceConnect does."""
    yield from _provider(settings, monkeypatch, extra_scopes=("profile",))


def _start(client, process="login"):
    """Our login page, then its POST, which redirects to the provider's authorisation page."""
    login_url = "/accounts/oidc/franceconnect/login/"
    if process != "login":
        login_url += f"?process={process}"
    assert client.get(login_url).status_code == 200
    response = client.post(login_url, {"process": process} if process != "login" else {})
    assert response.status_code == 302, response.content.decode()[:1000]
    authorize = response["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["nonce"][0], "the authorisation request must carry a nonce"
    assert "state" in query and query.get("code_challenge"), "state and PKCE are sent"
    return authorize


def _consent(authorize_url, sub=SUB):
    """Choose the person on the provider's page, as a browser would; returns our callback URL."""
    page = requests.get(authorize_url, timeout=10)
    assert page.status_code == 200 and "Authorize" in page.text
    answer = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:500]
    callback = answer.headers["Location"]
    assert "/accounts/oidc/franceconnect/login/callback/" in callback and "code=" in callback
    return callback


def test_franceconnect_sign_in_creates_a_verified_account(org, client_for, franceconnect):
    client = client_for()
    callback = _consent(_start(client))
    response = client.get(path_of(callback))
    assert response.status_code == 302, response.content.decode()[:2000]

    user = User.objects.get(email=EMAIL)
    assert user.franceconnect_verified_at is not None
    assert level_for(user, org) == Level.FRANCECONNECT
    assert SocialAccount.objects.get(user=user).uid == SUB
    assert Membership.objects.filter(user=user, organisation=org).exists()
    assert client.get("/me/").status_code == 200, "the person is signed in"


def test_returning_franceconnect_user_is_verified_again(org, client_for, franceconnect):
    first = client_for()
    first.get(path_of(_consent(_start(first))))
    user = User.objects.get(email=EMAIL)
    User.objects.filter(pk=user.pk).update(franceconnect_verified_at=None)

    second = client_for()
    assert second.get(path_of(_consent(_start(second)))).status_code == 302
    user.refresh_from_db()
    assert user.franceconnect_verified_at is not None
    assert User.objects.filter(email=EMAIL).count() == 1


def test_connecting_franceconnect_from_the_profile_raises_the_level(org, client_for, citizen, franceconnect):
    client = client_for(citizen)
    assert level_for(citizen, org) == Level.EMAIL
    profile = client.get("/me/").content.decode()
    assert "/accounts/oidc/franceconnect/login/?process=connect" in profile
    callback = _consent(_start(client, process="connect"), sub="fc-citizen")
    client.get(path_of(callback))
    citizen.refresh_from_db()
    assert SocialAccount.objects.filter(user=citizen, provider="franceconnect", uid="fc-citizen").exists()
    assert level_for(citizen, org) == Level.FRANCECONNECT


def test_same_email_as_an_existing_account_is_not_silently_merged(org, client_for, franceconnect):
    from parlons.core.tests.factories import UserFactory

    existing = UserFactory(email=EMAIL)
    client = client_for()
    response = client.get(path_of(_consent(_start(client))), follow=True)
    existing.refresh_from_db()
    assert existing.franceconnect_verified_at is None
    assert not SocialAccount.objects.filter(user=existing).exists()
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


def test_tampered_state_is_refused_and_logged(org, client_for, franceconnect, caplog):
    client = client_for()
    client.cookies["django_language"] = "en"
    callback = urlsplit(_consent(_start(client)))
    query = parse_qs(callback.query)
    query["state"] = ["forged-" + query["state"][0][:8]]
    forged = urlunsplit(callback._replace(query=urlencode(query, doseq=True)))
    with caplog.at_level(logging.WARNING, logger="parlons.accounts"):
        response = client.get(path_of(forged))
    assert response.status_code == 401
    assert "Sign-in refused" in response.content.decode()
    assert not User.objects.filter(email=EMAIL).exists()
    assert any(r.name == "parlons.accounts" and "state" in r.getMessage() for r in caplog.records)


def test_id_token_with_another_nonce_is_refused_and_logged(org, client_for, franceconnect, caplog):
    client = client_for()
    client.cookies["django_language"] = "en"
    callback = _consent(_start(client))
    # Another login's nonce in our stashed state: the ID token no longer belongs to this login.
    session = client.session
    states = session["socialaccount_states"]
    for state_id, (state, ts, provider_id) in list(states.items()):
        states[state_id] = ({**state, "oidc_nonce": "nonce-of-another-login"}, ts, provider_id)
    session["socialaccount_states"] = states
    session.save()
    with caplog.at_level(logging.WARNING, logger="parlons.accounts"):
        response = client.get(path_of(callback))
    assert response.status_code == 401
    assert "Sign-in refused" in response.content.decode()
    assert not User.objects.filter(email=EMAIL).exists()
    assert any("nonce" in r.getMessage() for r in caplog.records if r.name == "parlons.accounts")


def _stored_claims(user):
    return SocialAccount.objects.get(user=user, provider="franceconnect").extra_data


def test_franceconnect_sign_in_stores_the_person_key_of_the_verified_identity(
    org, client_for, franceconnect_with_identity
):
    client = client_for()
    response = client.get(path_of(_consent(_start(client))))
    assert response.status_code == 302, response.content.decode()[:2000]

    user = User.objects.get(email=EMAIL)
    expected = in_person_key(
        full_name=f"{GIVEN_NAME} {FAMILY_NAME}", birth_date=date.fromisoformat(BIRTHDATE)
    )
    assert user.identity_key == expected
    assert user.identity_key == in_person_key(
        full_name="marianne eloise durand lefevre", birth_date=date(1984, 7, 14)
    )
    assert online_identity_key(user) == expected
    stored = _stored_claims(user)
    assert stored["userinfo"]["family_name"] == FAMILY_NAME, "allauth keeps the userinfo claims"
    assert BIRTHDATE not in json.dumps(stored), "the birth date is not kept once the key is computed"


def test_returning_franceconnect_user_gets_the_key_again(org, client_for, franceconnect_with_identity):
    first = client_for()
    first.get(path_of(_consent(_start(first))))
    user = User.objects.get(email=EMAIL)
    User.objects.filter(pk=user.pk).update(franceconnect_verified_at=None, identity_key="")

    second = client_for()
    assert second.get(path_of(_consent(_start(second)))).status_code == 302
    user.refresh_from_db()
    assert user.identity_key == person_key(
        full_name=f"{GIVEN_NAME} {FAMILY_NAME}", birth_date=date(1984, 7, 14)
    )
    assert BIRTHDATE not in json.dumps(_stored_claims(user))


def test_connecting_franceconnect_from_the_profile_stores_the_key(
    org, client_for, citizen, franceconnect_with_identity
):
    client = client_for(citizen)
    client.get(path_of(_consent(_start(client, process="connect"))))
    citizen.refresh_from_db()
    assert level_for(citizen, org) == Level.FRANCECONNECT
    assert citizen.identity_key == person_key(
        full_name=f"{GIVEN_NAME} {FAMILY_NAME}", birth_date=date(1984, 7, 14)
    )
    assert BIRTHDATE not in json.dumps(_stored_claims(citizen))
