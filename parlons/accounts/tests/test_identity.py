"""The person key of a FranceConnect-verified account, the same as an in-person desk computes for that person."""

from __future__ import annotations

from datetime import date

import pytest
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.signals import social_account_removed

from parlons.accounts import identity
from parlons.accounts.services import franceconnect_mark_verified, franceconnect_unlinked, user_delete
from parlons.accounts.verification import Level, level_for
from parlons.modules.budgets.services import in_person_key

CLAIMS = {"given_name": "Élodie Anne", "family_name": "Martin-Durand", "birthdate": "1970-03-02"}
ANNE = date(1970, 3, 2)


@pytest.mark.parametrize(
    "name",
    [
        "Élodie  Martin-Durand",
        "elodie martin durand",
        " ÉLODIE MARTIN - DURAND ",
        "Jeanne  Dupré-Martin",
        " Næs Øre",
    ],
)
def test_person_key_is_the_in_person_desk_key(name):
    key = identity.person_key(full_name=name, birth_date=date(1950, 3, 2))
    assert key == in_person_key(full_name=name, birth_date=date(1950, 3, 2))
    assert key.startswith("p") and len(key) == 41


def test_person_key_ignores_accents_case_hyphens_and_spaces_but_not_the_date():
    key = identity.person_key(full_name="Élodie  Martin-Durand", birth_date=ANNE)
    assert key == identity.person_key(full_name="elodie martin durand", birth_date=ANNE)
    assert key != identity.person_key(full_name="elodie martin durand", birth_date=date(1970, 3, 3))
    assert key != identity.person_key(full_name="elodie martin", birth_date=ANNE)


def test_person_key_did_not_change(settings):
    """Keys already issued at in-person desks stay valid: the normalisation and HMAC are unchanged."""
    import hashlib
    import hmac

    settings.SECRET_KEY = "a-fixed-secret-for-this-test"
    expected = hmac.new(b"a-fixed-secret-for-this-test", b"elodie martin durand|1970-03-02", hashlib.sha256)
    assert identity.person_key(full_name="Élodie Martin-Durand", birth_date=ANNE) == (
        "p" + expected.hexdigest()[:40]
    )


def test_full_name_from_claims_puts_every_given_name_before_the_family_name():
    assert identity.full_name_from_claims(CLAIMS) == "Élodie Anne Martin-Durand"
    assert identity.full_name_from_claims({"given_name": " Jean  Pierre ", "family_name": "Dupont"}) == (
        "Jean Pierre Dupont"
    )
    assert identity.full_name_from_claims({"given_name": "", "family_name": "Dupont"}) == "Dupont"
    assert identity.full_name_from_claims({"given_name": "Jean"}) == ""
    assert identity.full_name_from_claims({"given_name": "Jean", "family_name": None}) == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1970-03-02", ANNE),
        ("1970-00-00", None),
        ("1970-03-00", None),
        ("1970-00-12", None),
        ("1970", None),
        ("1970-02-30", None),
        ("19700302", None),
        ("", None),
        (None, None),
        (19700302, None),
    ],
)
def test_birth_date_from_claims_takes_only_full_valid_dates(value, expected):
    assert identity.birth_date_from_claims({"birthdate": value}) == expected
    assert identity.birth_date_from_claims({}) is None


def test_key_from_claims_needs_a_name_and_a_full_birth_date():
    assert identity.key_from_claims(CLAIMS) == in_person_key(
        full_name="Elodie Anne Martin Durand", birth_date=ANNE
    )
    assert identity.key_from_claims({**CLAIMS, "birthdate": "1970-00-00"}) == ""
    assert identity.key_from_claims({k: v for k, v in CLAIMS.items() if k != "birthdate"}) == ""
    assert identity.key_from_claims({k: v for k, v in CLAIMS.items() if k != "family_name"}) == ""
    assert identity.key_from_claims(None) == ""


def test_claims_from_what_allauth_stores():
    """allauth 65.11+ stores {"userinfo": ..., "id_token": ...}; older versions stored the claims flat."""
    nested = {
        "userinfo": {"sub": "s", **CLAIMS},
        "id_token": {"sub": "s", "nonce": "n", "birthdate": "1999-01-01"},
    }
    assert identity.claims_from_extra_data(nested)["birthdate"] == "1970-03-02", "userinfo wins"
    assert (
        identity.claims_from_extra_data({"id_token": {"sub": "s", **CLAIMS}})["family_name"]
        == "Martin-Durand"
    )
    assert identity.claims_from_extra_data({"sub": "s", **CLAIMS}) == {"sub": "s", **CLAIMS}
    assert identity.claims_from_extra_data(None) == {}


def test_without_birthdate_drops_it_everywhere_and_keeps_the_rest():
    nested = {"userinfo": {"sub": "s", **CLAIMS}, "id_token": {"sub": "s", "birthdate": "1970-03-02"}}
    stripped = identity.without_birthdate(nested)
    assert stripped == {
        "userinfo": {"sub": "s", "given_name": "Élodie Anne", "family_name": "Martin-Durand"},
        "id_token": {"sub": "s"},
    }
    assert nested["userinfo"]["birthdate"] == "1970-03-02", "the argument is not changed"
    assert identity.without_birthdate({"sub": "s", "birthdate": "1970-03-02"}) == {"sub": "s"}


@pytest.mark.django_db
def test_mark_verified_with_claims_stores_only_the_key(citizen):
    franceconnect_mark_verified(user=citizen, claims=CLAIMS)
    citizen.refresh_from_db()
    assert citizen.franceconnect_verified_at is not None
    assert citizen.identity_key == in_person_key(full_name="Élodie Anne Martin-Durand", birth_date=ANNE)
    assert identity.online_identity_key(citizen) == citizen.identity_key


@pytest.mark.django_db
@pytest.mark.parametrize("birthdate", [None, "1970-00-00", "1970"])
def test_mark_verified_without_a_full_birth_date_leaves_no_key(citizen, birthdate):
    claims = {k: v for k, v in CLAIMS.items() if k != "birthdate"}
    if birthdate:
        claims["birthdate"] = birthdate
    franceconnect_mark_verified(user=citizen, claims=claims)
    citizen.refresh_from_db()
    assert citizen.franceconnect_verified_at is not None
    assert citizen.identity_key == ""
    assert identity.online_identity_key(citizen) == ""


@pytest.mark.django_db
def test_mark_verified_replaces_the_key_with_the_latest_claims_and_keeps_it_without_claims(citizen):
    franceconnect_mark_verified(user=citizen, claims=CLAIMS)
    franceconnect_mark_verified(user=citizen)
    citizen.refresh_from_db()
    assert citizen.identity_key == identity.key_from_claims(CLAIMS)
    franceconnect_mark_verified(user=citizen, claims={**CLAIMS, "birthdate": "1970-00-00"})
    citizen.refresh_from_db()
    assert citizen.identity_key == ""


@pytest.mark.django_db
def test_online_identity_key_needs_the_franceconnect_verification(citizen):
    assert identity.online_identity_key(citizen) == ""
    citizen.identity_key = identity.key_from_claims(CLAIMS)
    assert identity.online_identity_key(citizen) == "", "a key without the verification is not used"


@pytest.mark.django_db
def test_removing_the_franceconnect_link_removes_the_verification_and_the_key(org, citizen):
    account = SocialAccount.objects.create(user=citizen, provider="franceconnect", uid="fc-1")
    franceconnect_mark_verified(user=citizen, claims=CLAIMS)
    # As allauth's connections page does: delete the link, then send the signal.
    account.delete()
    social_account_removed.send(sender=SocialAccount, request=None, socialaccount=account)
    citizen.refresh_from_db()
    assert citizen.identity_key == "" and citizen.franceconnect_verified_at is None
    assert level_for(citizen, org) != Level.FRANCECONNECT
    assert identity.online_identity_key(citizen) == ""


@pytest.mark.django_db
def test_removing_another_link_or_one_of_two_franceconnect_links_keeps_the_key(citizen):
    SocialAccount.objects.create(user=citizen, provider="franceconnect", uid="fc-1")
    other = SocialAccount.objects.create(user=citizen, provider="other", uid="x")
    franceconnect_mark_verified(user=citizen, claims=CLAIMS)
    other.delete()
    social_account_removed.send(sender=SocialAccount, request=None, socialaccount=other)
    franceconnect_unlinked(user=citizen)  # a FranceConnect link remains
    citizen.refresh_from_db()
    assert citizen.identity_key == identity.key_from_claims(CLAIMS)
    assert citizen.franceconnect_verified_at is not None


@pytest.mark.django_db
def test_account_deletion_clears_the_key(citizen):
    SocialAccount.objects.create(user=citizen, provider="franceconnect", uid="fc-1")
    franceconnect_mark_verified(user=citizen, claims=CLAIMS)
    user_delete(user=citizen)
    citizen.refresh_from_db()
    assert citizen.identity_key == "" and citizen.franceconnect_verified_at is None
    assert identity.online_identity_key(citizen) == ""
