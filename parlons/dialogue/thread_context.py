"""The context of a rendered thread, shared by the ``{% comments %}`` tag and the views that re-render it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html

from parlons.core import permissions
from parlons.dialogue import selectors, services, targets
from parlons.dialogue.models import Alignment, FlagReason, Visibility


def target_key(obj: Any) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def thread_context(
    request: HttpRequest,
    obj: Any,
    *,
    title: str = "",
    errors: dict[str, list[str]] | None = None,
    data: dict[str, Any] | None = None,
    decision: Any = None,
    blocked: bool | None = None,
) -> dict[str, Any]:
    """``decision``: the caller's already computed ``can_perform`` for the target's comment action, if any;
    ``blocked``: whether the user is blocked in the organisation, if the caller already knows it."""
    organisation = request.organisation  # type: ignore[attr-defined]
    user = request.user
    info = targets.for_object(obj)
    moderator = services.can_moderate(user, organisation)
    staff = permissions.is_staff(user, organisation)
    discussion = selectors.thread(organisation=organisation, target=obj, user=user, moderator=moderator)
    reason: Any = ""
    if info is None:
        reason = "-"
    elif closed := info.closed_reason(obj):
        reason = closed
    elif not user.is_authenticated:
        reason = ""
    else:
        component = info.component_of(obj)
        if decision is None and component is not None:
            decision = permissions.can_perform(user, component, info.action, obj)
        if decision is not None and not decision:
            reason = decision.reason
    if blocked is None:
        blocked = bool(user.is_authenticated and not reason and services.is_blocked(user, organisation))
    can_post = bool(user.is_authenticated and not reason and not blocked)
    window = int(services.edit_window().total_seconds())
    current = timezone.now()
    user_id = user.pk if user.is_authenticated else None
    stack = list(discussion.officials) + list(discussion.roots)
    while stack:
        comment = stack.pop()
        comment.can_edit = (  # type: ignore[attr-defined]
            user_id is not None
            and comment.author_id == user_id
            and comment.visibility in (Visibility.VISIBLE, Visibility.HELD)
            and (current - comment.created_at).total_seconds() <= window
        )
        comment.can_delete = (  # type: ignore[attr-defined]
            user_id is not None
            and comment.visibility != Visibility.DELETED
            and (  # type: ignore[attr-defined]
                comment.author_id == user_id or moderator
            )
        )
        # Formatted here once: the template's date filter costs more than the rest of a comment's head.
        local = timezone.localtime(comment.created_at)
        comment.created_iso = local.isoformat()  # type: ignore[attr-defined]
        comment.created_label = dateformat.format(local, "j F Y, H:i")  # type: ignore[attr-defined]
        stack.extend(comment.children)  # type: ignore[attr-defined]
    return {
        "request": request,
        "user": user,
        "target": obj,
        "key": target_key(obj),
        "thread_id": f"comments-{obj._meta.model_name}-{obj.pk}",
        "title": title,
        "thread": discussion,
        "with_alignment": bool(info and info.alignment(obj)),
        "alignments": Alignment.choices,
        "count_for": discussion.alignments.get(Alignment.FOR, 0),
        "count_against": discussion.alignments.get(Alignment.AGAINST, 0),
        "count_neutral": discussion.alignments.get(Alignment.NEUTRAL, 0),
        "can_post": can_post,
        "closed_reason": reason if reason != "-" else "",
        "is_staff": staff,
        "moderator": moderator,
        "reasons": FlagReason.choices,
        "next": (data or {}).get("next") or request.get_full_path(),
        "errors": errors or {},
        "data": data or {},
        "max_length": services.MAX_COMMENT_LENGTH,
        # Reversed once: a thread of hundreds of comments would otherwise reverse them for each comment.
        "comments_url": reverse("dialogue:post"),
        # One masked token for every form of the thread instead of one {% csrf_token %} per comment's form.
        "csrf_input": format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
        ),
        "flag_url": reverse("dialogue:flag"),
        "mine_url": reverse("dialogue:mine"),
    }
