"""The reports loop through its services: submit, route, handle, answer, notify, ask, reopen."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from parlons.common.errors import Conflict, PermissionDenied, ValidationFailed
from parlons.core.models import DecisionEvent
from parlons.modules.reports import selectors, services
from parlons.modules.reports.models import (
    CategoryRoute,
    Report,
    ReportFollower,
    ReportPhoto,
    SatisfactionSurvey,
    Status,
)
from parlons.modules.reports.tests.conftest import NORD, OUTSIDE, SUD, jpeg, mail_text, upload

pytestmark = pytest.mark.django_db


def submit(component, by, category, lonlat=SUD, **kwargs):
    kwargs.setdefault("description", "Un gros trou dans la chaussée.")
    lon, lat = lonlat if lonlat else (None, None)
    return services.report_submit(
        component=component, by=by, category_id=category.pk, lon=lon, lat=lat, **kwargs
    )


def _follow_token(message):
    """The signed token of the link in a "me too" confirmation e-mail."""
    link = next(word for word in mail_text(message).split() if "/follow/" in word)
    return link.rstrip("/").rsplit("/", 1)[1]


def test_anonymous_me_too_waits_for_the_address_owner(
    component, citizen, pothole, mailoutbox, django_capture_on_commit_callbacks
):
    """Nobody can subscribe a third party: the address follows only once its owner opens the signed link."""
    report = submit(component, citizen, pothole)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert not services.report_follow(report=report, by=AnonymousUser(), email="Victime@Exemple.fr")
    assert not ReportFollower.objects.filter(report=report).exists()
    report.refresh_from_db()
    assert report.followers_count == 0
    (message,) = mailoutbox
    assert message.to == ["victime@exemple.fr"]
    token = _follow_token(message)
    other = submit(component, citizen, pothole)
    for bad in (token[:-2] + "xx", token.replace(":", "", 1)):
        with pytest.raises(ValidationFailed):
            services.report_follow_confirm(report=report, token=bad)
    with pytest.raises(ValidationFailed):
        services.report_follow_confirm(report=other, token=token)  # a link for another report
    assert services.report_follow_confirm(report=report, token=token)
    assert not services.report_follow_confirm(report=report, token=token)
    report.refresh_from_db()
    assert report.followers_count == 1
    assert list(ReportFollower.objects.filter(report=report).values_list("email", flat=True)) == [
        "victime@exemple.fr"
    ]
    with time_machine_days(8), pytest.raises(ValidationFailed):
        services.report_follow_confirm(report=report, token=token)


def time_machine_days(days):
    from unittest import mock

    later = timezone.now() + timedelta(days=days)
    return mock.patch("django.core.signing.time.time", return_value=later.timestamp())


def trail(report):
    return list(DecisionEvent.objects.filter(object_id=str(report.pk)).order_by("created_at", "id"))


def test_the_whole_loop(
    component, citizen, agent, pothole, voirie, template, mailoutbox, django_capture_on_commit_callbacks
):
    """citizen → routing → agent → answer → notification → satisfaction → reopen."""
    with django_capture_on_commit_callbacks(execute=True):
        report = submit(component, citizen, pothole, lonlat=None, photo_files=[upload(jpeg(gps=SUD))])
    assert (report.lon, report.lat) == pytest.approx(SUD, abs=1e-5)
    assert report.area.slug == "sud" and report.service == voirie and report.status == Status.RECEIVED
    assert report.due_at == pytest.approx(report.created_at + timedelta(hours=48), abs=timedelta(seconds=5))
    recipients = sorted(m.to[0] for m in mailoutbox)
    assert recipients == sorted([citizen.email, "voirie@mairie.example"])
    mailoutbox.clear()

    # A neighbour says "me too".
    neighbour = AnonymousUser()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_follow(report=report, by=neighbour, email="voisine@exemple.fr")
    assert services.report_follow_confirm(report=report, token=_follow_token(mailoutbox[-1]))
    assert not services.report_follow(report=report, by=neighbour, email="VOISINE@exemple.fr")
    report.refresh_from_db()
    assert report.followers_count == 1
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.report_acknowledge(report=report, by=agent)
    assert {m.to[0] for m in mailoutbox} == {citizen.email, "voisine@exemple.fr"}
    assert all(agent.email not in m.to for m in mailoutbox)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.report_answer(
            report=report, by=agent, template_id=template.pk, photo_files=[upload(jpeg("green"), "apres.jpg")]
        )
    report.refresh_from_db()
    assert report.status == Status.FIXED and report.fixed_at is not None
    assert report.photos.filter(kind="after").count() == 1
    answer = DecisionEvent.objects.filter(object_id=str(report.pk), kind="answer").get()
    assert answer.body == "Le trou a été rebouché." and answer.to_status == "fixed" and answer.author == agent
    assert "Le trou a été rebouché." in mail_text(mailoutbox[0])
    mailoutbox.clear()

    # Four weeks later (the default delay) the reporter is asked.
    survey = SatisfactionSurvey.objects.get(report=report)
    assert survey.email == citizen.email
    with django_capture_on_commit_callbacks(execute=True):
        assert services.satisfaction_send_due(now=timezone.now() + timedelta(days=27)) == 0
        assert services.satisfaction_send_due(now=timezone.now() + timedelta(days=29)) == 1
        assert services.satisfaction_send_due(now=timezone.now() + timedelta(days=30)) == 0
    assert [m.to for m in mailoutbox] == [[citizen.email]]
    assert f"/satisfaction/{survey.token}/" in mail_text(mailoutbox[0])
    mailoutbox.clear()

    survey.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_satisfaction_answer(
            survey=survey, answer="no", rating=2, comment="Le trou est revenu."
        )
    report.refresh_from_db()
    assert report.status == Status.RECEIVED and report.reopened_count == 1 and report.fixed_at is None
    assert "voirie@mairie.example" in {m.to[0] for m in mailoutbox}, "the reopening reaches the service"
    statuses = [e.to_status for e in trail(report) if e.kind == "status" and e.from_status != e.to_status]
    assert statuses == ["received", "acknowledged", "received"]
    assert trail(report)[0].to_status == "received"
    with pytest.raises(Conflict):
        services.report_satisfaction_answer(survey=survey, answer="yes")
    stats = selectors.report_stats(component=component)
    assert stats["reopened"] == 1 and stats["open"] == 1 and stats["satisfaction_avg"] == 2


def test_satisfaction_yes_keeps_it_fixed(component, citizen, agent, pothole):
    report = submit(component, citizen, pothole)
    services.report_set_status(report=report, by=agent, status="fixed")
    survey = SatisfactionSurvey.objects.get(report=report)
    services.report_satisfaction_answer(survey=survey, answer="yes", rating=5)
    report.refresh_from_db()
    assert report.status == Status.FIXED and report.reopened_count == 0


def test_survey_delay_follows_component_settings(component, citizen, agent, pothole):
    component.settings = {"satisfaction_delay_days": 7}
    component.save()
    report = submit(component, citizen, pothole)
    services.report_set_status(report=report, by=agent, status="fixed")
    survey = SatisfactionSurvey.objects.get(report=report)
    assert survey.due_at - report.fixed_at == timedelta(days=7)


def test_routing_by_district_polygon(component, citizen, pothole, districts, org):
    from parlons.core.tests.factories import ServiceFactory

    nord_roads = ServiceFactory(organisation=org, name="Voirie Nord")
    CategoryRoute.objects.create(category=pothole, area=districts["nord"], service=nord_roads)
    north = submit(component, citizen, pothole, lonlat=NORD)
    south = submit(component, citizen, pothole, lonlat=SUD)
    assert (north.area.slug, north.service) == ("nord", nord_roads)
    assert (south.area.slug, south.service) == ("sud", pothole.service)


def test_outside_every_district_is_refused_with_the_town_name(component, citizen, pothole, org):
    with pytest.raises(ValidationFailed) as error:
        submit(component, citizen, pothole, lonlat=OUTSIDE)
    assert error.value.code == "outside_area" and error.value.field == "location"
    assert "Valmont" in str(error.value)
    assert Report.objects.count() == 0


def test_unknown_or_foreign_category_is_refused(component, citizen, other_org):
    from parlons.modules.reports.tests.factories import CategoryFactory

    foreign = CategoryFactory(organisation=other_org)
    for category_id in (foreign.pk, 999999, "abc", None):
        with pytest.raises(ValidationFailed) as error:
            services.report_submit(
                component=component,
                by=citizen,
                category_id=category_id,
                description="Un trou.",
                lon=SUD[0],
                lat=SUD[1],
            )
        assert error.value.field == "category"


def test_position_from_address_through_the_geocoder(component, citizen, pothole):
    from parlons.geo.geocoding import get_geocoder

    get_geocoder().register("Rue du Test, 99999 Valmont", *SUD)
    report = submit(component, citizen, pothole, lonlat=None, address="rue du test valmont")
    assert (report.lon, report.lat) == SUD
    with pytest.raises(ValidationFailed) as error:
        submit(component, citizen, pothole, lonlat=None, address="Nulle part inconnue")
    assert error.value.field == "address"
    with pytest.raises(ValidationFailed) as error:
        submit(component, citizen, pothole, lonlat=None)
    assert error.value.code == "position_required"


def test_exif_position_is_used_then_removed(component, citizen, pothole):
    report = submit(
        component, citizen, pothole, lonlat=None, photo_files=[upload(jpeg(size=(3000, 2000), gps=NORD))]
    )
    assert (report.lon, report.lat) == pytest.approx(NORD, abs=1e-5)
    assert report.area.slug == "nord"
    photo = report.photos.get()
    with default_storage.open(photo.file.name, "rb") as handle:
        stored = handle.read()
    image = Image.open(io.BytesIO(stored))
    assert dict(image.getexif()) == {}, "no EXIF at all (no GPS, no camera)"
    assert b"PhoneMaker" not in stored
    assert max(image.size) == 1600 and (photo.width, photo.height) == image.size


def test_identical_photos_are_stored_once(component, citizen, pothole):
    data = jpeg("blue")
    first = submit(component, citizen, pothole, photo_files=[upload(data, "a.jpg"), upload(data, "b.jpg")])
    second = submit(component, citizen, pothole, lonlat=NORD, photo_files=[upload(data, "c.jpg")])
    assert first.photos.count() == 1, "the same photo twice in a report is kept once"
    a, b = first.photos.get(), second.photos.get()
    assert a.content_hash == b.content_hash and a.file.name == b.file.name
    assert a.file.name.endswith(f"{a.content_hash}.jpg")
    folder = default_storage.path(a.file.name).rsplit("/", 1)[0]
    import os

    assert os.listdir(folder) == [f"{a.content_hash}.jpg"]


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"%PDF-1.4 this is not an image", "photo.jpg", "not_an_image"),
        (b"\xff\xd8\xff\xe0 truncated jpeg", "photo.jpg", "not_an_image"),
        (b"x" * (10 * 1024 * 1024 + 1), "big.jpg", "too_big"),
    ],
)
def test_bad_uploads_store_nothing(component, citizen, pothole, data, name, code, settings):
    good = upload(jpeg("yellow"), "good.jpg")
    with pytest.raises(ValidationFailed) as error:
        submit(component, citizen, pothole, photo_files=[good, upload(data, name)])
    assert error.value.code == code and error.value.field == "photos"
    assert Report.objects.count() == 0 and ReportPhoto.objects.count() == 0
    import os

    assert not os.path.exists(settings.MEDIA_ROOT / "reports")


def test_too_many_photos(component, citizen, pothole):
    component.settings = {"max_photos": 2}
    component.save()
    with pytest.raises(ValidationFailed) as error:
        submit(component, citizen, pothole, photo_files=[upload(jpeg(c)) for c in ("red", "green", "blue")])
    assert error.value.code == "too_many_photos"


def test_double_submit_is_idempotent(
    component, citizen, pothole, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(component, citizen, pothole, idempotency_key="tap-123")
        second = submit(component, citizen, pothole, idempotency_key="tap-123")
    assert first.pk == second.pk and Report.objects.count() == 1
    assert len([m for m in mailoutbox if m.to == [citizen.email]]) == 1
    other = submit(component, citizen, pothole, idempotency_key="tap-456")
    assert other.pk != first.pk


def test_anonymous_reports_need_a_contact_and_the_setting(component, pothole):
    anonymous = AnonymousUser()
    with pytest.raises(ValidationFailed) as error:
        submit(component, anonymous, pothole)
    assert error.value.field == "contact_email"
    report = submit(component, anonymous, pothole, contact_email="habitant@exemple.fr")
    assert (
        report.is_anonymous and report.reporter is None and report.reporter_email() == "habitant@exemple.fr"
    )
    assert report.public_author != "habitant@exemple.fr"
    component.settings = {"allow_anonymous": False}
    component.save()
    with pytest.raises(PermissionDenied):
        submit(component, anonymous, pothole, contact_email="habitant@exemple.fr")


def test_duplicates_nearby_same_category_within_radius(component, citizen, pothole, streetlight):
    base = submit(component, citizen, pothole, lonlat=(2.005, 48.0025))
    submit(component, citizen, streetlight, lonlat=(2.005, 48.0025))
    far = submit(component, citizen, pothole, lonlat=(2.005, 48.0025 + 80 / 111_320))
    near = selectors.nearby_open_reports(
        component=component, category_id=pothole.pk, lon=2.005, lat=48.0025 - 30 / 111_320, radius_m=50
    )
    assert [r.pk for r, _d in near] == [base.pk]
    assert near[0][1] == pytest.approx(30, abs=1)
    wide = selectors.nearby_open_reports(
        component=component, category_id=pothole.pk, lon=2.005, lat=48.0025, radius_m=100
    )
    assert {r.pk for r, _d in wide} == {base.pk, far.pk}


def test_fixed_or_private_reports_are_not_duplicates(component, citizen, agent, pothole):
    report = submit(component, citizen, pothole)
    services.report_set_status(report=report, by=agent, status="fixed")
    hidden = submit(component, citizen, pothole)
    services.report_mark_private(report=hidden, by=agent)
    assert (
        selectors.nearby_open_reports(
            component=component, category_id=pothole.pk, lon=SUD[0], lat=SUD[1], radius_m=50
        )
        == []
    )


def test_merge_moves_followers_and_counts(
    component, citizen, agent, pothole, mailoutbox, django_capture_on_commit_callbacks
):
    from parlons.core.tests.factories import UserFactory

    original = submit(component, citizen, pothole)
    other_citizen = UserFactory()
    duplicate = submit(component, other_citizen, pothole)
    follower = UserFactory()
    services.report_follow(report=duplicate, by=follower)
    services.report_follow(report=original, by=follower)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_follow(report=duplicate, by=AnonymousUser(), email="voisin@exemple.fr")
    services.report_follow_confirm(report=duplicate, token=_follow_token(mailoutbox.pop()))
    with django_capture_on_commit_callbacks(execute=True):
        services.report_merge(report=duplicate, into=original, by=agent)
    duplicate.refresh_from_db()
    original.refresh_from_db()
    assert duplicate.status == Status.CLOSED and duplicate.close_reason == "duplicate"
    assert duplicate.duplicate_of == original and duplicate.followers_count == 0
    assert original.followers_count == 3  # follower (once), the neighbour, and the duplicate's reporter
    assert set(ReportFollower.objects.filter(report=original).values_list("user_id", flat=True)) >= {
        follower.pk,
        other_citizen.pk,
    }
    assert {m.to[0] for m in mailoutbox} == {other_citizen.email, follower.email, "voisin@exemple.fr"}
    with pytest.raises(ValidationFailed):
        services.report_merge(report=original, into=duplicate, by=agent)  # resolves to itself


def test_merge_needs_to_handle_the_target_too(component, org, citizen, agent, pothole, voirie):
    """An agent of another service cannot fold their report into one their service does not handle."""
    from parlons.accounts.models import Role
    from parlons.core.tests.factories import MembershipFactory, ServiceFactory

    other_service = ServiceFactory(organisation=org)
    other_agent = MembershipFactory(organisation=org, role=Role.AGENT, service=other_service).user
    target = submit(component, citizen, pothole)
    assert target.service == voirie
    source = submit(component, citizen, pothole)
    Report.objects.filter(pk=source.pk).update(service=other_service)
    source.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.report_merge(report=source, into=target, by=other_agent)
    source.refresh_from_db()
    assert source.duplicate_of_id is None and source.status != Status.CLOSED


def test_closing_needs_a_reason(component, citizen, agent, pothole):
    report = submit(component, citizen, pothole)
    with pytest.raises(ValidationFailed) as error:
        services.report_set_status(report=report, by=agent, status="closed")
    assert error.value.field == "close_reason"
    services.report_set_status(
        report=report, by=agent, status="closed", close_reason="not_responsible", body="Route départementale."
    )
    report.refresh_from_db()
    assert report.status == "closed" and report.close_reason == "not_responsible"


def test_only_the_service_in_charge_acts(component, citizen, pothole, streetlight, org, admin_user):
    from parlons.accounts.models import Role
    from parlons.core.tests.factories import MembershipFactory, ServiceFactory

    other_agent = MembershipFactory(
        organisation=org, role=Role.AGENT, service=ServiceFactory(organisation=org)
    ).user
    report = submit(component, citizen, pothole)
    for intruder in (citizen, other_agent):
        with pytest.raises(PermissionDenied):
            services.report_acknowledge(report=report, by=intruder)
    services.report_assign(report=report, by=admin_user, agent_id=other_agent.pk)
    report.refresh_from_db()
    services.report_acknowledge(report=report, by=other_agent)  # assigned to them now
    # The assignment is internal: not in the public trail.
    public = selectors.report_list(component=component)
    assert public.count() == 1
    events = DecisionEvent.objects.filter(object_id=str(report.pk))
    assert events.filter(is_public=False).count() == 1


def test_reroute_changes_service_and_tells_everyone(
    component, citizen, agent, pothole, streetlight, mailoutbox, django_capture_on_commit_callbacks
):
    report = submit(component, citizen, pothole)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_reroute(report=report, by=agent, category_id=streetlight.pk)
    report.refresh_from_db()
    assert report.category == streetlight and report.service == streetlight.service
    assert {m.to[0] for m in mailoutbox} == {citizen.email, "eclairage@mairie.example"}


def test_external_body_receives_the_report(
    component, citizen, pothole, mailoutbox, django_capture_on_commit_callbacks
):
    pothole.external_email, pothole.external_name = "routes@departement.example", "Département"
    pothole.save()
    with django_capture_on_commit_callbacks(execute=True):
        report = submit(component, citizen, pothole)
    assert "routes@departement.example" in {m.to[0] for m in mailoutbox}
    assert report.external_sent_at is not None


def test_private_reports_are_hidden_from_the_public(component, citizen, agent, pothole):
    report = submit(component, citizen, pothole)
    services.report_mark_private(report=report, by=agent, reason="Plaque d'immatriculation visible")
    assert not selectors.report_list(component=component, user=AnonymousUser()).exists()
    assert selectors.report_list(component=component, user=citizen).exists(), "the reporter still sees it"
    assert selectors.access_report(component=component, user=agent, public_id=report.public_id)
    from parlons.common.errors import NotFound

    with pytest.raises(NotFound):
        selectors.access_report(component=component, user=AnonymousUser(), public_id=report.public_id)


def test_moderator_blurs_and_the_clear_photo_is_deleted(component, citizen, moderator, agent, pothole):
    noise = Image.effect_noise((800, 600), 60).convert("RGB")
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    report = submit(
        component, citizen, pothole, photo_files=[upload(buffer.getvalue(), "bruit.png", "image/png")]
    )
    photo = report.photos.get()
    clear_name = photo.file.name
    with pytest.raises(PermissionDenied):
        services.photo_blur(photo=photo, by=agent, rectangles=[(0.1, 0.1, 0.3, 0.3)])
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        services.photo_blur(photo=photo, by=moderator, rectangles=[(0.1, 0.1, 0.3, 0.3)])
    photo.refresh_from_db()
    assert photo.is_blurred and photo.file.name != clear_name
    assert not default_storage.exists(clear_name)


def test_stats_are_numbers(component, citizen, agent, pothole):
    report = submit(component, citizen, pothole)
    Report.objects.filter(pk=report.pk).update(due_at=timezone.now() - timedelta(hours=1))
    stats = selectors.report_stats(component=component)
    assert stats["open"] == 1 and stats["overdue"] == 1 and stats["fixed"] == 0
