"""Back-office reads. Every query starts from the organisation, so another town's ids raise NotFound (404)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from parlons.accounts.models import CensusEntry, CensusImport, Membership, Role
from parlons.common.errors import NotFound
from parlons.core import registry
from parlons.core.models import Area, Component, Organisation, Phase, Process, Service, Topic


def process_list(*, organisation: Organisation) -> QuerySet[Process]:
    """Every process of the organisation, whatever its visibility, with counts (a constant number of queries)."""
    return (
        Process.objects.for_organisation(organisation)
        .select_related("area", "pilot_service")
        .annotate(
            phase_count=Count("phases", distinct=True),
            component_count=Count("components", distinct=True),
            published_component_count=Count(
                "components", filter=Q(components__published_at__isnull=False), distinct=True
            ),
        )
    )


def process_get(*, organisation: Organisation, process_id: int) -> Process:
    process = (
        Process.objects.for_organisation(organisation)
        .select_related("area", "pilot_service", "organisation")
        .prefetch_related("topics", "pilot_users")
        .filter(pk=process_id)
        .first()
    )
    if process is None:
        raise NotFound("not found")
    return process


def phase_get(*, process: Process, phase_id: int) -> Phase:
    phase = Phase.objects.filter(process=process, pk=phase_id).first()
    if phase is None:
        raise NotFound("not found")
    phase.process = process
    return phase


def component_get(*, process: Process, component_id: int) -> Component:
    component = Component.objects.filter(process=process, pk=component_id).first()
    if component is None:
        raise NotFound("not found")
    component.process = process
    return component


def _get(queryset: QuerySet[Any], pk: int) -> Any:
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotFound("not found")
    return obj


def area_get(*, organisation: Organisation, area_id: int) -> Area:
    return _get(Area.objects.for_organisation(organisation).select_related("organisation"), area_id)


def topic_get(*, organisation: Organisation, topic_id: int) -> Topic:
    return _get(Topic.objects.for_organisation(organisation).select_related("organisation"), topic_id)


def service_get(*, organisation: Organisation, service_id: int) -> Service:
    return _get(Service.objects.for_organisation(organisation).select_related("organisation"), service_id)


def member_list(*, organisation: Organisation, search: str = "") -> QuerySet[Membership]:
    qs = (
        Membership.objects.for_organisation(organisation)
        .select_related("user", "service")
        .order_by("user__email")
    )
    if search.strip():
        qs = qs.filter(user__email__icontains=search.strip())
    return qs


def member_get(*, organisation: Organisation, membership_id: int) -> Membership:
    return _get(
        Membership.objects.for_organisation(organisation).select_related("user", "service", "organisation"),
        membership_id,
    )


@dataclass
class ModuleQueue:
    """One module's figures over the organisation's components, for the dashboard."""

    key: str
    name: str
    components: list[tuple[Component, dict[str, Any]]] = field(default_factory=list)


@dataclass
class Dashboard:
    processes_by_visibility: list[tuple[str, str, int]]
    process_total: int
    component_total: int
    published_component_total: int
    members_by_role: list[tuple[str, str, int]]
    member_total: int
    census_entries: int
    census_claimed: int
    census_verified_members: int
    last_census_import: CensusImport | None
    module_queues: list[ModuleQueue]


def dashboard(*, organisation: Organisation) -> Dashboard:
    """Counts for the back-office home, in a fixed number of queries plus each module's own ``stats``."""
    by_visibility = dict(
        Process.objects.for_organisation(organisation)
        .values_list("visibility")
        .annotate(n=Count("id"))
        .order_by()
    )
    role_rows = (
        Membership.objects.for_organisation(organisation)
        .values_list("role")
        .annotate(n=Count("id"), verified=Count("id", filter=Q(census_verified_at__isnull=False)))
        .order_by()
    )
    by_role, census_verified = {}, 0
    for role, n, verified in role_rows:
        by_role[role] = n
        census_verified += verified
    census = CensusEntry.objects.for_organisation(organisation).aggregate(
        total=Count("id"), claimed=Count("id", filter=Q(claimed_by__isnull=False))
    )
    components = list(
        Component.objects.for_organisation(organisation)
        .select_related("process")
        .order_by("process__weight", "process__title", "weight", "id")
    )
    # Modules are reached only through the registry: the core and the back office never name one.
    queues = []
    for manifest in registry.all_modules():
        queue = ModuleQueue(key=manifest.key, name=str(manifest.name))
        for component in components:
            if component.module_key == manifest.key:
                stats = dict(manifest.stats(component)) if manifest.stats else {}
                queue.components.append((component, stats))
        queues.append(queue)
    return Dashboard(
        processes_by_visibility=[
            (value, str(label), by_visibility.get(value, 0)) for value, label in Process.Visibility.choices
        ],
        process_total=sum(by_visibility.values()),
        component_total=len(components),
        published_component_total=sum(1 for c in components if c.published_at is not None),
        members_by_role=[(value, str(label), by_role.get(value, 0)) for value, label in Role.choices],
        member_total=sum(by_role.values()),
        census_entries=census["total"],
        census_claimed=census["claimed"],
        census_verified_members=census_verified,
        last_census_import=CensusImport.objects.for_organisation(organisation).first(),
        module_queues=queues,
    )
