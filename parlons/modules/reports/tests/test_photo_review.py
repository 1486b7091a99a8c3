"""Photos held for review: the reporter and the staff see them at once, the public once published."""

from __future__ import annotations

import pytest

from parlons.common.errors import PermissionDenied
from parlons.modules.reports import selectors, services
from parlons.modules.reports.tests.conftest import SUD, jpeg, upload
from parlons.modules.reports.tests.factories import reports_component

pytestmark = pytest.mark.django_db


def submit(component, citizen, pothole):
    return services.report_submit(
        component=component,
        by=citizen,
        category_id=pothole.pk,
        description="Dépôt sauvage devant chez moi.",
        lon=SUD[0],
        lat=SUD[1],
        photo_files=[upload(jpeg("green"))],
    )


def test_new_photos_wait_for_review(component, citizen, agent, moderator, pothole, client_for, other_org):
    report = submit(component, citizen, pothole)
    photo = report.photos.get()
    assert not photo.is_published
    url = photo.url
    assert url not in client_for().get(report.get_absolute_url()).content.decode()
    assert url in client_for(citizen).get(report.get_absolute_url()).content.decode()
    staff_page = client_for(agent).get(report.get_absolute_url()).content.decode()
    assert url in staff_page and "Publish photo 1" in staff_page
    listing = client_for().get(report.get_absolute_url().rsplit("/", 2)[0] + "/").content.decode()
    assert url not in listing
    with pytest.raises(PermissionDenied):
        services.photo_publish(photo=photo, by=citizen)
    # The moderator may blur it first, then an agent publishes it.
    services.photo_blur(photo=photo, by=moderator, rectangles=[(0.1, 0.1, 0.3, 0.3)])
    photo.refresh_from_db()
    services.photo_publish(photo=photo, by=agent)
    photo.refresh_from_db()
    assert photo.is_published and photo.is_blurred
    assert photo.url in client_for().get(report.get_absolute_url()).content.decode()
    assert [p.pk for p in selectors.visible_photos(report=report, user=None)] == [photo.pk]


def test_publish_through_the_manage_page(component, citizen, agent, pothole, client_for):
    report = submit(component, citizen, pothole)
    photo = report.photos.get()
    manage = report.get_absolute_url() + "manage/publish_photo/"
    assert client_for(citizen).post(manage, {"photo": photo.pk}).status_code == 404
    client_for(agent).post(manage, {"photo": photo.pk})
    photo.refresh_from_db()
    assert photo.is_published


def test_without_review_photos_are_public_at_once(org, citizen, pothole, districts):
    component = reports_component(org, photos_reviewed=False)
    component.published_at = component.process.created_at
    component.save()
    report = submit(component, citizen, pothole)
    assert report.photos.get().is_published


def test_emails_in_each_recipients_language(
    component, citizen, agent, pothole, mailoutbox, django_capture_on_commit_callbacks
):
    """The reporter chose French; the service's address has no account: the organisation's default."""
    from parlons.modules.reports.tests.conftest import mail_text

    citizen.language = "fr"
    citizen.save(update_fields=["language"])
    component.process.organisation.default_language = "en"
    component.process.organisation.save(update_fields=["default_language"])
    with django_capture_on_commit_callbacks(execute=True):
        submit(component, citizen, pothole)
    by_recipient = {m.to[0]: mail_text(m) for m in mailoutbox}
    assert "a bien été reçu" in by_recipient[citizen.email]
    assert by_recipient["voirie@mairie.example"].startswith("New report")
    assert "Nouveau signalement" not in by_recipient["voirie@mairie.example"]


def test_photos_are_served_only_to_who_may_see_them(component, citizen, agent, pothole, client_for):
    """Held photos and private reports' photos: 404 to the public, 200 to the staff (and the reporter);
    public photos are cached for good under their content hash; /media/ does not serve report photos."""
    held = submit(component, citizen, pothole).photos.get()
    private_report = submit(component, citizen, pothole)
    private = private_report.photos.get()
    services.photo_publish(photo=private, by=agent)
    private_report.is_private = True
    private_report.save(update_fields=["is_private"])
    private.refresh_from_db()
    for photo in (held, private):
        assert photo.content_hash in photo.url and "/media/" not in photo.url
        assert client_for().get(photo.url).status_code == 404
        answer = client_for(agent).get(photo.url)
        assert answer.status_code == 200 and answer["Content-Type"] == "image/jpeg"
        assert "no-store" in answer["Cache-Control"]
        assert client_for(citizen).get(photo.url).status_code == 200
        assert client_for().get(photo.file.url).status_code == 404, "not by its file's address either"
    services.photo_publish(photo=held, by=agent)
    held.refresh_from_db()
    public = client_for().get(held.url)
    assert public.status_code == 200 and b"".join(public.streaming_content)[:2] == b"\xff\xd8"
    assert "immutable" in public["Cache-Control"] and "public" in public["Cache-Control"]
    wrong = held.url.replace(held.content_hash, "0" * 64)
    assert client_for(agent).get(wrong).status_code == 404
