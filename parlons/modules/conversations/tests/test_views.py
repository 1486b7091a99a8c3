"""Pages of the conversations module: voting (plain form and HTMX), adding, the map, the report, import/export."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from parlons.modules.conversations import services
from parlons.modules.conversations.models import Statement, Vote
from parlons.modules.conversations.tests.conftest import url
from parlons.modules.conversations.tests.test_services import COMMENTS_CSV, VOTES_CSV

pytestmark = pytest.mark.django_db


def test_the_vote_page_shows_one_statement_and_asks_strangers_to_sign_in(conversation, client_for):
    page = client_for().get(url(conversation, "detail"))
    assert page.status_code == 200
    html = page.content.decode()
    assert conversation.question in html
    assert "Sign in to vote" in html
    assert html.count('class="conv-statement"') == 1


def test_voting_moves_on_to_the_next_statement(conversation, citizen, client_for):
    client = client_for(citizen)
    first = Statement.objects.filter(conversation=conversation).order_by("number").first()
    response = client.post(url(conversation, "vote", statement_id=first.public_id), {"value": "1"})
    assert response.status_code == 302
    assert Vote.objects.get(statement=first).value == 1
    page = client.get(url(conversation, "detail")).content.decode()
    assert first.text not in page
    assert "You voted on 1 of 3 statements." in page


def test_an_htmx_vote_swaps_the_card_only(conversation, citizen, client_for):
    client = client_for(citizen)
    first = Statement.objects.filter(conversation=conversation).order_by("number").first()
    card = client.post(
        url(conversation, "vote", statement_id=first.public_id), {"value": "-1"}, HTTP_HX_REQUEST="true"
    )
    assert card.status_code == 200
    html = card.content.decode()
    assert html.startswith('<section id="vote-card"')
    assert "You voted on 1 of 3 statements." in html


def test_a_refused_vote_says_why(conversation, citizen, client_for):
    conversation.is_open = False
    conversation.save()
    first = Statement.objects.filter(conversation=conversation).first()
    card = client_for(citizen).post(
        url(conversation, "vote", statement_id=first.public_id), {"value": "1"}, HTTP_HX_REQUEST="true"
    )
    assert "This conversation is closed." in card.content.decode()
    assert not Vote.objects.exists()


def test_an_added_statement_waits_for_moderation_then_the_moderator_accepts_it(
    conversation, citizen, moderator, client_for
):
    client_for(citizen).post(url(conversation, "add"), {"text": "Des toilettes publiques près de la halle."})
    statement = Statement.objects.get(text__startswith="Des toilettes")
    assert statement.status == Statement.Status.PENDING
    report = client_for(moderator).get(url(conversation, "report")).content.decode()
    assert "Des toilettes publiques" in report
    client_for(moderator).post(
        url(conversation, "moderate", statement_id=statement.public_id), {"decision": "accept"}
    )
    statement.refresh_from_db()
    assert statement.status == Statement.Status.ACCEPTED


def test_the_report_and_moderation_are_for_moderators_only(conversation, citizen, client_for):
    assert client_for(citizen).get(url(conversation, "report")).status_code == 404
    assert client_for().get(url(conversation, "export_polis")).status_code == 404


def test_the_map_page_says_when_there_are_too_few_votes_and_shows_raw_counts(
    conversation, citizen, client_for
):
    first = Statement.objects.filter(conversation=conversation).order_by("number").first()
    services.vote_cast(statement=first, by=citizen, value=1)
    services.conversation_recompute(conversation=conversation)
    html = client_for(citizen).get(url(conversation, "results")).content.decode()
    assert "Not enough votes for opinion groups yet" in html
    assert first.text in html


def test_the_map_shows_groups_and_where_you_stand(conversation, org, citizen, client_for):
    from parlons.core.tests.factories import MembershipFactory
    from parlons.modules.conversations.tests.factories import make_statement

    for i in range(8):
        make_statement(org, conversation, text=f"Proposition supplémentaire numéro {i}")
    people = [citizen] + [MembershipFactory(organisation=org).user for _ in range(11)]
    for n, person in enumerate(people):
        for statement in Statement.objects.filter(conversation=conversation):
            side = 1 if (statement.number + n) % 2 else -1
            # Each person passes on a different statement: varied positions, two clear camps.
            services.vote_cast(statement=statement, by=person, value=0 if statement.number == n else side)
    services.conversation_recompute(conversation=conversation)
    html = client_for(citizen).get(url(conversation, "results")).content.decode()
    assert "opinion groups" in html
    assert 'class="conv-you"' in html
    assert "You are in group" in html
    assert "<svg" in html and "<table>" in html
    polled = client_for(citizen).get(url(conversation, "results"), HTTP_HX_REQUEST="true").content.decode()
    assert polled.startswith('<div id="opinion-map"')


def test_import_shows_the_line_and_reason_of_a_bad_file(conversation, moderator, client_for):
    Statement.objects.filter(conversation=conversation).delete()
    client = client_for(moderator)
    bad = SimpleUploadedFile("votes.csv", (VOTES_CSV + "9,x,0,3,7\n").encode())
    comments = SimpleUploadedFile("comments.csv", COMMENTS_CSV.encode())
    page = client.post(url(conversation, "import_polis"), {"votes": bad, "comments": comments}, follow=True)
    assert "votes.csv, line 5: vote must be 1, -1 or 0, not 7" in page.content.decode()
    good = SimpleUploadedFile("votes.csv", VOTES_CSV.encode())
    comments = SimpleUploadedFile("comments.csv", COMMENTS_CSV.encode())
    page = client.post(url(conversation, "import_polis"), {"votes": good, "comments": comments}, follow=True)
    assert "Imported 2 statements and 3 votes." in page.content.decode()
    export = client.get(url(conversation, "export_polis"))
    assert export["Content-Type"] == "application/zip"
    assert "votes.csv" in zipfile.ZipFile(io.BytesIO(export.content)).namelist()


def test_another_towns_conversation_is_not_found(conversation, other_org, client_for):
    assert client_for(organisation=other_org).get(url(conversation, "detail")).status_code == 404
