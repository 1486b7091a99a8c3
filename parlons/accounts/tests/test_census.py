"""Census import by administrators, and residents checking themselves against it."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from parlons.accounts import census
from parlons.accounts.models import CensusEntry, CensusImport, Membership
from parlons.accounts.services import census_claim, census_import
from parlons.accounts.verification import Level, level_for
from parlons.common.errors import Conflict, PermissionDenied, ValidationFailed
from parlons.core.tests.factories import AreaFactory, MembershipFactory

pytestmark = pytest.mark.django_db

GOOD = (
    b"identifier,birth_date,postal_code,district\n"
    b"A 123 456,1980-05-14,38000,centre\n"
    b"b654321,02/11/1975,38 100,\n"
)


def _upload(client, content, name="recensement.csv"):
    client.cookies["django_language"] = "en"
    return client.post("/backoffice/census/", {"file": SimpleUploadedFile(name, content, "text/csv")})


def _claim(client, identifier="a123456", birth_date="14/05/1980", postal_code="38000"):
    return client.post(
        "/me/verify/census/", {"identifier": identifier, "birth_date": birth_date, "postal_code": postal_code}
    )


@pytest.fixture(autouse=True)
def centre(org):
    """The district named in GOOD; every test's organisation has it."""
    return AreaFactory(organisation=org, slug="centre", name="Centre")


def test_normalisation_and_dates():
    assert census.normalise("  ab 12\t3 ") == "AB123"
    assert census.parse_birth_date("1980-05-14") == date(1980, 5, 14)
    assert census.parse_birth_date("14/05/1980") == date(1980, 5, 14)
    assert census.parse_birth_date("14-05-1980") is None
    assert census.parse_birth_date("31/02/1980") is None


def test_only_administrators_see_the_upload_page(org, client_for, citizen, agent, admin_user):
    assert client_for().get("/backoffice/census/").status_code == 302
    assert client_for(citizen).get("/backoffice/census/").status_code == 403
    assert client_for(agent).get("/backoffice/census/").status_code == 403
    assert _upload(client_for(citizen), GOOD).status_code == 403
    assert not CensusEntry.objects.exists()
    page = client_for(admin_user).get("/backoffice/census/")
    assert page.status_code == 200
    assert "identifier,birth_date,postal_code" in page.content.decode()
    with pytest.raises(PermissionDenied):
        census_import(organisation=org, by=citizen, file=GOOD, filename="x.csv")


def test_admin_of_another_organisation_cannot_upload_here(org, other_org, client_for):
    foreign_admin = MembershipFactory(organisation=other_org, role="admin").user
    assert client_for(foreign_admin).get("/backoffice/census/").status_code == 403


def test_import_stores_only_keyed_hashes(org, client_for, admin_user, centre, caplog):
    with caplog.at_level(logging.DEBUG):
        response = _upload(client_for(admin_user), GOOD)
    assert response.status_code == 302
    batch = CensusImport.objects.get(organisation=org)
    assert batch.rows == 2 and batch.uploaded_by == admin_user and batch.filename == "recensement.csv"
    entries = list(CensusEntry.objects.filter(organisation=org))
    assert len(entries) == 2
    stored = " ".join(f"{e.digest}" for e in entries) + batch.filename
    for clear in ("A123456", "A 123 456", "1980-05-14", "38000", "B654321"):
        assert clear not in stored
        assert all(clear not in record.getMessage() for record in caplog.records)
    assert {e.area for e in entries} == {centre, None}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"identifier,postal_code\nA1,38000\n", "birth_date"),
        (b"identifier,birth_date,postal_code\nA1,1980-13-40,38000\n", "Line 2"),
        (b"identifier,birth_date,postal_code\n ,1980-01-01,38000\n", "Line 2"),
        (b"identifier,birth_date,postal_code\nA1,1980-01-01,38000\na 1,01/01/1980,38 000\n", "Line 3"),
        ("identifier,birth_date,postal_code\nÉ1,1980-01-01,38000\n".encode("latin-1"), "UTF-8"),
        (b"identifier,birth_date,postal_code,district\nA1,1980-01-01,38000,Atlantide\n", "Atlantide"),
    ],
    ids=["missing-column", "bad-date", "empty-identifier", "duplicate", "wrong-encoding", "unknown-district"],
)
def test_malformed_census_imports_nothing_and_says_why(
    org, client_for, admin_user, centre, content, expected
):
    census_import(organisation=org, by=admin_user, file=GOOD, filename="before.csv")
    before = set(CensusEntry.objects.values_list("digest", flat=True))
    response = _upload(client_for(admin_user), content)
    assert response.status_code == 200
    html = response.content.decode()
    assert expected in html
    assert 'class="error-summary"' in html and 'id="id_file_error"' in html
    assert set(CensusEntry.objects.values_list("digest", flat=True)) == before
    assert CensusImport.objects.count() == 1


def test_errors_name_their_lines_and_stop_at_twenty(org, admin_user):
    from django.utils import translation

    rows = "".join(f"ID{i},pas-une-date,38000\n" for i in range(30))
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        census_import(
            organisation=org,
            by=admin_user,
            file=f"identifier,birth_date,postal_code\n{rows}".encode(),
            filename="x.csv",
        )
    lines = caught.value.lines
    assert len(lines) == 21 and "Line 2:" in lines[0] and "Line 21:" in lines[19]
    assert "10" in lines[20]


def test_file_larger_than_20_mb_is_refused(org, admin_user, monkeypatch):
    monkeypatch.setattr(census, "MAX_FILE_BYTES", 100)
    with pytest.raises(ValidationFailed) as caught:
        census_import(organisation=org, by=admin_user, file=GOOD * 10, filename="big.csv")
    assert "20" in caught.value.lines[0]
    assert not CensusEntry.objects.exists()


def test_resident_verifies_once_and_gets_the_census_district(org, client_for, citizen, admin_user, centre):
    census_import(organisation=org, by=admin_user, file=GOOD, filename="c.csv")
    assert level_for(citizen, org) == Level.EMAIL
    client = client_for(citizen)
    assert client.get("/me/verify/census/").status_code == 200
    # Typed differently from the file (spaces, case, date format): still the same person.
    response = _claim(client, identifier=" a123 456 ", birth_date="1980-05-14", postal_code="38 000")
    assert response.status_code == 302
    membership = Membership.objects.get(user=citizen, organisation=org)
    assert membership.census_verified_at is not None and membership.home_area == centre
    assert CensusEntry.objects.get(claimed_by=membership)
    assert level_for(citizen, org) == Level.CENSUS


def test_wrong_details_are_refused_with_a_message(org, client_for, citizen, admin_user):
    census_import(organisation=org, by=admin_user, file=GOOD, filename="c.csv")
    client = client_for(citizen)
    client.cookies["django_language"] = "en"
    response = _claim(client, postal_code="75001")
    assert response.status_code == 200
    assert "do not match the census" in response.content.decode()
    bad_date = _claim(client, birth_date="14.05.1980")
    assert 'id="id_birth_date_error"' in bad_date.content.decode()
    assert level_for(citizen, org) == Level.EMAIL


def test_one_census_entry_verifies_only_one_account(org, client_for, citizen, admin_user):
    census_import(organisation=org, by=admin_user, file=GOOD, filename="c.csv")
    assert _claim(client_for(citizen)).status_code == 302
    intruder = MembershipFactory(organisation=org).user
    client = client_for(intruder)
    client.cookies["django_language"] = "en"
    response = _claim(client)
    assert response.status_code == 200
    assert "already been verified with another account" in response.content.decode()
    assert level_for(intruder, org) == Level.EMAIL
    with pytest.raises(Conflict):
        census_claim(
            membership=Membership.objects.get(user=intruder, organisation=org),
            identifier="A123456",
            birth_date=date(1980, 5, 14),
            postal_code="38000",
        )


def test_attempts_are_limited_to_five_an_hour(org, client_for, citizen, admin_user):
    census_import(organisation=org, by=admin_user, file=GOOD, filename="c.csv")
    client = client_for(citizen)
    client.cookies["django_language"] = "en"
    for _ in range(5):
        assert _claim(client, postal_code="99999").status_code == 200
    locked = _claim(client)  # even the right details
    assert locked.status_code == 429
    assert "Too many attempts" in locked.content.decode()
    assert level_for(citizen, org) == Level.EMAIL


def test_census_of_one_town_never_verifies_in_another(org, other_org, client_for, admin_user):
    census_import(organisation=org, by=admin_user, file=GOOD, filename="c.csv")
    person = MembershipFactory(organisation=other_org).user
    response = _claim(client_for(person, organisation=other_org))
    assert response.status_code == 200
    assert level_for(person, other_org) == Level.EMAIL
    assert not CensusEntry.objects.filter(claimed_by__isnull=False).exists()
    # The same file imported by the other town gives different digests (the key includes the town).
    same_people = b"identifier,birth_date,postal_code\nA123456,1980-05-14,38000\nB654321,1975-11-02,38100\n"
    census_import(organisation=other_org, by=None, file=same_people, filename="c.csv")
    mine = set(CensusEntry.objects.filter(organisation=org).values_list("digest", flat=True))
    theirs = set(CensusEntry.objects.filter(organisation=other_org).values_list("digest", flat=True))
    assert len(mine) == len(theirs) == 2 and not mine & theirs


def test_new_import_replaces_unclaimed_entries_and_keeps_verified_people(
    org, client_for, citizen, admin_user
):
    census_import(organisation=org, by=admin_user, file=GOOD, filename="v1.csv")
    assert _claim(client_for(citizen)).status_code == 302
    membership = Membership.objects.get(user=citizen, organisation=org)
    verified_at = membership.census_verified_at

    # v2: the verified person is still listed, B654321 moved away, C777 arrived.
    v2 = b"identifier,birth_date,postal_code\nA123456,1980-05-14,38000\nC777,2001-01-01,38000\n"
    census_import(organisation=org, by=admin_user, file=v2, filename="v2.csv")
    assert CensusEntry.objects.filter(organisation=org).count() == 2
    assert CensusEntry.objects.get(claimed_by=membership).batch.filename == "v2.csv"
    other = MembershipFactory(organisation=org).user
    assert (
        _claim(
            client_for(other), identifier="b654321", birth_date="02/11/1975", postal_code="38100"
        ).status_code
        == 200
    )
    assert _claim(client_for(other), identifier="C777", birth_date="01/01/2001").status_code == 302

    # v3: the verified person is no longer listed; they stay verified.
    census_import(
        organisation=org,
        by=admin_user,
        file=b"identifier,birth_date,postal_code\nD1,1990-01-01,38000\n",
        filename="v3.csv",
    )
    membership.refresh_from_db()
    assert membership.census_verified_at == verified_at
    assert level_for(citizen, org) == Level.CENSUS
