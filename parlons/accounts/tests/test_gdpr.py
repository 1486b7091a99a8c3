"""GDPR rights: download of one's personal data, and account deletion with pseudonymised contributions."""

from __future__ import annotations

import json

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.utils import translation

from parlons.accounts.models import ApiToken, CensusEntry, Membership, User
from parlons.accounts.selectors import api_token_authenticate
from parlons.accounts.services import api_token_create, census_claim, census_import, profile_update
from parlons.accounts.verification import Level, level_for
from parlons.core.tests.factories import AreaFactory, TopicFactory

pytestmark = pytest.mark.django_db

CENSUS = b"identifier,birth_date,postal_code\nA1,1980-01-01,38000\n"


@pytest.fixture
def rich_citizen(org, citizen):
    """A citizen with everything the platform can know about a person."""
    from datetime import date

    membership = Membership.objects.get(user=citizen, organisation=org)
    topic = TopicFactory(organisation=org, name="Propreté")
    profile_update(
        membership=membership,
        display_name="Jeanne Martin",
        language="fr",
        interest_ids=[topic.pk],
        home_address="5 allée des Tilleuls",
        home_area_id=AreaFactory(organisation=org, name="Nord").pk,
        digest="weekly",
    )
    census_import(organisation=org, by=None, file=CENSUS, filename="census.csv")
    census_claim(membership=membership, identifier="a1", birth_date=date(1980, 1, 1), postal_code="38000")
    api_token_create(user=citizen, organisation=org, name="Mon tableur")
    SocialAccount.objects.create(user=citizen, provider="franceconnect", uid="fc-sub-42", extra_data={"x": 1})
    return citizen


def test_export_contains_all_personal_data_and_no_secret(org, client_for, rich_citizen):
    response = client_for(rich_citizen).get("/me/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == rich_citizen.email
    assert data["account"]["display_name"] == "Jeanne Martin"
    [membership] = data["memberships"]
    assert membership["organisation"]["slug"] == org.slug
    assert membership["home_address"] == "5 allée des Tilleuls" and membership["district"] == "Nord"
    assert membership["topics_of_interest"] == ["Propreté"]
    assert membership["notification_preferences"]["digest"] == "weekly"
    assert membership["census_verified_at"]
    assert data["email_addresses"] == [{"email": rich_citizen.email, "verified": True, "primary": True}]
    assert [t["name"] for t in data["api_tokens"]] == ["Mon tableur"]
    assert data["social_accounts"] == [{"provider": "franceconnect", "uid": "fc-sub-42"}]
    text = response.content.decode()
    token = ApiToken.objects.get(user=rich_citizen)
    assert token.digest not in text and token.prefix not in text


def test_export_includes_what_modules_declare(org, client_for, citizen, monkeypatch):
    from parlons.core import registry

    class WithPersonalData:
        key = "pages"

        @staticmethod
        def personal_data(user):
            return {"pages_written": 3, "user": user.public_id}

    monkeypatch.setitem(registry._registry, "pages", WithPersonalData())
    data = json.loads(client_for(citizen).get("/me/export/").content)
    assert data["modules"] == {"pages": {"pages_written": 3, "user": citizen.public_id}}


def test_deleting_the_account_needs_the_email_or_password(org, client_for, citizen):
    client = client_for(citizen)
    response = client.post("/me/delete/", {"confirmation": "pas moi"})
    assert response.status_code == 200
    assert 'id="id_confirmation_error"' in response.content.decode()
    citizen.refresh_from_db()
    assert citizen.deleted_at is None and citizen.is_active


@pytest.mark.parametrize("confirmation", ["email", "password"])
def test_deleting_the_account_pseudonymises_it(org, client_for, rich_citizen, confirmation):
    public_id = rich_citizen.public_id
    old_email = rich_citizen.email
    plaintext_token = None
    _token, plaintext_token = api_token_create(user=rich_citizen, organisation=org, name="autre")
    client = client_for(rich_citizen)
    value = old_email.upper() if confirmation == "email" else "mot-de-passe-solide-42"
    response = client.post("/me/delete/", {"confirmation": value})
    assert response.status_code == 302
    assert client.get("/me/").status_code == 302, "signed out"

    user = User.objects.get(pk=rich_citizen.pk)
    assert user.email == f"deleted-{public_id}@invalid"
    with translation.override("en"):
        assert user.public_name == "Deleted participant"
    assert str(user) == user.public_name and rich_citizen.display_name not in str(user)
    assert user.display_name == "" and user.deleted_at is not None and not user.is_active
    assert not user.has_usable_password()
    membership = Membership.objects.get(user=user, organisation=org)
    assert membership.home_address == "" and membership.home_area is None and membership.home_point is None
    assert not membership.interests.exists() and membership.notification_preferences == {}
    assert membership.census_verified_at is None
    assert not CensusEntry.objects.filter(claimed_by=membership).exists()
    assert not ApiToken.objects.filter(user=user).exists()
    assert api_token_authenticate(organisation=org, plaintext=plaintext_token) is None
    assert not SocialAccount.objects.filter(user=user).exists()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert level_for(user, org) == Level.NONE
    # The old e-mail can no longer sign in, and is free for a new account.
    login = client_for().post("/accounts/login/", {"login": old_email, "password": "mot-de-passe-solide-42"})
    assert login.status_code == 200
    assert not User.objects.filter(email__iexact=old_email).exists()
