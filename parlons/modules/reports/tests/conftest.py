"""Fixtures of the reports tests: a published reports component in a town with two districts."""

from __future__ import annotations

import io

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.utils import timezone
from PIL import Image, TiffImagePlugin

from parlons.core.models import Area
from parlons.core.tests.factories import ComponentFactory, PhaseFactory, ProcessFactory, ServiceFactory
from parlons.modules.reports.models import AnswerTemplate, Category

# Two districts side by side: "nord" 48.005–48.01, "sud" 48.0–48.005 (longitudes 2.0–2.01).
NORD = (2.005, 48.0075)
SUD = (2.005, 48.0025)
OUTSIDE = (2.2, 48.2)


def square(west, south, east, north):
    return MultiPolygon(
        Polygon(((west, south), (east, south), (east, north), (west, north), (west, south))), srid=4326
    )


@pytest.fixture(autouse=True)
def _media_and_mail(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # E-mail really goes through the queue (huey runs tasks inline in tests) to the locmem outbox.
    settings.EMAIL_BACKEND = "parlons.notifications.email_backend.QueuedEmailBackend"
    settings.PARLONS_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def districts(org):
    return {
        "nord": Area.objects.create(
            organisation=org, slug="nord", name="Nord", geometry=square(2.0, 48.005, 2.01, 48.01)
        ),
        "sud": Area.objects.create(
            organisation=org, slug="sud", name="Sud", geometry=square(2.0, 48.0, 2.01, 48.005)
        ),
    }


@pytest.fixture
def voirie(org, agent):
    """The agent's service, called Voirie."""
    service = agent.memberships.get(organisation=org).service
    service.name, service.email = "Voirie", "voirie@mairie.example"
    service.save()
    return service


@pytest.fixture
def pothole(org, voirie):
    return Category.objects.create(
        organisation=org,
        slug="nid-de-poule",
        name="Nid-de-poule",
        service=voirie,
        sla_hours=48,
        keywords="trou, nid de poule, chaussée",
    )


@pytest.fixture
def streetlight(org):
    service = ServiceFactory(organisation=org, name="Éclairage public", email="eclairage@mairie.example")
    return Category.objects.create(
        organisation=org,
        slug="lampadaire",
        name="Lampadaire",
        service=service,
        keywords="lampadaire, éclairage",
    )


@pytest.fixture
def template(org, voirie):
    return AnswerTemplate.objects.create(
        organisation=org, service=voirie, title="Réparé", body="Le trou a été rebouché.", status="fixed"
    )


@pytest.fixture
def component(org, districts, pothole, streetlight):
    process = ProcessFactory(organisation=org, slug="signalements", title="Signaler un problème")
    PhaseFactory(process=process, is_current=True)
    return ComponentFactory(
        process=process, module_key="reports", name="Signalements", published_at=timezone.now()
    )


def jpeg(colour="red", size=(1200, 900), gps=None, fmt="JPEG"):
    """An image; with ``gps=(lon, lat)`` it carries the position in its EXIF, like a phone's photo."""
    image = Image.new("RGB", size, colour)
    buffer = io.BytesIO()
    kwargs = {}
    if gps:
        R = TiffImagePlugin.IFDRational
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"

        def dms(value):
            degrees = int(value)
            minutes_full = (value - degrees) * 60
            minutes = int(minutes_full)
            return (R(degrees), R(minutes), R(round((minutes_full - minutes) * 60 * 1000), 1000))

        exif[0x8825] = {1: "N", 2: dms(gps[1]), 3: "E", 4: dms(gps[0])}
        kwargs["exif"] = exif
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


def mail_text(message):
    """The text of an e-mail as sent through the queue (the raw MIME message is carried unchanged)."""
    import email
    from email import policy

    mime = email.message_from_bytes(message.message().as_bytes(), policy=policy.default)
    part = next(p for p in mime.walk() if p.get_content_type() == "text/plain")
    return (
        str(mime["Subject"])
        + "\n"
        + part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    )
