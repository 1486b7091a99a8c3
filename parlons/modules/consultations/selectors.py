"""Reads of the consultations module, always scoped to one component (hence one organisation)."""

from __future__ import annotations

import difflib
import math
import re
import threading
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import CharField, Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Mod

from parlons.common.errors import NotFound
from parlons.core import permissions
from parlons.core.models import Component
from parlons.dialogue import services as dialogue
from parlons.dialogue.models import Follow, UserBlock
from parlons.modules.consultations import similarity
from parlons.modules.consultations.models import (
    Amendment,
    BaseAnswer,
    CoauthorInvitation,
    Debate,
    Endorsement,
    Proposal,
    ProposalAttachment,
    Status,
    Support,
    UserGroup,
    UserGroupInvitation,
    UserGroupMembership,
)

SORTS = ("recent", "supported", "discussed", "random")
EARTH_M_PER_DEG = 111_320.0


@dataclass
class Filters:
    q: str = ""
    topic: int | None = None
    area: int | None = None
    state: str = ""
    near: tuple[float, float] | None = None
    radius_m: int = 800
    sort: str = "recent"
    seed: int = 0


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def filters_from_query(params: Any, *, seed: int = 0) -> Filters:
    near = None
    raw = (params.get("near") or "").strip()
    if raw:
        try:
            lon, lat = (float(v) for v in raw.split(","))
            if -180 <= lon <= 180 and -90 <= lat <= 90:
                near = (lon, lat)
        except ValueError:
            near = None
    sort = params.get("sort") or "recent"
    return Filters(
        q=(params.get("q") or "").strip()[:200],
        topic=_int(params.get("topic")),
        area=_int(params.get("area")),
        state=(params.get("state") or "").strip()[:60],
        near=near,
        sort=sort if sort in SORTS else "recent",
        seed=seed,
    )


def search_config(language: str) -> str:
    """PostgreSQL's text-search configuration for an organisation's language (French unless English)."""
    return "english" if language.startswith("en") else "french"


def search_vector(config: str) -> Any:
    """Title (weight A) and body (weight B); migration 0002 indexes exactly this expression (GIN)."""
    from django.contrib.postgres.search import SearchVector

    return SearchVector("title", weight="A", config=config) + SearchVector("body", weight="B", config=config)


def _search(qs: QuerySet[Proposal], q: str, language: str) -> QuerySet[Proposal]:
    """Full text: PostgreSQL's stemmed search in the organisation's language, through the GIN index (whole words,
    or the beginnings of words while typing); elsewhere every word must appear."""
    words = re.findall(r"\w+", q)[:8]
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery

        config = search_config(language)
        query = SearchQuery(q, config=config, search_type="websearch")
        if words:
            query |= SearchQuery(" & ".join(f"{w}:*" for w in words), config=config, search_type="raw")
        return qs.annotate(search=search_vector(config)).filter(search=query)
    for word in words or q.split()[:8]:
        qs = qs.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return qs


def proposal_list(
    *, component: Component, user: Any = None, filters: Filters | None = None
) -> QuerySet[Proposal]:
    """Published proposals of the component (hidden ones only for moderators), filtered and sorted."""
    filters = filters or Filters()
    organisation = component.process.organisation
    qs: QuerySet[Proposal] = Proposal.objects.for_organisation(organisation).filter(
        component=component, status=Status.PUBLISHED
    )
    if not dialogue.can_moderate(user, organisation):
        qs = qs.filter(is_hidden=False)
    if filters.topic:
        qs = qs.filter(topic_id=filters.topic)
    if filters.area:
        qs = qs.filter(area_id=filters.area)
    if filters.state == "unanswered":
        qs = qs.filter(answer_state="")
    elif filters.state:
        from parlons.modules.consultations.models import AnswerState

        custom = AnswerState.objects.for_organisation(organisation).filter(base=filters.state).values("slug")
        qs = qs.filter(Q(answer_state=filters.state) | Q(answer_state__in=custom))
    if filters.near:
        lon, lat = filters.near
        dlat = filters.radius_m / EARTH_M_PER_DEG
        dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
        qs = qs.filter(lon__range=(lon - dlon, lon + dlon), lat__range=(lat - dlat, lat + dlat))
    if filters.q:
        qs = _search(qs, filters.q, organisation.default_language or "fr")
    qs = qs.select_related("author", "topic", "area")
    if filters.sort == "supported":
        return qs.order_by("-supports_count", "-published_at", "-id")
    if filters.sort == "discussed":
        return qs.order_by("-comments_count", "-published_at", "-id")
    if filters.sort == "random":
        # A stable shuffle per visitor: a multiplicative hash of the id, salted by the visitor's seed.
        return qs.annotate(shuffle=Mod(F("id") * 2654435761 + filters.seed, 4294967291)).order_by(
            "shuffle", "id"
        )
    return qs.order_by("-published_at", "-id")


def access_proposal(*, component: Component, user: Any, public_id: str) -> Proposal:
    """A proposal of the component the user may read (drafts: their author; hidden: moderators and author)."""
    qs = (
        Proposal.objects.for_organisation(component.process.organisation)
        .filter(component=component, public_id=public_id)
        .select_related("author", "topic", "area", "merged_into", "split_from")
        .annotate(
            has_amendments=Exists(Amendment.objects.filter(proposal=OuterRef("pk"))),
            has_attachments=Exists(ProposalAttachment.objects.filter(proposal=OuterRef("pk"))),
            has_coauthors=Exists(
                CoauthorInvitation.objects.filter(proposal=OuterRef("pk"), accepted_by__isnull=False)
            ),
        )
    )
    if user is not None and user.is_authenticated:
        qs = qs.annotate(
            is_supported=Exists(Support.objects.filter(proposal=OuterRef("pk"), user=user)),
            is_following=Exists(
                Follow.objects.filter(
                    user=user,
                    content_type=ContentType.objects.get_for_model(Proposal),
                    object_id=Cast(OuterRef("pk"), CharField()),
                )
            ),
            # Whether to look up the groups the person could endorse on behalf of (most people have none).
            in_verified_group=Exists(
                UserGroupMembership.objects.filter(
                    user=user,
                    group__verified_at__isnull=False,
                    group__organisation_id=OuterRef("organisation_id"),
                )
            ),
            # The comment form needs it; asked here rather than in a query of its own.
            is_blocked=Exists(
                UserBlock.objects.filter(user=user, organisation_id=OuterRef("organisation_id"))
            ),
        )
    proposal = qs.first()
    if proposal is None:
        raise NotFound("proposal")
    proposal.component = component
    is_author = user is not None and user.is_authenticated and proposal.author_id == user.pk
    organisation = component.process.organisation
    if proposal.status == Status.DRAFT and not is_author:
        raise NotFound("proposal")
    if proposal.is_hidden and not (is_author or dialogue.can_moderate(user, organisation)):
        raise NotFound("proposal")
    return proposal


def supported_ids(*, user: Any, proposals: list[Proposal]) -> set[int]:
    if user is None or not user.is_authenticated or not proposals:
        return set()
    return set(
        Support.objects.filter(user=user, proposal__in=[p.pk for p in proposals]).values_list(
            "proposal_id", flat=True
        )
    )


def member_state(
    *, component: Component, user: Any, proposals: list[Proposal], drafts: int = 10
) -> tuple[set[int], list[Proposal]]:
    """What the list shows of the person themselves, in one query: which of ``proposals`` they support, and
    their drafts in the component (at most ``drafts``, most recent first)."""
    if user is None or not user.is_authenticated:
        return set(), []
    supported_q = Q(
        pk__in=Support.objects.filter(user=user, proposal__in=[p.pk for p in proposals]).values("proposal_id")
    )
    rows = list(
        Proposal.objects.filter(
            Q(component=component, author=user, status=Status.DRAFT)
            | (supported_q if proposals else Q(pk__in=[]))
        )
        .only("pk", "public_id", "title", "status", "component_id", "created_at")
        .order_by("-created_at", "-pk")
    )
    supported = {p.pk for p in rows if p.status != Status.DRAFT}
    return supported, [p for p in rows if p.status == Status.DRAFT][:drafts]


@dataclass(frozen=True)
class Endorsements:
    """The groups endorsing a proposal, and the verified groups the person may act for (``endorsed`` set on each)."""

    groups: list[UserGroup]
    mine: list[UserGroup]


def endorsements_of(*, proposal: Proposal, user: Any) -> Endorsements:
    """One query, none when nobody endorses the proposal and the person is in no verified group
    (``access_proposal`` annotates both facts)."""
    signed_in = user is not None and user.is_authenticated
    in_group = signed_in and getattr(proposal, "in_verified_group", True)
    if not proposal.endorsements_count and not in_group:
        return Endorsements(groups=[], mine=[])
    endorsing = Endorsement.objects.filter(proposal=proposal, group=OuterRef("pk"))
    condition = Q(pk__in=Endorsement.objects.filter(proposal=proposal).values("group_id"))
    qs = UserGroup.objects.for_organisation(proposal.organisation_id).annotate(endorsed=Exists(endorsing))
    if in_group:
        mine = UserGroupMembership.objects.filter(group=OuterRef("pk"), user=user)
        condition |= Q(
            pk__in=UserGroupMembership.objects.filter(user=user).values("group_id"), verified_at__isnull=False
        )
        qs = qs.annotate(is_mine=Exists(mine))
    rows = list(qs.filter(condition).order_by("name"))
    return Endorsements(
        groups=[g for g in rows if g.endorsed],  # type: ignore[attr-defined]
        mine=[g for g in rows if getattr(g, "is_mine", False) and g.is_verified],
    )


def user_groups_page(*, organisation: Any, user: Any) -> list[UserGroup]:
    """Groups shown on the groups page: every group for administrators (to verify them), else the verified ones
    and the person's own; ``role`` is annotated (the person's role in it, or None)."""
    role = UserGroupMembership.objects.filter(group=OuterRef("pk"), user=user).values("role")[:1]
    qs = UserGroup.objects.for_organisation(organisation).annotate(
        members=Count("memberships"),
        role=Subquery(role) if user is not None and user.is_authenticated else Value(None, CharField()),
    )
    if not permissions.is_admin(user, organisation):
        qs = qs.filter(Q(verified_at__isnull=False) | Q(role__isnull=False))
    return list(qs.order_by("name"))


def access_user_group(*, organisation: Any, public_id: str) -> UserGroup:
    group = UserGroup.objects.for_organisation(organisation).filter(public_id=public_id).first()
    if group is None:
        raise NotFound("group")
    return group


@dataclass(frozen=True)
class GroupPage:
    """What the page of a group shows to one person: the members and pending invitations only to people of the
    group and to administrators of the organisation; ``role`` is the person's role in it (or None)."""

    group: UserGroup
    role: str | None
    can_manage: bool
    can_see_members: bool
    members: list[UserGroupMembership]
    invitations: list[UserGroupInvitation]
    my_invitation: UserGroupInvitation | None


def user_group_page(*, organisation: Any, public_id: str, user: Any) -> GroupPage:
    """The group of this organisation as ``user`` may see it; an unverified group is shown only to its people,
    to invited people and to the organisation's administrators (else NotFound)."""
    group = access_user_group(organisation=organisation, public_id=public_id)
    signed_in = user is not None and user.is_authenticated
    role = (
        UserGroupMembership.objects.filter(group=group, user=user).values_list("role", flat=True).first()
        if signed_in
        else None
    )
    org_admin = permissions.is_admin(user, organisation)
    my_invitation = (
        UserGroupInvitation.objects.filter(group=group, user=user).first()
        if signed_in and role is None
        else None
    )
    if not group.is_verified and role is None and not org_admin and my_invitation is None:
        raise NotFound("group")
    can_manage = role == UserGroupMembership.Role.ADMIN or org_admin
    can_see = role is not None or org_admin
    members = (
        list(group.memberships.select_related("user").order_by("role", "user__display_name", "pk"))
        if can_see
        else []
    )
    invitations = list(group.invitations.select_related("user", "invited_by")) if can_manage else []
    return GroupPage(group, role, can_manage, can_see, members, invitations, my_invitation)


def user_group_member(*, group: UserGroup, user_public_id: str) -> Any:
    """A person in the group, by their public id (None if they are not in it)."""
    membership = group.memberships.filter(user__public_id=user_public_id).select_related("user").first()
    return membership.user if membership is not None else None


def invitations_for(*, organisation: Any, user: Any) -> list[UserGroupInvitation]:
    """The person's invitations to groups of the organisation, not yet answered."""
    if user is None or not user.is_authenticated:
        return []
    return list(
        UserGroupInvitation.objects.for_organisation(organisation)
        .filter(user=user)
        .select_related("group", "invited_by")
    )


def drafts_of(*, component: Component, user: Any) -> QuerySet[Proposal]:
    if user is None or not user.is_authenticated:
        return Proposal.objects.none()
    return Proposal.objects.filter(component=component, author=user, status=Status.DRAFT)


def amendments_of(*, proposal: Proposal, user: Any = None) -> QuerySet[Amendment]:
    """The amendments of a proposal; hidden ones only for their author and the moderators."""
    qs = Amendment.objects.filter(proposal=proposal).select_related("author", "promoted_to")
    if not dialogue.can_moderate(user, proposal.organisation):
        signed_in = user is not None and user.is_authenticated
        qs = qs.filter(Q(is_hidden=False) | Q(author_id=user.pk)) if signed_in else qs.filter(is_hidden=False)
    return qs


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level diff as (kind, text) with kind in equal / insert / delete, for an accessible rendering."""
    a, b = old.split(" "), new.split(" ")
    parts: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            parts.append(("equal", " ".join(a[i1:i2])))
        if tag in ("delete", "replace"):
            parts.append(("delete", " ".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            parts.append(("insert", " ".join(b[j1:j2])))
    return parts


# --- Similar proposals --------------------------------------------------------------------------------

_index_lock = threading.Lock()
_indexes: dict[int, tuple[tuple[Any, ...], similarity.Index]] = {}


def _index_for(component: Component) -> similarity.Index:
    """The component's similarity index, rebuilt only when its proposals changed (kept per process)."""
    base = Proposal.objects.filter(component=component, status=Status.PUBLISHED, is_hidden=False)
    version = tuple(base.aggregate(n=Count("id"), last=Max("updated_at")).values())
    with _index_lock:
        cached = _indexes.get(component.pk)
        if cached and cached[0] == version:
            return cached[1]
    index = similarity.Index(base.values_list("id", "fingerprint").iterator(chunk_size=5000))
    with _index_lock:
        _indexes[component.pk] = (version, index)
    return index


def similar_proposals(
    *, component: Component, title: str, body: str = "", exclude: int | None = None, limit: int = 5
) -> list[Proposal]:
    """Published proposals whose words resemble these (TF-IDF cosine), best first, each with ``.similarity``."""
    text = similarity.fingerprint(title, body)
    if not text:
        return []
    matches = _index_for(component).search(text, limit=limit, exclude=exclude)
    by_id = {
        p.pk: p for p in Proposal.objects.filter(pk__in=[m.key for m in matches]).select_related("topic")
    }
    result = []
    for match in matches:
        if proposal := by_id.get(match.key):
            proposal.similarity = match.score  # type: ignore[attr-defined]
            result.append(proposal)
    return result


# --- Debates and statistics ---------------------------------------------------------------------------


def debate_list(*, component: Component, user: Any = None) -> QuerySet[Debate]:
    organisation = component.process.organisation
    qs = Debate.objects.for_organisation(organisation).filter(component=component).select_related("author")
    if not dialogue.can_moderate(user, organisation):
        qs = qs.filter(is_hidden=False)
    return qs


def access_debate(*, component: Component, user: Any, public_id: str) -> Debate:
    """A debate of the component; a hidden one only for moderators and its author."""
    organisation = component.process.organisation
    debate = (
        Debate.objects.for_organisation(organisation)
        .filter(component=component, public_id=public_id)
        .select_related("author")
        .first()
    )
    is_author = (
        debate is not None and user is not None and user.is_authenticated and debate.author_id == user.pk
    )
    if debate is None or (
        debate.is_hidden and not is_author and not dialogue.can_moderate(user, organisation)
    ):
        raise NotFound("debate")
    debate.component = component
    return debate


def answer_queue(*, component: Component) -> QuerySet[Proposal]:
    """Proposals for staff to answer: over the threshold or with a prepared answer first."""
    return (
        Proposal.objects.for_organisation(component.process.organisation)
        .filter(component=component, status=Status.PUBLISHED)
        .select_related("author", "topic", "area")
        .order_by(F("threshold_reached_at").desc(nulls_last=True), "-supports_count", "-id")
    )


def proposal_stats(*, component: Component) -> dict[str, int]:
    proposals = Proposal.objects.filter(component=component, status=Status.PUBLISHED)
    row = proposals.aggregate(
        proposals=Count("id"),
        accepted=Count("id", filter=Q(answer_state__in=[BaseAnswer.ACCEPTED, BaseAnswer.IMPLEMENTED])),
        answered=Count("id", filter=~Q(answer_state="")),
    )
    return {
        "proposals": row["proposals"] or 0,
        "answered": row["answered"] or 0,
        "accepted": row["accepted"] or 0,
        "supports": Support.objects.filter(proposal__component=component).count(),
        "amendments": Amendment.objects.filter(proposal__component=component).count(),
        "debates": Debate.objects.filter(component=component).count(),
    }


def can_manage(user: Any, component: Component) -> bool:
    return permissions.is_staff(user, component.process.organisation)
