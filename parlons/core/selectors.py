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


def process_list(*, organisation: Organisation, user: Any = None, include_unpublished: bool = False) -> QuerySet[Process]:
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
    process = process_list(organisation=organisation, user=user, include_unpublished=True).filter(slug=slug).first()
    if process is None or not (
        permissions.can_view_process(user, process) or permissions.is_staff(user, organisation)
    ):
        raise NotFound("process")
    return process


def component_list(*, process: Process, include_unpublished: bool = False) -> QuerySet[Component]:
    qs = Component.objects.filter(process=process)
    if not include_unpublished:
        qs = qs.filter(published_at__isnull=False)
    return qs


def access_component(*, organisation: Organisation, user: Any, process_slug: str, component_id: int) -> Component:
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


def decision_trail(*, organisation: Organisation, subject: Any, include_private: bool = False) -> QuerySet[DecisionEvent]:
    qs = (
        DecisionEvent.objects.for_organisation(organisation)
        .filter(content_type=ContentType.objects.get_for_model(subject), object_id=str(subject.pk))
        .select_related("author")
        .prefetch_related("documents")
    )
    if not include_private:
        qs = qs.filter(is_public=True)
    return qs
