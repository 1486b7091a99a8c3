"""Reads of core data, always scoped to one organisation."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, QuerySet

from parlons.accounts.models import Membership
from parlons.common.errors import NotFound
from parlons.core import permissions
from parlons.core.models import Area, Component, DecisionEvent, Organisation, Phase, Process, Service, Topic


def membership_get(*, user: Any, organisation: Organisation) -> Membership | None:
    return permissions.membership_of(user, organisation)


def process_list(
    *, organisation: Organisation, user: Any = None, include_unpublished: bool = False
) -> QuerySet[Process]:
    """Processes the user may see, with phases and published components prefetched (no N+1)."""
    qs = (
        Process.objects.for_organisation(organisation)
        .select_related("area", "organisation")
        .prefetch_related(
            "phases",
            "topics",
            Prefetch("components", queryset=Component.objects.filter(published_at__isnull=False)),
        )
    )
    if include_unpublished and user is not None and permissions.is_staff(user, organisation):
        return qs
    visible = qs.filter(visibility=Process.Visibility.PUBLIC)
    membership = permissions.membership_of(user, organisation)
    if membership is None:
        return visible
    if membership.role in ("admin", "moderator"):
        return qs.exclude(visibility=Process.Visibility.DRAFT) | visible
    pilot = qs.filter(visibility=Process.Visibility.PILOT)
    from django.db.models import Q

    pilot_q = Q(pilot_users=user)
    if membership.service_id:
        pilot_q |= Q(pilot_service_id=membership.service_id)
    return (visible | pilot.filter(pilot_q)).distinct()


def access_process(*, organisation: Organisation, user: Any, slug: str) -> Process:
    process = (
        process_list(organisation=organisation, user=user, include_unpublished=True).filter(slug=slug).first()
    )
    if process is None or not (
        permissions.can_view_process(user, process) or permissions.is_staff(user, organisation)
    ):
        raise NotFound("process")
    return process


def process_search(
    *,
    organisation: Organisation,
    user: Any,
    area_slug: str | None = None,
    topic_slug: str | None = None,
    current_only: bool = False,
) -> QuerySet[Process]:
    """The processes ``access_process`` would let the user open (staff also see drafts and pilots),
    optionally only those of one district or topic, or only those with a phase open today."""
    from django.db.models import Q
    from django.utils import timezone

    qs = process_list(organisation=organisation, user=user, include_unpublished=True)
    if area_slug:
        qs = qs.filter(area__slug=area_slug)
    if topic_slug:
        qs = qs.filter(topics__slug=topic_slug)
    if current_only:
        today = timezone.localdate()
        qs = qs.filter(
            Q(phases__is_current=True) | Q(phases__start_date__lte=today, phases__end_date__gte=today)
        )
    return qs.distinct() if topic_slug or current_only else qs


def access_component_by_id(*, organisation: Organisation, user: Any, component_id: int) -> Component:
    """The component with this id in the organisation, if the user may see it (else NotFound)."""
    slug = (
        Component.objects.for_organisation(organisation)
        .filter(pk=component_id)
        .values_list("process__slug", flat=True)
        .first()
    )
    if slug is None:
        raise NotFound("component")
    return access_component(
        organisation=organisation, user=user, process_slug=slug, component_id=component_id
    )


def component_list(*, process: Process, include_unpublished: bool = False) -> QuerySet[Component]:
    qs = Component.objects.filter(process=process)
    if not include_unpublished:
        qs = qs.filter(published_at__isnull=False)
    return qs


def access_component(
    *, organisation: Organisation, user: Any, process_slug: str, component_id: int
) -> Component:
    process = access_process(organisation=organisation, user=user, slug=process_slug)
    staff = permissions.is_staff(user, organisation)
    component = component_list(process=process, include_unpublished=staff).filter(pk=component_id).first()
    if component is None:
        raise NotFound("component")
    component.process = process
    return component


def phase_list(*, process: Process) -> QuerySet[Phase]:
    return Phase.objects.filter(process=process)


def area_list(*, organisation: Organisation) -> QuerySet[Area]:
    return Area.objects.for_organisation(organisation)


def topic_list(*, organisation: Organisation) -> QuerySet[Topic]:
    return Topic.objects.for_organisation(organisation)


def service_list(*, organisation: Organisation) -> QuerySet[Service]:
    return Service.objects.for_organisation(organisation)


def decision_trail(
    *, organisation: Organisation, subject: Any, include_private: bool = False
) -> QuerySet[DecisionEvent]:
    qs = (
        DecisionEvent.objects.for_organisation(organisation)
        .filter(content_type=ContentType.objects.get_for_model(subject), object_id=str(subject.pk))
        .select_related("author")
        .prefetch_related("documents")
    )
    if not include_private:
        qs = qs.filter(is_public=True)
    return qs
