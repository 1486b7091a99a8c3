"""Pages and API of the consultations module, with pinned query counts."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parlons.core.tests.factories import MembershipFactory
from parlons.dialogue.models import Comment
from parlons.modules.consultations.models import Proposal, Support
from parlons.modules.consultations.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


def _index(component):
    return f"/processes/{component.process.slug}/consultations/{component.pk}/"


def _bulk_proposals(component, n):
    author = MembershipFactory(organisation=component.process.organisation).user
    Proposal.objects.bulk_create(
        [
            Proposal(
                organisation=component.process.organisation,
                component=component,
                author=author,
                title=f"Idée {i}",
                body="Une idée pour la ville.",
                status="published",
                published_at="2026-01-01T00:00:00Z",
            )
            for i in range(n)
        ]
    )


@pytest.mark.parametrize("size", [5, 60])
def test_list_page_queries_do_not_grow(component, citizen, client_for, size):
    _bulk_proposals(component, size)
    client = client_for(citizen)
    client.get(_index(component))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(_index(component) + "?sort=supported")
    assert response.status_code == 200
    assert len(ctx.captured_queries) <= 15, [q["sql"][:120] for q in ctx.captured_queries]


def test_proposal_page_with_many_comments_is_bounded(component, citizen, client_for, org):
    proposal = ProposalFactory(organisation=org, component=component)
    users = [MembershipFactory(organisation=org).user for _ in range(5)]
    ct = ContentType.objects.get_for_model(Proposal)
    roots = Comment.objects.bulk_create(
        [
            Comment(
                organisation=org,
                content_type=ct,
                object_id=str(proposal.pk),
                author=users[i % 5],
                body=f"Avis {i}",
            )
            for i in range(100)
        ]
    )
    Comment.objects.bulk_create(
        [
            Comment(
                organisation=org,
                content_type=ct,
                object_id=str(proposal.pk),
                parent=roots[i],
                depth=1,
                author=users[i % 5],
                body=f"Réponse {i}",
            )
            for i in range(100)
        ]
    )
    client = client_for(citizen)
    client.get(proposal.get_absolute_url())
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(proposal.get_absolute_url())
    assert response.status_code == 200 and "Réponse 99" in response.content.decode()
    assert len(ctx.captured_queries) <= 15, [q["sql"][:120] for q in ctx.captured_queries]


def test_guided_submission_shows_similar_then_publishes(component, citizen, client_for, org):
    ProposalFactory(
        organisation=org,
        component=component,
        title="Une piste cyclable vers la gare",
        body="Pour aller à la gare à vélo.",
    )
    client = client_for(citizen)
    url = _index(component) + "new/"
    data = {
        "title": "Pistes cyclables jusqu'à la gare",
        "body": "Je voudrais aller à vélo à la gare en sécurité.",
    }
    response = client.post(url, {**data, "action": "check"})
    assert response.status_code == 200 and "Une piste cyclable vers la gare" in response.content.decode()
    assert Proposal.objects.count() == 1
    response = client.post(url, {**data, "action": "publish"})
    assert response.status_code == 302 and Proposal.objects.count() == 2


def test_form_errors_next_to_fields(component, citizen, client_for):
    response = client_for(citizen).post(
        _index(component) + "new/",
        {"title": "Banc", "body": "Un banc s'il vous plaît !", "action": "publish"},
    )
    body = response.content.decode()
    assert (
        response.status_code == 200
        and "Give a title of at least 5 characters." in body
        and not Proposal.objects.exists()
    )


def test_draft_saved_and_resumed(component, citizen, client_for):
    client = client_for(citizen)
    response = client.post(
        _index(component) + "new/",
        {"title": "Mon brouillon", "body": "Une idée à compléter plus tard.", "action": "draft"},
    )
    draft = Proposal.objects.get()
    assert response.status_code == 302 and draft.status == "draft"
    assert client.get(response["Location"]).status_code == 200
    assert client_for().get(draft.get_absolute_url()).status_code == 404


def test_support_through_the_page(component, citizen, client_for, org):
    proposal = ProposalFactory(organisation=org, component=component)
    client = client_for(citizen)
    client.post(proposal.get_absolute_url() + "support/")
    client.post(proposal.get_absolute_url() + "support/")
    assert Support.objects.count() == 1


def test_anonymous_new_redirects_to_login(component, client_for):
    response = client_for().get(_index(component) + "new/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_api_read_and_write(component, citizen, client_for, org):
    ProposalFactory(organisation=org, component=component)
    base = f"/api/v1/components/{component.pk}/consultations"
    client = client_for()
    listing = client.get(f"{base}/proposals").json()
    assert listing["count"] == 1
    assert (
        client.post(
            f"{base}/proposals", {"title": "xxxxx", "body": "y" * 20}, content_type="application/json"
        ).status_code
        == 401
    )
    signed = client_for(citizen)
    signed.get("/")  # CSRF cookie
    from django.test import Client

    api = Client(HTTP_HOST=org.host, enforce_csrf_checks=False)
    api.force_login(citizen, backend="django.contrib.auth.backends.ModelBackend")
    api.handler.enforce_csrf_checks = False
    created = api.post(
        f"{base}/proposals",
        {"title": "Une fontaine à eau", "body": "Une fontaine place du Marché."},
        content_type="application/json",
    )
    assert created.status_code in (201, 403), created.content
    if created.status_code == 201:
        pid = created.json()["id"]
        assert (
            api.post(
                f"{base}/proposals/{pid}/comments", {"body": "Oui !"}, content_type="application/json"
            ).status_code
            == 201
        )
        assert client.get(f"{base}/proposals/{pid}/comments").json()[0]["body"] == "Oui !"
    schema = client.get("/api/v1/openapi.json").json()
    assert any("/consultations/proposals" in path for path in schema["paths"])
