"""Execution follow-up: photos of the works (checked and cleaned like report photos) and following a project."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from parlons.common.errors import Conflict, PermissionDenied, ValidationFailed
from parlons.core.services import component_add, component_publish, phase_create, process_create
from parlons.dialogue.selectors import is_following
from parlons.modules.budgets import services
from parlons.modules.budgets.models import Project, ProjectPhoto
from parlons.modules.budgets.seed import seed_component

pytestmark = pytest.mark.django_db


@pytest.fixture
def component(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    process = process_create(organisation=org, by=None, title="Budget participatif")
    process.visibility = "public"
    process.save()
    phase_create(process=process, by=None, title="Vote", is_current=True)
    component = component_publish(
        component=component_add(process=process, by=None, module_key="budgets"), by=None
    )
    seed_component(component)
    return component


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (2400, 1200), (40, 120, 60))
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (45.0, 11.0, 0.0), 3: "E", 4: (5.0, 43.0, 0.0)})
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def _funded(component):
    return Project.objects.filter(budget__component=component, status__in=services.FUNDED).first()


def _url(component, name, project):
    return reverse(
        f"budgets:{name}",
        kwargs={
            "process_slug": component.process.slug,
            "component_id": component.pk,
            "public_id": project.public_id,
        },
    )


def test_photos_are_cleaned_described_and_shown(component, agent, client_for):
    project = _funded(component)
    before = project.photos.count()  # the demo seed may already show one
    raw = _jpeg_with_gps()
    photo = services.project_photo_add(
        project=project, by=agent, upload=SimpleUploadedFile("works.jpg", raw), alt_text="Le chantier en mai"
    )
    stored = Image.open(photo.file.path)
    assert max(stored.size) == 1600 and not stored.getexif()  # resized, no EXIF nor GPS left
    again = services.project_photo_add(
        project=project, by=agent, upload=SimpleUploadedFile("same.jpg", raw), alt_text="Encore"
    )
    assert again.pk == photo.pk and ProjectPhoto.objects.filter(project=project).count() == before + 1
    page = client_for().get(_url(component, "project", project)).content.decode()
    assert photo.file.url in page and 'alt="Le chantier en mai"' in page


def test_bad_photos_are_refused_with_a_reason(component, agent, citizen, client_for):
    project = _funded(component)
    with pytest.raises(ValidationFailed, match="not a photo"):
        services.project_photo_add(
            project=project,
            by=agent,
            upload=SimpleUploadedFile("x.jpg", b"%PDF-1.4 not an image"),
            alt_text="x",
        )
    with pytest.raises(ValidationFailed, match="Describe the photo"):
        services.project_photo_add(
            project=project, by=agent, upload=SimpleUploadedFile("x.jpg", _jpeg_with_gps()), alt_text=" "
        )
    with pytest.raises(PermissionDenied):
        services.project_photo_add(
            project=project, by=citizen, upload=SimpleUploadedFile("x.jpg", _jpeg_with_gps()), alt_text="x"
        )
    not_funded = Project.objects.filter(budget__component=component, status="feasible").first()
    with pytest.raises(Conflict):
        services.project_photo_add(
            project=not_funded, by=agent, upload=SimpleUploadedFile("x.jpg", _jpeg_with_gps()), alt_text="x"
        )
    response = client_for(agent).post(
        _url(component, "follow_up", project),
        {"kind": "photo", "alt_text": "x", "file": SimpleUploadedFile("x.jpg", b"not an image")},
    )
    assert response.status_code == 302
    assert not ProjectPhoto.objects.filter(project=project, alt_text="x").exists()


def test_citizens_follow_and_unfollow_a_project(component, citizen, client_for):
    project = _funded(component)
    client = client_for(citizen)
    assert "Follow this project" in client.get(_url(component, "project", project)).content.decode()
    client.post(_url(component, "follow", project), {"follow": "1"})
    assert is_following(user=citizen, target=project)
    assert "Stop following this project" in client.get(_url(component, "project", project)).content.decode()
    client.post(_url(component, "follow", project), {"follow": "0"})
    assert not is_following(user=citizen, target=project)
    anonymous = client_for().post(_url(component, "follow", project), {"follow": "1"})
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]


def test_followers_are_emailed_the_news_of_a_project(
    component, citizen, agent, settings, django_capture_on_commit_callbacks
):
    """Progress, a milestone reached and money spent reach the people who follow the project, in French."""
    import email as email_lib
    from datetime import date
    from decimal import Decimal

    from django.core import mail

    settings.EMAIL_BACKEND = "parlons.notifications.email_backend.QueuedEmailBackend"
    settings.PARLONS_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    project = _funded(component)
    services.project_follow(project=project, by=citizen)
    milestone = services.milestone_add(project=project, by=agent, title="Plantation des arbres")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.project_progress(project=project, by=agent, progress=60, milestone_done=milestone)
        services.spending_record(
            project=project, by=agent, amount=Decimal("1250.00"), on=date(2026, 3, 2), supplier="Pépinière"
        )

    def text(message):
        mime = email_lib.message_from_bytes(message._raw)
        part = next(p for p in mime.walk() if p.get_content_type() == "text/plain")
        return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")

    sent = [(m.to, text(m)) for m in mail.outbox]
    assert [to for to, _ in sent] == [[citizen.email], [citizen.email]]
    progress, spending = (body for _, body in sent)
    assert "Plantation des arbres" in progress and "60" in progress
    assert "Pépinière" in spending and "1250" in spending.replace("\u202f", "").replace(" ", "")
    assert f"/projects/{project.public_id}/" in progress
    # Someone who stopped following hears nothing more.
    services.project_follow(project=project, by=citizen, follow=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.project_progress(project=project, by=agent, progress=100)
    assert mail.outbox == []
