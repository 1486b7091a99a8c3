"""allauth's pages wear the site's theme and are accessible: labels, linked errors, summary, autocomplete."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

ANONYMOUS_PAGES = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/login/code/",
    "/accounts/password/reset/",
]
SIGNED_IN_PAGES = [
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/3rdparty/",
    "/accounts/2fa/",
    "/accounts/reauthenticate/",
    "/me/",
    "/me/tokens/",
    "/me/delete/",
    "/me/verify/census/",
]


def _labelled(html: str) -> None:
    """Every visible input, select and textarea has a <label for=...> (or sits inside one)."""
    for match in re.finditer(r"<(input|select|textarea)\b[^>]*>", html):
        tag = match.group(0)
        if re.search(r'type="(hidden|submit|button)"', tag):
            continue
        field_id = re.search(r'id="([^"]+)"', tag)
        assert field_id, f"field without id: {tag}"
        if field_id.group(1) == "language-select":
            continue
        assert f'for="{field_id.group(1)}"' in html, f"no label for {tag}"


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_anonymous_account_pages_use_the_site_layout(org, french_org, client_for, path):
    response = client_for().get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="site-header"' in html and 'id="main"' in html, "extends base.html"
    assert "Valmont" in html
    assert '<html lang="fr">' in html
    _labelled(html)


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_account_pages_use_the_site_layout(org, client_for, citizen, path):
    response = client_for(citizen).get(path)
    assert response.status_code == 200, path
    html = response.content.decode()
    assert 'class="site-header"' in html
    _labelled(html)


def test_login_form_has_autocomplete_and_an_error_summary_linked_to_fields(org, client_for, citizen):
    client = client_for()
    html = client.get("/accounts/login/").content.decode()
    assert 'autocomplete="email"' in html and 'autocomplete="current-password"' in html
    response = client.post("/accounts/login/", {"login": citizen.email, "password": ""})
    html = response.content.decode()
    assert 'class="error-summary" role="alert"' in html
    assert 'href="#id_password"' in html
    password_input = re.search(r'<input[^>]*name="password"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in password_input
    assert "id_password_error" in password_input
    assert 'id="id_password_error"' in html


def test_wrong_password_error_is_in_the_summary_and_translated(org, french_org, client_for, citizen):
    response = client_for().post("/accounts/login/", {"login": citizen.email, "password": "pas-le-bon"})
    html = response.content.decode()
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert "L’adresse e-mail ou le mot de passe sont incorrects." in summary


def test_signup_page_asks_for_new_password_with_the_right_autocomplete(org, client_for):
    html = client_for().get("/accounts/signup/").content.decode()
    assert html.count('autocomplete="new-password"') == 2
    assert re.search(r'<label for="id_email">', html)
