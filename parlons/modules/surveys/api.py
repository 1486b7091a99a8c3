"""The module's API router, mounted by the core at ``/api/v1/components/{component_id}/surveys/``.

Read a questionnaire's definition; send a whole response at once (signed-in people only).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from parlons.common.errors import PermissionDenied
from parlons.modules.surveys import selectors, services
from parlons.modules.surveys.services import AnswersInvalid


class SurveyOut(Schema):
    id: str
    title: dict[str, str]
    description: dict[str, str]
    definition: dict[str, Any]
    opens_at: datetime | None
    closes_at: datetime | None
    allow_anonymous: bool
    uniqueness: str
    is_open: bool


class ResponseIn(Schema):
    answers: dict[str, Any] = Field(
        ..., description="Answers by question key, in the form the pages send them"
    )
    language: str = Field("", max_length=8)


class ReceiptOut(Schema):
    id: str
    receipt: str
    submitted_at: datetime


def _survey_out(survey: Any) -> dict[str, Any]:
    return {
        "id": survey.public_id,
        "title": survey.title,
        "description": survey.description,
        "definition": survey.definition,
        "opens_at": survey.opens_at,
        "closes_at": survey.closes_at,
        "allow_anonymous": survey.allow_anonymous,
        "uniqueness": survey.uniqueness,
        "is_open": survey.is_open(),
    }


def build_router() -> Router:
    router = Router()

    @router.get("/", response=list[SurveyOut], summary="The questionnaires of the component")
    def survey_list(request: HttpRequest) -> list[dict[str, Any]]:
        return [_survey_out(s) for s in selectors.survey_list(component=request.component)]  # type: ignore[attr-defined]

    @router.get("/{public_id}", response=SurveyOut, summary="One questionnaire with its questions and rules")
    def survey_detail(request: HttpRequest, public_id: str) -> dict[str, Any]:
        return _survey_out(selectors.access_survey(component=request.component, public_id=public_id))  # type: ignore[attr-defined]

    @router.post(
        "/{public_id}/responses",
        response={201: ReceiptOut},
        summary="Send a whole response (signed-in people; 422 with one message per refused answer)",
    )
    def response_create(request: HttpRequest, public_id: str, payload: ResponseIn) -> Status:
        if not request.user.is_authenticated:
            raise PermissionDenied("Please sign in to take part.")
        survey = selectors.access_survey(component=request.component, public_id=public_id)  # type: ignore[attr-defined]
        try:
            response = services.response_submit_all(
                survey=survey, user=request.user, answers=payload.answers, language=payload.language
            )
        except AnswersInvalid as exc:
            exc.message = "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
            raise
        return Status(
            201,
            {"id": response.public_id, "receipt": response.receipt, "submitted_at": response.submitted_at},
        )

    return router
