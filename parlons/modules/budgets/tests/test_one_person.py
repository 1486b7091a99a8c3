"""One person, one ballot, whichever channel: in a town with a census, the in-person desk identifies the
resident by it, and their account (once it passed the census check) votes under the same key, so the last
ballot counts, online or in person, never both."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from parlons.accounts.models import Membership
from parlons.accounts.services import census_claim, census_import
from parlons.common.errors import ValidationFailed
from parlons.core.services import component_add, component_publish, phase_create, process_create
from parlons.modules.budgets import selectors, services
from parlons.modules.budgets.models import Ballot

pytestmark = pytest.mark.django_db

CENSUS = b"identifier,birth_date,postal_code\nA123456,1980-05-14,38000\nB654321,1975-11-02,38100\n"
JEANNE = {"identifier": "a 123 456", "birth_date": date(1980, 5, 14), "postal_code": "38000"}


def _open_budget(org, *, census: bool = False, admin_user=None):
    """An open city-wide budget with two projects; ``census``: the town imports its census first."""
    process = process_create(organisation=org, by=None, title="Budget participatif")
    process.visibility = "public"
    process.save()
    phase_create(process=process, by=None, title="Vote", is_current=True)
    component = component_publish(
        component=component_add(process=process, by=None, module_key="budgets"), by=None
    )
    budget = services.budget_create(component=component, by=None, title="Ville", amount=100_000)
    for n, cost in enumerate((40_000, 30_000)):
        project = services.project_submit(
            budget=budget,
            by=None,
            title=f"Projet {n}",
            description="Une description assez longue.",
            cost=cost,
        )
        services.project_review(project=project, by=None, feasible=True)
    if census:
        census_import(organisation=org, by=admin_user, file=CENSUS, filename="recensement.csv")
    return services.budget_open(budget=budget, by=None)


@pytest.fixture
def budget(org, admin_user):
    return _open_budget(org, census=True, admin_user=admin_user)


def _ids(budget):
    return list(budget.projects.order_by("pk").values_list("public_id", flat=True))


def _resident(org, citizen):
    membership = Membership.objects.get(organisation=org, user=citizen)
    census_claim(
        membership=membership, identifier="A123456", birth_date=date(1980, 5, 14), postal_code="38000"
    )
    return citizen


def _in_person(budget, agent, choices):
    key, area = services.in_person_census_key(organisation=budget.component.process.organisation, **JEANNE)
    return services.ballot_cast(
        budget=budget, voter=None, choices=choices, assisted_by=agent, person_key=key, residence=area
    )


def test_online_then_in_person_then_online_keeps_one_ballot(budget, org, citizen, agent):
    voter = _resident(org, citizen)
    first, second = _ids(budget)
    services.ballot_cast(budget=budget, voter=voter, choices=[first])
    _in_person(budget, agent, [second])
    ballots = Ballot.objects.filter(budget=budget)
    assert ballots.count() == 1
    ballot = ballots.get()
    assert (ballot.channel, ballot.revision, ballot.voter_id) == ("in_person", 2, voter.pk)
    # The person sees the in-person ballot in their account, and can replace it online.
    assert selectors.ballot_get(budget=budget, user=voter).pk == ballot.pk
    services.ballot_cast(budget=budget, voter=voter, choices=[first])
    ballot = Ballot.objects.get(budget=budget)
    assert (ballot.channel, ballot.revision) == ("online", 3)
    assert services.budget_close(budget=budget, by=None).voters == 1


def test_in_person_before_the_account_is_checked_then_online(budget, org, citizen, agent):
    first, second = _ids(budget)
    _in_person(budget, agent, [second])
    voter = _resident(org, citizen)
    services.ballot_cast(budget=budget, voter=voter, choices=[first])
    ballot = Ballot.objects.get(budget=budget)
    assert (ballot.channel, ballot.voter_id, ballot.revision) == ("online", voter.pk, 2)


def test_someone_not_in_the_census_cannot_vote_in_person(budget, agent):
    with pytest.raises(ValidationFailed, match="do not match the census"):
        services.in_person_census_key(
            organisation=budget.component.process.organisation,
            identifier="Z999",
            birth_date=date(1990, 1, 1),
            postal_code="38000",
        )
    assert not Ballot.objects.filter(budget=budget).exists()


def test_the_desk_page_uses_the_census(budget, org, citizen, agent, client_for):
    voter = _resident(org, citizen)
    first, second = _ids(budget)
    services.ballot_cast(budget=budget, voter=voter, choices=[first])
    component = budget.component
    url = reverse(
        "budgets:assisted",
        kwargs={"process_slug": component.process.slug, "component_id": component.pk, "budget_id": budget.pk},
    )
    client = client_for(agent)
    page = client.get(url).content.decode()
    assert 'name="identifier"' in page and 'name="full_name"' not in page
    response = client.post(
        url,
        {"identifier": "A123456", "birth_date": "1980-05-14", "postal_code": "38000", "projects": [second]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    ballot = Ballot.objects.get(budget=budget)
    assert ballot.channel == "in_person" and ballot.voter_id == voter.pk
    wrong = client.post(
        url, {"identifier": "nobody", "birth_date": "1980-05-14", "postal_code": "38000", "projects": [first]}
    )
    assert "do not match the census" in wrong.content.decode()
    assert Ballot.objects.get(budget=budget).revision == 2
    # The agent prints the citizen's receipt: a code and a link to the printable page, no name.
    shown = client.get(response["Location"]).content.decode()
    assert ballot.receipt_code in shown
    assert f"/receipts/{ballot.receipt_code}/print" in shown
    # A code that is not an in-person ballot of this budget is not offered for printing.
    assert "/print" not in client.get(f"{url}?receipt=XXXX-XXXX").content.decode()


def test_the_census_committed_at_opening_holds_every_eligible_person(citizen, budget, org):
    """The opening entry commits to the pseudonyms of the census residents and of the members without a
    census entry; each can prove they were in it, and nobody else is."""
    import json

    from parlons.ledger import census as ledger_census
    from parlons.ledger.models import LedgerEntry
    from parlons.ledger.selectors import census_proof
    from parlons.modules.budgets import transparency

    ref = transparency.vote_ref(budget)
    [opening] = LedgerEntry.objects.filter(ref=ref, kind="vote_opened")
    committed = json.loads(bytes(opening.data))["payload"]["census"]
    members = Membership.objects.filter(organisation=org).count()
    assert committed["scheme"] == "parlons-census/v1"
    assert committed["count"] == committed["eligible"] == 2 + members
    from parlons.accounts.models import CensusEntry

    entry = CensusEntry.objects.filter(organisation=org).order_by("pk").first()
    for key in (f"c{entry.pk}", f"u{citizen.pk}"):
        proof = census_proof(organisation=org, ref=ref, pseudonym=transparency.pseudonym(budget, key))
        assert proof["root"] == committed["root"]
        ledger_census.verify_member(
            proof["pseudonym"],
            index=proof["index"],
            count=proof["count"],
            proof=proof["proof"],
            root=committed["root"],
        )
    with pytest.raises(Exception, match="not in the census"):
        census_proof(organisation=org, ref=ref, pseudonym=transparency.pseudonym(budget, "u999999"))


def test_a_census_check_during_the_vote_never_gives_a_second_ballot(budget, org, citizen):
    """A person who voted with their account, then passed the census check, keeps their first key: their next
    ballot replaces the first one."""
    first, second = _ids(budget)
    services.ballot_cast(budget=budget, voter=citizen, choices=[first])
    voter = _resident(org, citizen)
    services.ballot_cast(budget=budget, voter=voter, choices=[second])
    ballot = Ballot.objects.get(budget=budget)
    assert (ballot.voter_key, ballot.revision, ballot.voter_id) == (f"u{citizen.pk}", 2, citizen.pk)
    assert selectors.ballot_get(budget=budget, user=voter).pk == ballot.pk


@pytest.fixture
def budget_without_census(org):
    return _open_budget(org)


def test_without_a_census_franceconnect_and_the_desk_share_one_ballot(budget_without_census, citizen, agent):
    """No census: the desk keys a person by name and birth date; an account verified with FranceConnect carries
    the same key, from FranceConnect's claims, so online and in person the last ballot counts, never both."""
    from parlons.accounts.services import franceconnect_mark_verified

    budget = budget_without_census
    claims = {"given_name": "Jeanne Marie", "family_name": "Lefèvre", "birthdate": "1980-05-14"}
    voter = franceconnect_mark_verified(user=citizen, claims=claims)
    first, second = _ids(budget)
    services.ballot_cast(budget=budget, voter=voter, choices=[first])
    ballot = Ballot.objects.get(budget=budget)
    assert ballot.voter_key == services.in_person_key(
        full_name="Jeanne Marie Lefèvre", birth_date=date(1980, 5, 14)
    )
    # At the desk, the agent types the name as on the identity card (accents and case do not matter).
    key = services.in_person_key(full_name="JEANNE MARIE LEFEVRE", birth_date=date(1980, 5, 14))
    services.ballot_cast(budget=budget, voter=None, choices=[second], assisted_by=agent, person_key=key)
    ballot = Ballot.objects.get(budget=budget)
    assert (ballot.channel, ballot.revision, ballot.voter_id) == ("in_person", 2, citizen.pk)
    assert selectors.ballot_get(budget=budget, user=voter).pk == ballot.pk
    services.ballot_cast(budget=budget, voter=voter, choices=[first])
    ballot = Ballot.objects.get(budget=budget)
    assert (ballot.channel, ballot.revision) == ("online", 3)
    # Someone else with another birth date is another person.
    other = services.in_person_key(full_name="Jeanne Marie Lefèvre", birth_date=date(1981, 5, 14))
    services.ballot_cast(budget=budget, voter=None, choices=[second], assisted_by=agent, person_key=other)
    assert Ballot.objects.filter(budget=budget).count() == 2


def test_without_a_census_an_account_without_franceconnect_is_its_own_key(budget_without_census, citizen):
    budget = budget_without_census
    first, _second = _ids(budget)
    services.ballot_cast(budget=budget, voter=citizen, choices=[first])
    assert Ballot.objects.get(budget=budget).voter_key == f"u{citizen.pk}"
