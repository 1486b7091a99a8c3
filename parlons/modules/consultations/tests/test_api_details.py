"""The API's read-only details of a proposal: attachments with download URLs, co-authors, endorsements."""

from __future__ import annotations

import pytest
from django.utils import timezone

from parlons.core.tests.factories import MembershipFactory
from parlons.modules.consultations.models import (
    CoauthorInvitation,
    Endorsement,
    ProposalAttachment,
    UserGroup,
)
from parlons.modules.consultations.tests.factories import ProposalFactory, consultations_component

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(org, component):
    proposal = ProposalFactory(organisation=org, component=component)
    ProposalAttachment.objects.create(
        proposal=proposal,
        kind="document",
        file="consultations/attachments/2026/01/plan.pdf",
        description="Plan du quartier",
        size=1234,
    )
    coauthor = MembershipFactory(organisation=org, user__display_name="Inès Moreau").user
    CoauthorInvitation.objects.create(
        proposal=proposal, email="ines@example.test", accepted_by=coauthor, accepted_at=timezone.now()
    )
    CoauthorInvitation.objects.create(proposal=proposal, email="pending@example.test")
    group = UserGroup.objects.create(organisation=org, name="Vélo-Cité", verified_at=timezone.now())
    Endorsement.objects.create(proposal=proposal, group=group)
    proposal.endorsements_count = 1
    proposal.save(update_fields=["endorsements_count"])
    return proposal


def _base(component):
    return f"/api/v1/components/{component.pk}/consultations/proposals"


def test_attachments_coauthors_and_endorsements_are_readable(client_for, component, proposal):
    client = client_for()
    base = f"{_base(component)}/{proposal.public_id}"
    attachments = client.get(f"{base}/attachments").json()
    assert attachments[0]["description"] == "Plan du quartier" and attachments[0]["size"] == 1234
    assert attachments[0]["url"].startswith("http") and attachments[0]["url"].endswith("plan.pdf")
    coauthors = client.get(f"{base}/coauthors").json()
    assert [c["name"] for c in coauthors] == ["Inès Moreau"]
    assert "ines@example.test" not in client.get(f"{base}/coauthors").content.decode()
    assert [e["group"] for e in client.get(f"{base}/endorsements").json()] == ["Vélo-Cité"]
    assert client.get(base).json()["endorsements"] == 1
    schema = client.get("/api/v1/openapi.json").json()
    assert any(path.endswith("/attachments") for path in schema["paths"])


def test_details_follow_the_proposal_visibility_and_tenant(client_for, org, other_org, component, proposal):
    draft = ProposalFactory(organisation=org, component=component, status="draft")
    client = client_for()
    for what in ("attachments", "coauthors", "endorsements"):
        assert client.get(f"{_base(component)}/{draft.public_id}/{what}").status_code == 404
    other = consultations_component(other_org)
    foreign = client_for(organisation=other_org)
    for what in ("attachments", "coauthors", "endorsements"):
        assert foreign.get(f"{_base(other)}/{proposal.public_id}/{what}").status_code == 404
