"""The guided new-proposal flow offers images, documents and co-authors before publishing: write, check similar
proposals, add files (checked by type and size) and co-authors on the saved draft, then publish; the draft keeps
them when the author stops, and the co-authors are e-mailed only once the proposal is published."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from parlons.modules.consultations import attachments
from parlons.modules.consultations.models import CoauthorInvitation, Proposal, ProposalAttachment

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def _base(component) -> str:
    return f"/processes/{component.process.slug}/consultations/{component.pk}/"


DATA = {
    "title": "Un verger partagé au parc des Mauves",
    "body": "Planter des arbres fruitiers que les habitants entretiennent et récoltent ensemble.",
}


def _start(client, component) -> tuple[Proposal, str]:
    """Steps 1 and 2, then on to step 3: the draft is saved and the extras page opens."""
    url = _base(component) + "new/"
    assert client.post(url, {**DATA, "action": "check"}).status_code == 200
    response = client.post(url, {**DATA, "action": "extras"})
    assert response.status_code == 302
    draft = Proposal.objects.get()
    assert draft.status == "draft" and response["Location"].endswith(f"/{draft.public_id}/extras/")
    return draft, response["Location"]


def test_check_step_offers_images_documents_and_coauthors(component, citizen, client_for):
    response = client_for(citizen).post(_base(component) + "new/", {**DATA, "action": "check"})
    page = response.content.decode()
    assert "3. Images, documents and co-authors (optional)" in page
    assert "Continue: images, documents, co-authors" in page and not Proposal.objects.exists()


def test_files_and_coauthors_added_before_publishing_then_published_with_them(
    component, citizen, client_for, django_capture_on_commit_callbacks
):
    client = client_for(citizen)
    draft, extras = _start(client, component)
    page = client.get(extras).content.decode()
    assert 'aria-current="step">3.' in page and "Publish my proposal" in page
    # A text file named like an image is refused by its content; nothing is stored.
    response = client.post(
        extras,
        {"action": "attach", "description": "Le plan", "file": SimpleUploadedFile("plan.png", b"just text")},
    )
    assert response.status_code == 400
    assert (
        "Only images (JPEG, PNG, WebP, GIF) and PDF documents can be attached." in response.content.decode()
    )
    # An image needs its text alternative.
    response = client.post(
        extras, {"action": "attach", "description": "", "file": SimpleUploadedFile("a.png", _png())}
    )
    assert response.status_code == 400 and not ProposalAttachment.objects.exists()
    client.post(
        extras,
        {"action": "attach", "description": "Le parc vu du sud", "file": SimpleUploadedFile("a.png", _png())},
    )
    client.post(
        extras,
        {"action": "attach", "description": "Plan du verger", "file": SimpleUploadedFile("p.pdf", PDF)},
    )
    assert sorted(ProposalAttachment.objects.filter(proposal=draft).values_list("kind", flat=True)) == [
        "document",
        "image",
    ]
    response = client.post(extras, {"action": "invite", "email": "pas une adresse"})
    assert response.status_code == 400 and not CoauthorInvitation.objects.exists()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(extras, {"action": "invite", "email": "voisine@example.test"})
    assert CoauthorInvitation.objects.filter(proposal=draft, email="voisine@example.test").exists()
    assert mail.outbox == []  # nobody can read a draft: the invitation waits for the publication
    page = client.get(extras).content.decode()
    assert 'alt="Le parc vu du sud"' in page and "Plan du verger" in page and "voisine@example.test" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(extras, {"action": "publish"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published" and draft.attachments.count() == 2
    assert [m.to for m in mail.outbox] == [["voisine@example.test"]]
    shown = client_for().get(draft.get_absolute_url()).content.decode()
    assert 'alt="Le parc vu du sud"' in shown and "Plan du verger" in shown
    # Once published, the step is over.
    assert client.get(extras).status_code == 404


def test_oversized_upload_refused_before_it_is_read(component, citizen, client_for, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_IMAGE_BYTES", 1000)
    monkeypatch.setattr(attachments, "MAX_DOCUMENT_BYTES", 1000)
    client = client_for(citizen)
    _draft, extras = _start(client, component)
    response = client.post(
        extras,
        {"action": "attach", "description": "Trop lourd", "file": SimpleUploadedFile("big.pdf", b"0" * 2000)},
    )
    assert (
        response.status_code == 400 and "This file is too big (10 MB at most)." in response.content.decode()
    )
    assert not ProposalAttachment.objects.exists()


def test_the_draft_keeps_files_and_coauthors_when_the_author_stops(component, citizen, client_for):
    client = client_for(citizen)
    draft, extras = _start(client, component)
    client.post(
        extras, {"action": "attach", "description": "Le parc", "file": SimpleUploadedFile("a.png", _png())}
    )
    client.post(extras, {"action": "invite", "email": "voisine@example.test"})
    # Later: the list offers the draft, the text is changed, and step 3 still has the file and the co-author.
    assert draft.title in client.get(_base(component)).content.decode()
    edit = _base(component) + f"{draft.public_id}/edit/"
    changed = {**DATA, "title": "Un verger partagé au parc des Mauves, côté sud"}
    response = client.post(edit, {**changed, "action": "extras"})
    assert response["Location"].endswith("/extras/")
    page = client.get(extras).content.decode()
    assert 'alt="Le parc"' in page and "voisine@example.test" in page and "côté sud" in page
    # Removing a file from the flow comes back to the flow.
    attachment = ProposalAttachment.objects.get()
    response = client.post(
        _base(component) + f"{draft.public_id}/attachments/{attachment.pk}/remove/", {"back": "extras"}
    )
    assert (
        response["Location"].endswith("/extras/#attachments-title")
        and not ProposalAttachment.objects.exists()
    )


def test_only_the_author_reaches_the_draft_steps(component, citizen, other_citizen, client_for):
    _draft, extras = _start(client_for(citizen), component)
    assert client_for(other_citizen).get(extras).status_code == 404
    response = client_for(other_citizen).post(
        extras, {"action": "attach", "description": "Intrus", "file": SimpleUploadedFile("a.png", _png())}
    )
    assert response.status_code == 404 and not ProposalAttachment.objects.exists()
    assert client_for().get(extras).status_code == 302  # signed out: to the sign-in page
