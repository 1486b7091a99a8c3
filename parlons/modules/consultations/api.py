"""The module's API router, mounted at ``/api/v1/components/{component_id}/consultations/``.

The core hands over the checked component as ``request.component``; domain errors become the API's JSON errors.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from parlons.api import auth
from parlons.common.errors import NotFound, ValidationFailed
from parlons.dialogue import services as dialogue
from parlons.dialogue.models import Comment, Visibility
from parlons.modules.consultations import selectors, services
from parlons.modules.consultations.models import Debate, Proposal


class ProposalOut(Schema):
    id: str
    title: str
    body: str
    author: str | None
    topic: str | None
    district: str | None
    lon: float | None
    lat: float | None
    supports: int
    endorsements: int
    comments: int
    answer_state: str
    answer: str
    answered_at: datetime | None
    published_at: datetime | None
    url: str


class ProposalPage(Schema):
    items: list[ProposalOut]
    count: int
    page: int
    pages: int


class ProposalIn(Schema):
    title: str = Field(..., max_length=150)
    body: str = Field(..., max_length=5000)
    topic_id: int | None = None
    area_id: int | None = None
    lon: float | None = None
    lat: float | None = None


class DebateOut(Schema):
    id: str
    title: str
    body: str
    closed: bool
    conclusion: str
    arguments: int
    url: str


class CommentOut(Schema):
    id: str
    parent: str | None
    author: str | None
    body: str
    alignment: int | None
    official: bool
    upvotes: int
    created_at: datetime
    edited: bool


class CommentIn(Schema):
    body: str = Field(..., max_length=5000)
    parent: str | None = None
    alignment: int | None = Field(None, description="-1 against, 0 neutral, 1 for (debates)")


class SupportOut(Schema):
    supports: int


class AttachmentOut(Schema):
    id: int
    kind: str = Field(..., description="image or document (PDF)")
    description: str = Field(..., description="images: their text alternative; documents: their title")
    size: int = Field(..., description="bytes")
    width: int | None
    height: int | None
    url: str = Field(..., description="absolute download URL")
    created_at: datetime


class CoauthorOut(Schema):
    name: str


class EndorsementOut(Schema):
    group: str
    endorsed_at: datetime


def proposal_out(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.public_id,
        "title": p.title,
        "body": p.body,
        "author": p.author.public_name if p.author else None,
        "topic": p.topic.name if p.topic else None,
        "district": p.area.name if p.area else None,
        "lon": p.lon,
        "lat": p.lat,
        "supports": p.supports_count,
        "endorsements": p.endorsements_count,
        "comments": p.comments_count,
        "answer_state": p.answer_state,
        "answer": p.answer_body,
        "answered_at": p.answered_at,
        "published_at": p.published_at,
        "url": p.get_absolute_url(),
    }


def comment_out(c: Comment, parents: dict[int, str]) -> dict[str, Any]:
    visible = c.visibility == Visibility.VISIBLE
    return {
        "id": c.public_id,
        "parent": parents.get(c.parent_id) if c.parent_id else None,
        "author": c.author.public_name if c.author and visible else None,
        "body": c.body if visible else "",
        "alignment": c.alignment,
        "official": c.is_official,
        "upvotes": c.upvotes_count,
        "created_at": c.created_at,
        "edited": c.edited_at is not None,
    }


def _comments(request: HttpRequest, target: Any) -> list[dict[str, Any]]:
    rows = list(
        Comment.objects.filter(
            organisation=request.component.process.organisation,  # type: ignore[attr-defined]
            content_type=ContentType.objects.get_for_model(target),
            object_id=str(target.pk),
        ).select_related("author")
    )
    parents = {c.pk: c.public_id for c in rows}
    return [comment_out(c, parents) for c in rows]


def _proposal(request: HttpRequest, public_id: str) -> Proposal:
    return selectors.access_proposal(component=request.component, user=request.user, public_id=public_id)  # type: ignore[attr-defined]


def build_router() -> Router:
    router = Router()

    @router.get(
        "/proposals", response=ProposalPage, summary="Published proposals, with the list's filters and sorts"
    )
    def proposal_list(request: HttpRequest, page: int = 1, page_size: int = 20) -> dict[str, Any]:
        if page < 1 or not 1 <= page_size <= 100:
            raise ValidationFailed("page >= 1 and 1 <= page_size <= 100", field="page_size")
        component = request.component  # type: ignore[attr-defined]
        filters = selectors.filters_from_query(request.GET, seed=0)
        qs = selectors.proposal_list(component=component, user=request.user, filters=filters)
        count = qs.count()
        items = list(qs[(page - 1) * page_size : page * page_size])
        return {
            "items": [proposal_out(p) for p in items],
            "count": count,
            "page": page,
            "pages": max(1, math.ceil(count / page_size)),
        }

    @router.get("/proposals/{public_id}", response=ProposalOut, summary="One proposal")
    def proposal_detail(request: HttpRequest, public_id: str) -> dict[str, Any]:
        return proposal_out(_proposal(request, public_id))

    @router.post(
        "/proposals", response={201: ProposalOut}, auth=auth.AUTHENTICATED, summary="Publish a proposal"
    )
    def proposal_create(request: HttpRequest, payload: ProposalIn) -> Status:
        proposal = services.proposal_create(
            component=request.component,  # type: ignore[attr-defined]
            by=request.user,
            **payload.model_dump(),
        )
        return Status(201, proposal_out(proposal))

    @router.post(
        "/proposals/{public_id}/support",
        response={201: SupportOut},
        auth=auth.AUTHENTICATED,
        summary="Support a proposal",
    )
    def proposal_support(request: HttpRequest, public_id: str) -> Status:
        proposal = services.proposal_support(proposal=_proposal(request, public_id), by=request.user)
        return Status(201, {"supports": proposal.supports_count})

    @router.delete(
        "/proposals/{public_id}/support",
        response=SupportOut,
        auth=auth.AUTHENTICATED,
        summary="Withdraw one's support",
    )
    def proposal_unsupport(request: HttpRequest, public_id: str) -> dict[str, int]:
        proposal = services.proposal_unsupport(proposal=_proposal(request, public_id), by=request.user)
        return {"supports": proposal.supports_count}

    @router.get(
        "/proposals/{public_id}/comments", response=list[CommentOut], summary="Comments of a proposal"
    )
    def proposal_comments(request: HttpRequest, public_id: str) -> list[dict[str, Any]]:
        return _comments(request, _proposal(request, public_id))

    @router.post(
        "/proposals/{public_id}/comments",
        response={201: CommentOut},
        auth=auth.AUTHENTICATED,
        summary="Comment on a proposal",
    )
    def proposal_comment(request: HttpRequest, public_id: str, payload: CommentIn) -> Status:
        return Status(201, _post_comment(request, _proposal(request, public_id), payload))

    @router.get(
        "/proposals/{public_id}/attachments",
        response=list[AttachmentOut],
        summary="Images and documents of a proposal, with their download URLs",
    )
    def proposal_attachments(request: HttpRequest, public_id: str) -> list[dict[str, Any]]:
        proposal = _proposal(request, public_id)
        return [
            {
                "id": a.pk,
                "kind": a.kind,
                "description": a.description,
                "size": a.size,
                "width": a.width,
                "height": a.height,
                "url": request.build_absolute_uri(a.file.url),
                "created_at": a.created_at,
            }
            for a in proposal.attachments.all()
        ]

    @router.get(
        "/proposals/{public_id}/coauthors",
        response=list[CoauthorOut],
        summary="People who accepted to sign a proposal (public names only)",
    )
    def proposal_coauthors(request: HttpRequest, public_id: str) -> list[dict[str, Any]]:
        return [{"name": u.public_name} for u in services.coauthors_of(_proposal(request, public_id))]

    @router.get(
        "/proposals/{public_id}/endorsements",
        response=list[EndorsementOut],
        summary="Verified groups that endorse a proposal",
    )
    def proposal_endorsements(request: HttpRequest, public_id: str) -> list[dict[str, Any]]:
        proposal = _proposal(request, public_id)
        return [
            {"group": e.group.name, "endorsed_at": e.created_at}
            for e in proposal.endorsements.select_related("group").order_by("created_at", "id")
        ]

    @router.get("/debates", response=list[DebateOut], summary="Debates")
    def debate_list(request: HttpRequest) -> list[dict[str, Any]]:
        return [
            _debate_out(d)
            for d in selectors.debate_list(component=request.component, user=request.user)[:200]  # type: ignore[attr-defined]
        ]

    @router.get("/debates/{public_id}/comments", response=list[CommentOut], summary="Arguments of a debate")
    def debate_comments(request: HttpRequest, public_id: str) -> list[dict[str, Any]]:
        debate = selectors.access_debate(component=request.component, user=request.user, public_id=public_id)  # type: ignore[attr-defined]
        return _comments(request, debate)

    @router.post(
        "/debates/{public_id}/comments",
        response={201: CommentOut},
        auth=auth.AUTHENTICATED,
        summary="Argue in a debate",
    )
    def debate_comment(request: HttpRequest, public_id: str, payload: CommentIn) -> Status:
        debate = selectors.access_debate(component=request.component, user=request.user, public_id=public_id)  # type: ignore[attr-defined]
        return Status(201, _post_comment(request, debate, payload))

    return router


def _debate_out(d: Debate) -> dict[str, Any]:
    return {
        "id": d.public_id,
        "title": d.title,
        "body": d.body,
        "closed": d.is_closed,
        "conclusion": d.conclusion,
        "arguments": d.comments_count,
        "url": d.get_absolute_url(),
    }


def _post_comment(request: HttpRequest, target: Any, payload: CommentIn) -> dict[str, Any]:
    parent = None
    if payload.parent:
        parent = Comment.objects.filter(
            organisation=request.component.process.organisation,  # type: ignore[attr-defined]
            public_id=payload.parent,
        ).first()
        if parent is None:
            raise NotFound("comment")
    comment = dialogue.comment_post(
        target=target, by=request.user, body=payload.body, parent=parent, alignment=payload.alignment
    )
    return comment_out(comment, {parent.pk: parent.public_id} if parent else {})
