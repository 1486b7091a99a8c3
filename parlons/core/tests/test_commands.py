"""``parlons organisation_create`` and the operators' Django admin."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from parlons.accounts.models import Membership, Role
from parlons.core.models import Organisation

pytestmark = pytest.mark.django_db


def _create(*args: str) -> str:
    out = io.StringIO()
    call_command("organisation_create", *args, stdout=out)
    return out.getvalue()


def test_creates_an_organisation_with_its_administrator():
    output = _create(
        "--slug",
        "valmont",
        "--name",
        "Valmont",
        "--host",
        "Participer.Valmont.fr",
        "--default",
        "--languages",
        "fr,en",
        "--admin-email",
        "maire@valmont.fr",
    )
    org = Organisation.objects.get(slug="valmont")
    assert org.name == "Valmont" and org.host == "participer.valmont.fr" and org.is_default
    assert org.languages == ["fr", "en"]
    assert Membership.objects.get(organisation=org, user__email="maire@valmont.fr").role == Role.ADMIN
    assert "valmont" in output


def test_default_moves_to_the_new_organisation():
    _create("--slug", "a", "--name", "A", "--default")
    _create("--slug", "b", "--name", "B", "--default")
    assert list(Organisation.objects.filter(is_default=True).values_list("slug", flat=True)) == ["b"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--slug", "valmont", "--name", "Autre"], "valmont"),  # slug taken
        (
            ["--slug", "autre", "--name", "Autre", "--host", "valmont.example.test"],
            "valmont.example.test",
        ),  # host taken
        (["--slug", "!!!", "--name", "Autre"], None),  # no letters or digits
        (["--slug", "autre", "--name", "Autre", "--languages", "fr,xx"], "xx"),
        (["--slug", "autre", "--name", "Autre", "--admin-email", "not-an-email"], None),
    ],
)
def test_errors_create_nothing(args, message):
    Organisation.objects.create(slug="valmont", name="Valmont", host="valmont.example.test")
    with pytest.raises(CommandError, match=message):
        _create(*args)
    assert Organisation.objects.count() == 1
    assert not Membership.objects.exists()


def test_command_line_exit_code_is_1_on_error(tmp_path):
    """What the console script does with an error: the message on stderr, exit status 1."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {**os.environ, "PARLONS_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "parlons.cli", "organisation_create", "--slug", "!!!", "--name", "X"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "CommandError" in result.stderr


def test_admin_creates_organisations_through_the_service():
    from django.test import Client

    from parlons.accounts.models import User

    operator = User.objects.create_superuser(email="op@example.test", password="x" * 12)
    client = Client()
    client.force_login(operator, backend="django.contrib.auth.backends.ModelBackend")
    Organisation.objects.create(slug="old", name="Old", is_default=True)
    response = client.post(
        "/admin/core/organisation/add/",
        {
            "name": "Nouvelle Ville",
            "slug": "nouvelle-ville",
            "host": "",
            "is_default": "on",
            "primary_colour": "#1d4e89",
            "accent_colour": "#b34700",
            "languages": '["fr"]',
            "default_language": "fr",
            "description": "Une ville.",
            "logo_alt": "",
            "contact_email": "",
            "population": "12000",
            "centre": "",
        },
    )
    errors = response.context["adminform"].form.errors if response.status_code == 200 else None
    assert response.status_code == 302, errors
    org = Organisation.objects.get(slug="nouvelle-ville")
    assert org.is_default and org.description == "Une ville." and org.population == 12000
    assert not Organisation.objects.get(slug="old").is_default


def test_admin_lists_load():
    from django.test import Client

    from parlons.accounts.models import User

    call_command("demo", verbosity=0)
    operator = User.objects.create_superuser(email="op@example.test", password="x" * 12)
    client = Client()
    client.force_login(operator, backend="django.contrib.auth.backends.ModelBackend")
    org = Organisation.objects.get()
    for url in (
        f"/admin/core/organisation/{org.pk}/change/",
        f"/admin/core/area/{org.areas.first().pk}/change/",
        f"/admin/core/process/{org.processes.first().pk}/change/",
        "/admin/core/organisation/",
        "/admin/core/area/",
        "/admin/core/process/",
        "/admin/core/component/",
        "/admin/accounts/user/",
        "/admin/accounts/membership/",
        "/admin/pages/page/",
        "/admin/accounts/user/add/",
    ):
        assert client.get(url).status_code == 200, url


def test_demo_is_refused_in_production(settings, db):
    from django.core.management import CommandError, call_command

    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("demo", verbosity=0)
    from parlons.core.models import Organisation

    assert not Organisation.objects.exists()
