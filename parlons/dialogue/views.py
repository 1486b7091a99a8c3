"""Pages and form targets of the dialogue. Everything works without JavaScript; with HTMX the thread is
re-rendered in place (the forms carry ``hx-post``), without it the browser comes back to the page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parlons.accounts.models import User
from parlons.common.errors import DomainError, NotFound
from parlons.dialogue import selectors, services, targets
from parlons.dialogue.models import Comment, FlagReason, Moderation, ModerationAction, Visibility
from parlons.dialogue.thread_context import thread_context

FOLLOWABLE = {"core.process", "core.topic"}


def _org(request: HttpRequest) -> Any:
    return request.organisation  # type: ignore[attr-defined]


def _next(request: HttpRequest, default: str = "/") -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False):
        return url
    return default


def resolve_target(request: HttpRequest, key: str, *, followable: bool = False) -> Any:
    """``app_label.model:pk`` -> the object, if it is a dialogue target of this organisation (else 404)."""
    try:
        label, pk = key.rsplit(":", 1)
        app_label, model_name = label.split(".", 1)
        content_type = ContentType.objects.get_by_natural_key(app_label, model_name)
    except (ValueError, ContentType.DoesNotExist):
        raise Http404 from None
    allowed = (
        label == "dialogue.comment" or targets.get(label) is not None or (followable and label in FOLLOWABLE)
    )
    model = content_type.model_class()
    if not allowed or model is None:
        raise Http404
    obj = model._default_manager.filter(pk=pk).first() if pk.isdigit() else None
    if obj is None:
        raise Http404
    try:
        if services.organisation_of(obj).pk != _org(request).pk:
            raise Http404
    except DomainError:
        raise Http404 from None
    return obj


def _comment(request: HttpRequest, public_id: str) -> Comment:
    try:
        return selectors.comment_get(organisation=_org(request), public_id=public_id)
    except NotFound:
        raise Http404 from None


def _thread_response(request: HttpRequest, target: Any, **kwargs: Any) -> HttpResponse:
    context = thread_context(request, target, **kwargs)
    return render(request, "dialogue/_thread.html", context)


def _back(request: HttpRequest, anchor: str = "") -> HttpResponseRedirect:
    url = _next(request)
    return HttpResponseRedirect(f"{url.split('#')[0]}{'#' + anchor if anchor else ''}")


@require_POST
@login_required
def post(request: HttpRequest) -> HttpResponse:
    target = resolve_target(request, request.POST.get("target", ""))
    parent = None
    if parent_id := request.POST.get("parent"):
        parent = _comment(request, parent_id)
    raw_alignment = request.POST.get("alignment", "")
    data: dict[str, Any] = {
        "body": request.POST.get("body", ""),
        "alignment": raw_alignment,
        "official": bool(request.POST.get("official")),
        "next": _next(request),
    }
    try:
        comment = services.comment_post(
            target=target,
            by=request.user,
            body=data["body"],
            parent=parent,
            alignment=int(raw_alignment) if raw_alignment.lstrip("-").isdigit() else None,
            official=data["official"],
        )
    except DomainError as exc:
        errors = {exc.field if exc.field in ("body", "alignment") else "general": [str(exc)]}
        if request.htmx:  # type: ignore[attr-defined]
            return _thread_response(request, target, errors=errors, data=data)
        context = {**thread_context(request, target, errors=errors, data=data), "back": data["next"]}
        return render(request, "dialogue/post_error.html", context, status=exc.status)
    if comment.visibility == Visibility.HELD:
        messages.warning(request, _("Your comment will appear once a moderator has read it."))
    if request.htmx:  # type: ignore[attr-defined]
        return _thread_response(request, target, data={"next": data["next"]})
    return _back(request, f"comment-{comment.public_id}")


@login_required
def edit(request: HttpRequest, public_id: str) -> HttpResponse:
    comment = _comment(request, public_id)
    error = ""
    body = comment.body
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            services.comment_edit(comment=comment, by=request.user, body=body)
        except DomainError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Your comment was changed."))
            return _back(request, f"comment-{comment.public_id}")
    elif comment.author_id != request.user.pk:
        raise Http404
    return render(
        request,
        "dialogue/edit.html",
        {
            "comment": comment,
            "body": body,
            "error": error,
            "next": _next(request),
            "max_length": services.MAX_COMMENT_LENGTH,
        },
        status=400 if error else 200,
    )


@require_POST
@login_required
def delete(request: HttpRequest, public_id: str) -> HttpResponse:
    comment = _comment(request, public_id)
    try:
        services.comment_delete(comment=comment, by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    if request.htmx:  # type: ignore[attr-defined]
        return _thread_response(request, comment.target, data={"next": _next(request)})
    return _back(request, f"comment-{comment.public_id}")


@require_POST
@login_required
def upvote(request: HttpRequest, public_id: str) -> HttpResponse:
    comment = _comment(request, public_id)
    try:
        services.comment_upvote(comment=comment, by=request.user, remove=bool(request.POST.get("remove")))
    except DomainError as exc:
        messages.error(request, str(exc))
    if request.htmx:  # type: ignore[attr-defined]
        return _thread_response(request, comment.target, data={"next": _next(request)})
    return _back(request, f"comment-{comment.public_id}")


@login_required
def history(request: HttpRequest, public_id: str) -> HttpResponse:
    comment = _comment(request, public_id)
    if not services.can_moderate(request.user, _org(request)):
        raise Http404
    return render(
        request,
        "dialogue/history.html",
        {"comment": comment, "revisions": list(selectors.comment_history(comment=comment))},
    )


@login_required
def flag(request: HttpRequest) -> HttpResponse:
    """GET: the flag form for ``?target=``; POST: send the flag."""
    if request.method != "POST":
        target = resolve_target(request, request.GET.get("target", ""))
        return render(
            request,
            "dialogue/flag.html",
            {
                "key": request.GET.get("target", ""),
                "reasons": FlagReason.choices,
                "next": _next(request),
                "target": target,
            },
        )
    target = resolve_target(request, request.POST.get("target", ""))
    try:
        services.content_flag(
            target=target,
            by=request.user,
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Thank you: the moderators will look at it."))
    return _back(request)


@require_POST
@login_required
def follow(request: HttpRequest) -> HttpResponse:
    target = resolve_target(request, request.POST.get("target", ""), followable=True)
    if request.POST.get("unfollow"):
        services.unfollow(target=target, by=request.user)
        messages.success(request, _("You no longer follow this."))
    else:
        services.follow(target=target, by=request.user)
        messages.success(request, _("You follow this: you will be told what happens."))
    return _back(request)


# --- Moderation ---------------------------------------------------------------------------------------


def _require_moderator(request: HttpRequest) -> None:
    if not services.can_moderate(request.user, _org(request)):
        raise Http404


def _case_rows(cases: list[Moderation]) -> list[dict[str, Any]]:
    rows = []
    for case in cases:
        target = case.target
        url = ""
        if isinstance(target, Comment):
            parent = target.target
            info = targets.for_object(parent) if parent is not None else None
            url = f"{info.url_of(parent)}#comment-{target.public_id}" if info else ""
            kind = _("Comment")
        elif target is not None and (info := targets.for_object(target)):
            url = info.url_of(target)
            kind = str(target._meta.verbose_name).capitalize()
        else:
            kind = _("Deleted content")
        rows.append({"case": case, "url": url, "kind": kind, "flags": list(case.flags.all())})
    return rows


def _blocked_author_ids(organisation: Any, cases: list[Moderation]) -> set[int]:
    ids = {c.author_id for c in cases if c.appealed and c.author_id}
    return selectors.blocked_among(organisation=organisation, user_ids=ids) if ids else set()


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _require_moderator(request)
    organisation = _org(request)
    state = request.GET.get("state", Moderation.State.PENDING)
    if state not in Moderation.State.values:
        state = Moderation.State.PENDING
    qs = selectors.moderation_queue(organisation=organisation, state=state).prefetch_related("flags")
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    cases = list(page.object_list)
    return render(
        request,
        "dialogue/queue.html",
        {
            "page": page,
            "rows": _case_rows(cases),
            "blocked_authors": _blocked_author_ids(organisation, cases),
            "state": state,
            "states": Moderation.State.choices,
            "log": list(selectors.moderation_log(organisation=organisation)[:20]),
            "blocks": list(selectors.blocked_users(organisation=organisation)[:50]),
        },
    )


@require_POST
@login_required
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require_moderator(request)
    organisation = _org(request)
    try:
        case = services.moderation_get(organisation=organisation, pk=pk)
    except NotFound:
        raise Http404 from None
    action = request.POST.get("action")
    justification = request.POST.get("justification", "")
    try:
        if action == "hide":
            services.moderation_hide(moderation=case, by=request.user, justification=justification)
            messages.success(request, _("The content is hidden."))
        elif action == "restore":
            services.moderation_restore(moderation=case, by=request.user, justification=justification)
            messages.success(request, _("The content is visible again."))
        elif action in ("grant", "dismiss"):
            services.moderation_appeal_decide(
                moderation=case,
                by=request.user,
                grant=action == "grant",
                justification=justification,
                unblock=bool(request.POST.get("unblock")),
            )
            if action == "grant":
                messages.success(request, _("The appeal is granted: the content is visible again."))
            else:
                messages.success(request, _("The appeal is dismissed: the content stays hidden."))
        elif action == "block" and case.author_id:
            services.moderation_hide(moderation=case, by=request.user, justification=justification)
            services.user_block(
                organisation=organisation, user=case.author, by=request.user, justification=justification
            )
            messages.success(request, _("The content is hidden and its author blocked."))
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, str(exc))
    return HttpResponseRedirect(f"{_next(request, request.path)}")


@require_POST
@login_required
def unblock(request: HttpRequest, user_id: str) -> HttpResponse:
    _require_moderator(request)
    user = User.objects.filter(public_id=user_id).first()
    if user is None:
        raise Http404
    try:
        services.user_unblock(
            organisation=_org(request),
            user=user,
            by=request.user,
            justification=request.POST.get("justification", ""),
        )
        messages.success(request, _("The participant may take part again."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return _back(request)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The person's own moderated contributions: why each was hidden, and the form to appeal."""
    cases = list(selectors.moderation_cases_of_author(organisation=_org(request), user=request.user)[:100])
    rows = []
    for row in _case_rows(cases):
        case = row["case"]
        row["can_appeal"] = (
            case.is_hidden and not case.appealed and case.decision_kind != ModerationAction.Kind.DISMISSED
        )
        rows.append(row)
    return render(request, "dialogue/mine.html", {"rows": rows})


@require_POST
@login_required
def appeal(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        case = services.moderation_get(organisation=_org(request), pk=pk)
        services.moderation_appeal(
            moderation=case, by=request.user, explanation=request.POST.get("explanation", "")
        )
        messages.success(request, _("Your appeal was sent to the moderators."))
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, str(exc))
    return _back(request)
