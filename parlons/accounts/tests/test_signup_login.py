"""Sign-up with a confirmed e-mail, log-in by password or by a one-time code, and their safeguards."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress

from parlons.accounts.models import Membership, Role, User
from parlons.accounts.tests.conftest import first_link, path_of
from parlons.accounts.verification import Level, level_for

PASSWORD = "un-mot-de-passe-bien-long-2025"

pytestmark = pytest.mark.django_db


def _sign_up(client, email):
    return client.post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}, follow=True
    )


def test_sign_up_sends_a_real_confirmation_email_and_confirming_raises_the_level(org, client_for, smtp_inbox):
    client = client_for()
    page = client.get("/accounts/signup/")
    assert page.status_code == 200
    assert 'autocomplete="email"' in page.content.decode()

    response = _sign_up(client, "Camille@Example.test")
    assert response.status_code == 200
    user = User.objects.get(email__iexact="camille@example.test")
    assert level_for(user, org) == Level.NONE
    assert Membership.objects.get(user=user, organisation=org).role == Role.CITIZEN

    body = smtp_inbox.last_body("camille@example.test")
    assert "Valmont" in body, "signed with the town's name"
    link = first_link(body, "/accounts/confirm-email/")
    assert link.startswith(f"http://{org.host}/"), "the link must point to the organisation's own site"

    confirm_page = client.get(path_of(link))
    assert confirm_page.status_code == 200
    confirmed = client.post(path_of(link), follow=True)
    assert confirmed.status_code == 200
    assert EmailAddress.objects.get(user=user).verified
    user.refresh_from_db()
    assert level_for(user, org) == Level.EMAIL
    # Confirming in the same browser signs the person in.
    assert client.get("/me/").status_code == 200


def test_signing_up_with_a_taken_email_shows_the_error_next_to_the_field(
    org, french_org, client_for, citizen
):
    response = client_for().post(
        "/accounts/signup/", {"email": citizen.email.upper(), "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert User.objects.filter(email__iexact=citizen.email).count() == 1
    # allauth's message, inside the e-mail field's own error list that the input points to.
    field_errors = re.search(r'<ul class="errorlist" id="id_email_error">(.*?)</ul>', html, re.S)
    # The town's language (French) by default.
    assert field_errors and "Un autre utilisateur utilise déjà cette adresse e-mail." in field_errors.group(1)
    assert re.search(
        r'<input[^>]*aria-describedby="[^"]*id_email_error[^"]*"[^>]*name="email"', html
    ) or re.search(r'<input[^>]*name="email"[^>]*aria-describedby="[^"]*id_email_error', html)
    assert 'class="error-summary"' in html and 'href="#id_email"' in html


def test_password_login_works_and_makes_the_person_a_member_of_another_town(
    org, other_org, client_for, citizen
):
    client = client_for(organisation=other_org)
    assert not Membership.objects.filter(user=citizen, organisation=other_org).exists()
    response = client.post("/accounts/login/", {"login": citizen.email, "password": "mot-de-passe-solide-42"})
    assert response.status_code == 302
    assert client.get("/me/").status_code == 200
    assert Membership.objects.get(user=citizen, organisation=other_org).role == Role.CITIZEN


def _request_code(client, email):
    response = client.post("/accounts/login/code/", {"email": email})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def _code_from(smtp_inbox, email):
    body = smtp_inbox.last_body(email)
    match = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4}|[A-Z0-9]{6,8})\s*$", body, re.M)
    assert match, f"no code in:\n{body}"
    return match.group(1)


def test_login_by_code_sent_by_email(org, client_for, citizen, smtp_inbox):
    client = client_for()
    _request_code(client, citizen.email)
    code = _code_from(smtp_inbox, citizen.email)
    response = client.post("/accounts/login/code/confirm/", {"code": code})
    assert response.status_code == 302
    assert client.get("/me/").status_code == 200


def test_wrong_code_is_refused_with_a_translated_message_and_three_failures_invalidate_it(
    org, french_org, client_for, citizen, smtp_inbox
):
    client = client_for()
    client.cookies["django_language"] = "en"
    _request_code(client, citizen.email)
    code = _code_from(smtp_inbox, citizen.email)
    wrong = "AAAA-AAAA" if code != "AAAA-AAAA" else "BBBB-BBBB"
    first = client.post("/accounts/login/code/confirm/", {"code": wrong})
    assert first.status_code == 200
    assert "Incorrect code." in first.content.decode()

    french = client_for()
    _request_code(french, citizen.email)
    french_code = _code_from(smtp_inbox, citizen.email)
    refused = french.post(
        "/accounts/login/code/confirm/", {"code": "ZZZZ-ZZZZ" if french_code != "ZZZZ-ZZZZ" else "YYYY-YYYY"}
    )
    assert "Code incorrect." in refused.content.decode(), "the message must be translated (French town)"

    client.post("/accounts/login/code/confirm/", {"code": wrong})
    client.post("/accounts/login/code/confirm/", {"code": wrong})
    # The right code no longer works after three failures: the person must ask for a new one.
    after = client.post("/accounts/login/code/confirm/", {"code": code}, follow=True)
    assert client.get("/me/").status_code == 302
    assert after.redirect_chain and after.redirect_chain[-1][0].startswith("/accounts/login/")


def test_repeated_failed_logins_are_rate_limited(org, client_for, citizen):
    client = client_for()
    client.cookies["django_language"] = "en"
    messages = []
    for _ in range(6):
        response = client.post("/accounts/login/", {"login": citizen.email, "password": "pas-le-bon-mot"})
        messages.append(response.content.decode())
    assert "Too many failed login attempts" in messages[-1]
    # Even the right password is refused while the limit holds.
    response = client.post("/accounts/login/", {"login": citizen.email, "password": "mot-de-passe-solide-42"})
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert client.get("/me/").status_code == 302
