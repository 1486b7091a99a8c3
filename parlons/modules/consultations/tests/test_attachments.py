"""Images and PDF documents attached to proposals: checked by content, text alternative required, limits."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from parlons.common.errors import PermissionDenied, ValidationFailed
from parlons.modules.consultations import attachments, services
from parlons.modules.consultations.models import ProposalAttachment
from parlons.modules.consultations.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db

PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)


def _image(fmt: str = "JPEG", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "Appareil de test"  # camera maker: must not survive
    image.save(buffer, format=fmt, exif=exif) if fmt == "JPEG" else image.save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def proposal(org, component, citizen):
    return ProposalFactory(organisation=org, component=component, author=citizen)


def test_real_image_is_reencoded_without_metadata_and_shown_with_its_alt(proposal, citizen, client_for):
    attachment = services.proposal_attach(
        proposal=proposal, by=citizen, data=_image(), description="Le quai de Loire au printemps"
    )
    stored = attachment.file.read()
    assert attachment.kind == "image" and (attachment.width, attachment.height) == (64, 48)
    assert b"Appareil de test" not in stored and Image.open(io.BytesIO(stored)).format == "JPEG"
    page = client_for().get(proposal.get_absolute_url()).content.decode()
    assert 'alt="Le quai de Loire au printemps"' in page


def test_alt_text_is_required_for_images(proposal, citizen):
    with pytest.raises(ValidationFailed) as exc:
        services.proposal_attach(proposal=proposal, by=citizen, data=_image(), description="  ")
    assert exc.value.field == "description" and "cannot see it" in str(exc.value)
    assert not ProposalAttachment.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "Only images"),
        (b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 10, "not an image we can read"),
        (b"%PDF-1.4\n<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\n%%EOF", "contains scripts"),
        (b"%PDF-1.4 truncated", "not a readable PDF"),
    ],
)
def test_files_are_judged_by_their_content(proposal, citizen, data, message):
    with pytest.raises(ValidationFailed) as exc:
        services.proposal_attach(proposal=proposal, by=citizen, data=data, description="Un fichier")
    assert message in str(exc.value) and exc.value.field == "file"


def test_pdf_document_with_a_title(proposal, citizen, client_for):
    attachment = services.proposal_attach(
        proposal=proposal, by=citizen, data=PDF, description="Plan du quartier"
    )
    assert attachment.kind == "document" and attachment.file.name.endswith(".pdf")
    assert "Plan du quartier" in client_for().get(proposal.get_absolute_url()).content.decode()


def test_size_and_count_limits(proposal, citizen, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_DOCUMENT_BYTES", len(PDF) - 1)
    with pytest.raises(ValidationFailed, match="too big"):
        services.proposal_attach(proposal=proposal, by=citizen, data=PDF, description="Plan")
    monkeypatch.undo()
    for i in range(services.MAX_ATTACHMENTS):
        services.proposal_attach(proposal=proposal, by=citizen, data=PDF, description=f"Plan {i}")
    with pytest.raises(ValidationFailed, match="at most"):
        services.proposal_attach(proposal=proposal, by=citizen, data=PDF, description="Un de trop")


def test_only_the_author_attaches_and_author_or_moderator_removes(
    proposal, citizen, other_citizen, moderator
):
    with pytest.raises(PermissionDenied):
        services.proposal_attach(
            proposal=proposal, by=other_citizen, data=PDF, description="Plan du quartier"
        )
    attachment = services.proposal_attach(
        proposal=proposal, by=citizen, data=PDF, description="Plan du quartier"
    )
    with pytest.raises(PermissionDenied):
        services.proposal_detach(attachment=attachment, by=other_citizen)
    services.proposal_detach(attachment=attachment, by=moderator)
    assert not ProposalAttachment.objects.exists()


def test_author_uploads_through_the_page_and_others_cannot(proposal, citizen, other_citizen, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = proposal.get_absolute_url() + "attachments/"
    upload = SimpleUploadedFile("photo.jpg", _image(), content_type="image/jpeg")
    response = client_for(citizen).post(url, {"file": upload, "description": "Le banc actuel, cassé"})
    assert response.status_code == 302 and ProposalAttachment.objects.count() == 1
    fake = SimpleUploadedFile("plan.pdf", b"<script>alert(1)</script>", content_type="application/pdf")
    client_for(citizen).post(url, {"file": fake, "description": "Plan"})
    other = SimpleUploadedFile("photo.jpg", _image(), content_type="image/jpeg")
    client_for(other_citizen).post(url, {"file": other, "description": "Une autre photo"})
    assert ProposalAttachment.objects.count() == 1
    page = client_for(citizen).get(proposal.get_absolute_url()).content.decode()
    assert 'alt="Le banc actuel, cassé"' in page and 'enctype="multipart/form-data"' in page
