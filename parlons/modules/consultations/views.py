"""Pages of the consultations module. Every page works without JavaScript; HTMX refreshes the list and
the similar-proposals box in place."""

from __future__ import annotations

import itertools
import random
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import F, Func, IntegerField, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parlons.common.errors import DomainError, NotFound, ValidationFailed
from parlons.core import permissions
from parlons.core.models import Area, Component, Topic
from parlons.core.routing import component_or_404, component_reverse
from parlons.modules.consultations import attachments, list_cache, selectors, services
from parlons.modules.consultations.forms import (
    AmendmentForm,
    AnswerForm,
    AnswerStateForm,
    AttachmentForm,
    CloseDebateForm,
    CoauthorForm,
    DebateForm,
    GroupInvitationForm,
    ProposalForm,
    UserGroupForm,
    add_domain_error,
)
from parlons.modules.consultations.models import Amendment, BaseAnswer, Proposal, ProposalAttachment, Status
from parlons.modules.consultations.permissions import decisions
from parlons.modules.consultations.settings import settings_of

PAGE_SIZE = 20
SEED_KEY = "consultations_seed"


def _component(request: HttpRequest, process_slug: str, component_id: int) -> Component:
    return component_or_404(
        request, process_slug=process_slug, component_id=component_id, module_key="consultations"
    )


def _url(name: str, component: Component, **kwargs: Any) -> str:
    return component_reverse(component, name, **kwargs)


def _proposal(request: HttpRequest, component: Component, public_id: str) -> Proposal:
    try:
        return selectors.access_proposal(component=component, user=request.user, public_id=public_id)
    except NotFound as exc:
        raise Http404 from exc


def _base(request: HttpRequest, component: Component, *, with_create: bool = True) -> dict[str, Any]:
    return {
        "component": component,
        "process": component.process,
        "conf": settings_of(component),
        "is_staff": permissions.is_staff(request.user, component.process.organisation),
        "index_url": _url("index", component),
        "new_url": _url("new", component),
        "debates_url": _url("debates", component),
        "groups_url": _url("groups", component),
        "answers_url": _url("answers", component),
        "can_create": permissions.can_perform(request.user, component, "create") if with_create else None,
    }


def _login_or_refuse(request: HttpRequest, component: Component, decision: Any) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}")
    messages.error(request, str(decision.reason))
    return redirect(_url("index", component))


# --- List ---------------------------------------------------------------------------------------------


def _filter_choices(organisation: Any) -> dict[str, list[dict[str, Any]]]:
    """Topics and districts for the filters, cached a minute: they change rarely and every list view needs them."""
    key = f"consultations:choices:{organisation.pk}"
    choices = cache.get(key)
    if choices is None:
        choices = {
            "topics": list(Topic.objects.for_organisation(organisation).values("pk", "name")),
            "areas": list(Area.objects.for_organisation(organisation).values("pk", "name")),
        }
        cache.set(key, choices, 60)
    return choices


def _page_number(raw: str | None) -> int:
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


def _page_of(qs: Any, raw: str | None) -> Page:
    """The page asked for, with the total counted by the same query rather than a second one; an empty or
    out-of-range page falls back to the paginator's own count and clamping.

    The count is an uncorrelated scalar subquery, which SQLite and PostgreSQL evaluate once; unlike a window
    count it lets the sorted page still be read from an index and stop after ``PAGE_SIZE`` rows.
    """
    number = _page_number(raw)
    start = (number - 1) * PAGE_SIZE
    total = qs.order_by().annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField())).values("n")
    rows = list(qs.annotate(full_count=Subquery(total[:1]))[start : start + PAGE_SIZE])
    paginator = Paginator(qs, PAGE_SIZE)
    if not rows:
        return paginator.get_page(raw)
    paginator.__dict__["count"] = rows[0].full_count  # Paginator.count is a cached_property
    return Page(rows, number, paginator)


def _home_of(request: HttpRequest, organisation: Any) -> dict[str, Any]:
    """The member's home (from their membership, already loaded for the permissions): the default of "near me"."""
    membership = permissions.membership_of(request.user, organisation)
    if membership is None:
        return {"home_near": "", "home_area": None}
    point = membership.home_point
    return {
        "home_near": f"{point.x:.5f},{point.y:.5f}" if point is not None else "",
        "home_area": membership.home_area_id,
    }


def index(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    organisation = component.process.organisation
    seed = request.session.get(SEED_KEY)
    if request.GET.get("sort") == "random" and seed is None:
        seed = random.randrange(1, 2**31)
        request.session[SEED_KEY] = seed
    filters = selectors.filters_from_query(request.GET, seed=seed or 0)
    hx = bool(request.headers.get("HX-Request"))
    # Signed-out visitors share one rendering per filters and page (the random order is per visitor); the page's
    # content is kept with the list, keyed by when the component and process last changed (their names show).
    key = None
    if not request.user.is_authenticated and filters.sort != "random":
        key = list_cache.fragment_key(
            organisation_id=organisation.pk,
            component_id=component.pk,
            filters=filters,
            page=_page_number(request.GET.get("page")),
            language=f"{get_language()}:{get_script_prefix()}:{component.updated_at.timestamp()}:"
            f"{component.process.updated_at.timestamp()}",
        )
    cached = list_cache.get(key, component_id=component.pk) if key else list_cache.Cached()
    if hx and cached.list_html is not None:
        return HttpResponse(cached.list_html)
    if not hx and cached.content_html is not None:
        return render(
            request,
            "consultations/index.html",
            {
                "component": component,
                "process": component.process,
                "content_html": mark_safe(cached.content_html),  # noqa: S308 - our own template's output
            },
        )
    threshold = settings_of(component).support_threshold
    params: dict[str, Any] = {k: v for k, v in request.GET.items() if k != "page" and v}
    context = {
        **_base(request, component),
        "filters": filters,
        "query": urlencode(params),
        "threshold": threshold,
    }
    list_html = cached.list_html
    drafts: list[Proposal] = []
    if list_html is None:
        qs = selectors.proposal_list(component=component, user=request.user, filters=filters)
        page = _page_of(qs, request.GET.get("page"))
        proposals = list(page.object_list)
        for proposal in proposals:
            proposal.progress = (
                min(100, round(100 * proposal.supports_count / threshold)) if threshold else None
            )  # type: ignore[attr-defined]
        supported, drafts = selectors.member_state(
            component=component, user=request.user, proposals=proposals
        )
        list_context = {
            **context,
            "page": page,
            "proposals": proposals,
            "supported": supported,
        }
        list_html = render_to_string("consultations/_list.html", list_context, request)
    if hx:
        if key:
            list_cache.put(key, version=cached.version, list_html=list_html)
        return HttpResponse(list_html)
    context |= {
        "list_html": mark_safe(list_html),  # noqa: S308 - our own template's output
        **_filter_choices(organisation),
        "states": [*BaseAnswer.choices, ("unanswered", _("Not answered yet"))],
        "sorts": [
            ("recent", _("Most recent")),
            ("supported", _("Most supported")),
            ("discussed", _("Most discussed")),
            ("random", _("Random order")),
        ],
        "drafts": drafts,
        **_home_of(request, organisation),
    }
    content_html = render_to_string("consultations/_index_content.html", context, request)
    if key:
        list_cache.put(key, version=cached.version, list_html=list_html, content_html=content_html)
    return render(
        request,
        "consultations/index.html",
        {**context, "content_html": mark_safe(content_html)},  # noqa: S308 - our own template's output
    )


# --- New proposal (guided: write, check similar ones, publish or keep as draft) -----------------------


def new(
    request: HttpRequest, process_slug: str, component_id: int, public_id: str | None = None
) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    organisation = component.process.organisation
    decision = permissions.can_perform(request.user, component, "create")
    if not decision:
        return _login_or_refuse(request, component, decision)
    draft = None
    if public_id:
        draft = _proposal(request, component, public_id)
        if draft.status != Status.DRAFT or draft.author_id != request.user.pk:
            raise Http404
    conf = settings_of(component)
    initial = {}
    if draft is not None:
        initial = {
            "title": draft.title,
            "body": draft.body,
            "topic": draft.topic_id,
            "area": draft.area_id,
            "lon": draft.lon,
            "lat": draft.lat,
        }
    form = ProposalForm(
        request.POST or None,
        initial=initial,
        organisation=organisation,
        show_map=conf.show_map,
        # The topic suggestion, learnt by insights from the organisation's proposals and topics.
        suggest_url=reverse("insights_suggest", kwargs={"component_id": component.pk}),
    )
    similar: list[Proposal] = []
    step = "write"
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "check")
        kwargs = form.service_kwargs()
        try:
            if action in ("draft", "extras"):
                if draft is None:
                    draft = services.proposal_create(
                        component=component, by=request.user, publish=False, **kwargs
                    )
                else:
                    services.proposal_update_draft(proposal=draft, by=request.user, **kwargs)
                if action == "extras":
                    return redirect(_url("extras", component, public_id=draft.public_id))
                messages.success(request, _("Your draft is saved. You can come back to it from the list."))
                return redirect(_url("edit", component, public_id=draft.public_id))
            if action == "publish":
                if draft is None:
                    proposal = services.proposal_create(component=component, by=request.user, **kwargs)
                else:
                    services.proposal_update_draft(proposal=draft, by=request.user, **kwargs)
                    proposal = services.proposal_publish(proposal=draft, by=request.user)
                if proposal.is_hidden:
                    messages.warning(request, _("Your proposal will appear once a moderator has read it."))
                else:
                    messages.success(request, _("Your proposal is published. Thank you!"))
                return redirect(_url("detail", component, public_id=proposal.public_id))
            similar = selectors.similar_proposals(
                component=component,
                title=kwargs["title"],
                body=kwargs["body"],
                exclude=draft.pk if draft else None,
            )
            step = "check"
        except DomainError as exc:
            add_domain_error(form, exc)
    return render(
        request,
        "consultations/new.html",
        {
            **_base(request, component),
            "form": form,
            "draft": draft,
            "similar": similar,
            "step": step,
            "similar_url": _url("similar", component),
        },
    )


def extras(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    """Step 3 of the guided flow, on the saved draft: images and documents (checked by their content and size)
    and co-authors to invite; then publish. The draft keeps all of them if the author stops here."""
    component = _component(request, process_slug, component_id)
    decision = permissions.can_perform(request.user, component, "create")
    if not decision:
        return _login_or_refuse(request, component, decision)
    draft = _proposal(request, component, public_id)
    if draft.status != Status.DRAFT or draft.author_id != request.user.pk:
        raise Http404
    here = _url("extras", component, public_id=draft.public_id)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    attach_form = AttachmentForm(
        request.POST if action == "attach" else None, request.FILES if action == "attach" else None
    )
    invite_form = CoauthorForm(request.POST if action == "invite" else None)
    publish_error = ""
    try:
        if action == "attach" and attach_form.is_valid():
            upload = attach_form.cleaned_data["file"]
            services.proposal_attach(
                proposal=draft,
                by=request.user,
                data=upload.read(),
                description=attach_form.cleaned_data["description"],
            )
            messages.success(request, _("The file is added to your proposal."))
            return redirect(here + "#attachments-title")
        if action == "invite" and invite_form.is_valid():
            invitation = services.coauthor_invite(
                proposal=draft, by=request.user, email=invite_form.cleaned_data["email"]
            )
            messages.success(
                request,
                _("%(email)s will be invited when you publish the proposal.") % {"email": invitation.email},
            )
            return redirect(here + "#coauthors-title")
        if action == "publish":
            proposal = services.proposal_publish(proposal=draft, by=request.user)
            if proposal.is_hidden:
                messages.warning(request, _("Your proposal will appear once a moderator has read it."))
            else:
                messages.success(request, _("Your proposal is published. Thank you!"))
            return redirect(_url("detail", component, public_id=proposal.public_id))
    except DomainError as exc:
        if action == "attach":
            add_domain_error(attach_form, exc)
        elif action == "invite":
            add_domain_error(invite_form, exc)
        else:
            publish_error = str(exc)
    status = 200 if not (attach_form.errors or invite_form.errors or publish_error) else 400
    return render(
        request,
        "consultations/extras.html",
        {
            **_base(request, component, with_create=False),
            "draft": draft,
            "step": "extras",
            "attachments": list(draft.attachments.all()),
            "invitations": list(draft.coauthor_invitations.all()),
            "attach_form": attach_form,
            "invite_form": invite_form,
            "publish_error": publish_error,
            "max_attachments": services.MAX_ATTACHMENTS,
            "max_coauthors": services.MAX_COAUTHORS,
            "here": here,
        },
        status=status,
    )


def similar(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    """The similar-proposals box for a title and description being typed (``?title=&body=``)."""
    component = _component(request, process_slug, component_id)
    found = selectors.similar_proposals(
        component=component, title=request.GET.get("title", "")[:200], body=request.GET.get("body", "")[:2000]
    )
    return render(request, "consultations/_similar.html", {**_base(request, component), "similar": found})


# --- Proposal page and its actions --------------------------------------------------------------------


def detail(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    proposal = _proposal(request, component, public_id)
    if proposal.status == Status.MERGED and proposal.merged_into_id and not request.GET.get("original"):
        messages.info(request, _("This proposal was merged with others into the one below."))
        return redirect(_url("detail", component, public_id=proposal.merged_into.public_id))  # type: ignore[union-attr]
    conf = settings_of(component)
    staff = permissions.is_staff(request.user, component.process.organisation)
    has_amendments = proposal.has_amendments  # type: ignore[attr-defined]
    amendments = list(selectors.amendments_of(proposal=proposal, user=request.user)) if has_amendments else []
    for amendment in amendments:
        amendment.diff_title = selectors.text_diff(proposal.title, amendment.title)  # type: ignore[attr-defined]
        amendment.diff = selectors.text_diff(proposal.body, amendment.body)  # type: ignore[attr-defined]
    # Earlier versions exist only once an amendment was accepted.
    versions = (
        list(proposal.versions.all()) if any(a.state == Amendment.State.ACCEPTED for a in amendments) else []
    )
    history = [
        {"version": new, "diff": selectors.text_diff(old.body, new.body)}
        for old, new in itertools.pairwise(versions)
    ]
    allowed = decisions(request.user, component, ("support", "amend", "comment"), proposal)
    threshold = conf.support_threshold
    states = services.answer_states(component.process.organisation) if staff else []
    answer_form = None
    if staff:
        answer_form = AnswerForm(
            initial={
                "state": proposal.draft_answer_state or proposal.answer_state or BaseAnswer.EVALUATING,
                "body": proposal.draft_answer_body or proposal.answer_body,
                "cost": proposal.draft_answer_cost or proposal.answer_cost or "",
                "implementation_label": proposal.implementation_label,
                "implementation_url": proposal.implementation_url,
            },
            states=states,
        )
    context = {
        **_base(request, component, with_create=False),
        "proposal": proposal,
        "is_author": request.user.is_authenticated and proposal.author_id == request.user.pk,
        "supported": bool(getattr(proposal, "is_supported", False)),
        "following": bool(getattr(proposal, "is_following", False)),
        "blocked": bool(getattr(proposal, "is_blocked", False)),
        "endorsements": selectors.endorsements_of(proposal=proposal, user=request.user),
        "can_support": allowed["support"],
        "can_amend": allowed["amend"],
        "can_comment": allowed["comment"],
        "threshold": threshold,
        "progress": min(100, round(100 * proposal.supports_count / threshold)) if threshold else None,
        "amendments": amendments,
        "attachments": list(proposal.attachments.all()) if proposal.has_attachments else [],  # type: ignore[attr-defined]
        "coauthors": services.coauthors_of(proposal) if proposal.has_coauthors else [],  # type: ignore[attr-defined]
        "history": history,
        "answer_label": services.answer_label(component.process.organisation, proposal.answer_state)
        if proposal.answer_state
        else "",
        "answer_form": answer_form,
        "parts": list(proposal.split_parts.all()) if proposal.status == Status.SPLIT else [],
        # Only merge results (written by the organisation, no author) gather other proposals.
        "merged_from": list(proposal.merged_from.all()[:20]) if proposal.author_id is None else [],
    }
    return render(request, "consultations/detail.html", context)


@require_POST
def support(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    proposal = _proposal(request, component, public_id)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?{urlencode({'next': proposal.get_absolute_url()})}")
    try:
        if request.POST.get("withdraw"):
            services.proposal_unsupport(proposal=proposal, by=request.user)
            messages.success(request, _("Your support is withdrawn."))
        else:
            services.proposal_support(proposal=proposal, by=request.user)
            messages.success(request, _("Thank you for your support."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(
        (request.POST.get("back") == "list" and _url("index", component)) or proposal.get_absolute_url()
    )


@require_POST
def attach(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    """The author adds an image (with its text alternative) or a PDF; the file is judged by its content."""
    component = _component(request, process_slug, component_id)
    proposal = _proposal(request, component, public_id)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationFailed(_("Choose an image or a PDF document."), field="file")
        if upload.size and upload.size > max(attachments.MAX_IMAGE_BYTES, attachments.MAX_DOCUMENT_BYTES):
            raise ValidationFailed(services.ATTACHMENT_ERRORS["too_big"], field="file")
        services.proposal_attach(
            proposal=proposal,
            by=request.user,
            data=upload.read(),
            description=request.POST.get("description", ""),
        )
        messages.success(request, _("The file is added to your proposal."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(proposal.get_absolute_url() + "#attachments-title")


@require_POST
def detach(
    request: HttpRequest, process_slug: str, component_id: int, public_id: str, attachment_id: int
) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    proposal = _proposal(request, component, public_id)
    attachment = ProposalAttachment.objects.filter(proposal=proposal, pk=attachment_id).first()
    if attachment is None:
        raise Http404
    try:
        services.proposal_detach(attachment=attachment, by=request.user)
        messages.success(request, _("The file is removed."))
    except DomainError as exc:
        messages.error(request, str(exc))
    if request.POST.get("back") == "extras" and proposal.status == Status.DRAFT:
        return redirect(_url("extras", component, public_id=proposal.public_id) + "#attachments-title")
    return redirect(proposal.get_absolute_url())


@require_POST
def coauthor_invite(
    request: HttpRequest, process_slug: str, component_id: int, public_id: str
) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    proposal = _proposal(request, component, public_id)
    try:
        invitation = services.coauthor_invite(
            proposal=proposal, by=request.user, email=request.POST.get("email", "")
        )
        if proposal.status == Status.DRAFT:
            messages.success(
                request,
                _("%(email)s will be invited when you publish the proposal.") % {"email": invitation.email},
            )
        else:
            messages.success(request, _("An invitation is sent to %(email)s.") % {"email": invitation.email})
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(proposal.get_absolute_url() + "#coauthors-title")


def coauthor_accept(
    request: HttpRequest, process_slug: str, component_id: int, public_id: str, token: str
) -> HttpResponse:
    """The invitation link: sign in first, then confirm (a GET never changes anything)."""
    component = _component(request, process_slug, component_id)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}")
    try:
        proposal = Proposal.objects.get(component=component, public_id=public_id)
    except Proposal.DoesNotExist:
        raise Http404 from None
    if request.method == "POST":
        try:
            services.coauthor_accept(token=token, by=request.user)
            messages.success(request, _("You now sign this proposal with its author."))
        except DomainError as exc:
            messages.error(request, str(exc))
        return redirect(proposal.get_absolute_url())
    return render(
        request,
        "consultations/coauthor_accept.html",
        {**_base(request, component, with_create=False), "proposal": proposal},
    )


@require_POST
def withdraw(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    proposal = _proposal(request, component, public_id)
    try:
        services.proposal_withdraw(proposal=proposal, by=request.user)
        messages.success(request, _("Your proposal is withdrawn."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(proposal.get_absolute_url())


def amend(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    proposal = _proposal(request, component, public_id)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}")
    form = AmendmentForm(request.POST or None, initial={"title": proposal.title, "body": proposal.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.amendment_create(proposal=proposal, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Your amendment was sent to the author of the proposal."))
            return redirect(proposal.get_absolute_url() + "#amendments")
    return render(
        request, "consultations/amend.html", {**_base(request, component), "proposal": proposal, "form": form}
    )


@require_POST
def amendment_decide(
    request: HttpRequest,
    process_slug: str,
    component_id: int,
    public_id: str,
    amendment_id: str,
    decision: str,
) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    proposal = _proposal(request, component, public_id)
    amendment = (
        Amendment.objects.filter(proposal=proposal, public_id=amendment_id).select_related("proposal").first()
    )
    if amendment is None:
        raise Http404
    try:
        if decision == "accept":
            services.amendment_accept(amendment=amendment, by=request.user)
            messages.success(request, _("The amendment is accepted: the proposal now has its text."))
        elif decision == "reject":
            services.amendment_reject(amendment=amendment, by=request.user)
            messages.success(request, _("The amendment is rejected."))
        elif decision == "promote":
            created = services.amendment_promote(amendment=amendment, by=request.user)
            messages.success(request, _("Your amendment is now a proposal of its own."))
            return redirect(_url("detail", component, public_id=created.public_id))
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(proposal.get_absolute_url() + "#amendments")


# --- Staff: answers, merge, split ---------------------------------------------------------------------


def _require_staff(request: HttpRequest, component: Component) -> None:
    if not permissions.is_staff(request.user, component.process.organisation):
        raise Http404


@require_POST
def answer(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    _require_staff(request, component)
    proposal = _proposal(request, component, public_id)
    try:
        services.proposal_answer_prepare(
            proposal=proposal,
            by=request.user,
            state=request.POST.get("state", ""),
            body=request.POST.get("body", ""),
            cost=request.POST.get("cost", ""),
            implementation_label=request.POST.get("implementation_label", ""),
            implementation_url=request.POST.get("implementation_url", ""),
        )
        if request.POST.get("publish"):
            services.proposal_answers_publish(
                component=component, by=request.user, proposal_ids=[proposal.pk]
            )
            messages.success(request, _("The answer is published."))
        else:
            messages.success(request, _("The answer is prepared; it stays private until you publish it."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(proposal.get_absolute_url() + "#answer")


def answers(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    _require_staff(request, component)
    organisation = component.process.organisation
    state_form = AnswerStateForm(request.POST if request.POST.get("new_state") else None)
    if request.method == "POST":
        try:
            if request.POST.get("new_state"):
                if state_form.is_valid():
                    services.answer_state_create(
                        organisation=organisation, by=request.user, **state_form.cleaned_data
                    )
                    messages.success(request, _("The answer state is added."))
                    return redirect(_url("answers", component))
            else:
                ids = [int(i) for i in request.POST.getlist("proposals") if i.isdigit()]
                count = services.proposal_answers_publish(
                    component=component, by=request.user, proposal_ids=ids or None
                )
                messages.success(request, _("%(n)d answers published.") % {"n": count})
                return redirect(_url("answers", component))
        except DomainError as exc:
            add_domain_error(state_form, exc) if request.POST.get("new_state") else messages.error(
                request, str(exc)
            )
    page = Paginator(selectors.answer_queue(component=component), 50).get_page(request.GET.get("page"))
    labels = {slug: label for slug, label, _b in services.answer_states(organisation)}
    rows = list(page.object_list)
    for row in rows:
        row.answer_label = labels.get(row.answer_state, row.answer_state)  # type: ignore[attr-defined]
    return render(
        request,
        "consultations/answers.html",
        {
            **_base(request, component),
            "page": page,
            "rows": rows,
            "state_form": state_form,
            "merge_url": _url("merge", component),
        },
    )


def merge(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    _require_staff(request, component)
    ids = [
        int(i)
        for i in (request.POST.getlist("proposals") or request.GET.getlist("proposals"))
        if str(i).isdigit()
    ]
    chosen = list(selectors.proposal_list(component=component, user=request.user).filter(pk__in=ids))
    form = AmendmentForm(
        request.POST if request.POST.get("confirm") else None,
        initial={"title": chosen[0].title if chosen else "", "body": "\n\n".join(p.body for p in chosen)},
    )
    if request.method == "POST" and request.POST.get("confirm") and form.is_valid():
        try:
            result = services.proposal_merge(
                component=component,
                by=request.user,
                proposal_ids=ids,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The proposals are merged."))
            return redirect(_url("detail", component, public_id=result.public_id))
    return render(
        request, "consultations/merge.html", {**_base(request, component), "chosen": chosen, "form": form}
    )


def split(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    _require_staff(request, component)
    proposal = _proposal(request, component, public_id)
    error = ""
    parts = [(request.POST.get(f"title_{i}", ""), request.POST.get(f"body_{i}", "")) for i in range(1, 4)]
    if request.method == "POST":
        try:
            created = services.proposal_split(
                proposal=proposal, by=request.user, parts=[p for p in parts if p[0] or p[1]]
            )
        except DomainError as exc:
            error = str(exc)
        else:
            messages.success(request, _("The proposal is split into %(n)d proposals.") % {"n": len(created)})
            return redirect(proposal.get_absolute_url())
    return render(
        request,
        "consultations/split.html",
        {**_base(request, component), "proposal": proposal, "parts": parts, "error": error},
    )


# --- Debates ------------------------------------------------------------------------------------------


def debates(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    page = Paginator(selectors.debate_list(component=component, user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "consultations/debates.html",
        {
            **_base(request, component),
            "page": page,
            "can_debate": permissions.can_perform(request.user, component, "debate"),
        },
    )


def debate_new(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    decision = permissions.can_perform(request.user, component, "debate")
    if not decision:
        return _login_or_refuse(request, component, decision)
    form = DebateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.debate_create(component=component, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            if created.is_hidden:
                messages.warning(request, _("Your debate will appear once a moderator has read it."))
            return redirect(created.get_absolute_url())
    return render(request, "consultations/debate_new.html", {**_base(request, component), "form": form})


def debate(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    try:
        item = selectors.access_debate(component=component, user=request.user, public_id=public_id)
    except NotFound as exc:
        raise Http404 from exc
    return render(
        request,
        "consultations/debate.html",
        {**_base(request, component), "debate": item, "close_form": CloseDebateForm()},
    )


@require_POST
def debate_close(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    _require_staff(request, component)
    try:
        item = selectors.access_debate(component=component, user=request.user, public_id=public_id)
        services.debate_close(debate=item, by=request.user, conclusion=request.POST.get("conclusion", ""))
        messages.success(request, _("The debate is closed and its conclusion published."))
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(_url("debate", component, public_id=public_id))


# --- Groups (organisations of citizens) and their endorsements ----------------------------------------


@require_POST
def endorse(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    """A member of a verified group endorses the proposal on its behalf (``withdraw=1`` takes it back)."""
    component = _component(request, process_slug, component_id)
    proposal = _proposal(request, component, public_id)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?{urlencode({'next': proposal.get_absolute_url()})}")
    try:
        group = selectors.access_user_group(
            organisation=component.process.organisation, public_id=request.POST.get("group", "")
        )
        if request.POST.get("withdraw"):
            services.proposal_unendorse(proposal=proposal, group=group, by=request.user)
            messages.success(request, _("The endorsement of %(group)s is withdrawn.") % {"group": group.name})
        else:
            services.proposal_endorse(proposal=proposal, group=group, by=request.user)
            messages.success(request, _("%(group)s now endorses this proposal.") % {"group": group.name})
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(proposal.get_absolute_url() + "#endorsements-title")


def groups(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    """The groups page: create a group; administrators verify the groups waiting for it."""
    component = _component(request, process_slug, component_id)
    organisation = component.process.organisation
    form = UserGroupForm(request.POST or None)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}")
        if form.is_valid():
            try:
                services.user_group_create(organisation=organisation, by=request.user, **form.cleaned_data)
                messages.success(
                    request,
                    _("Your group is created. It can endorse proposals once the organisation verifies it."),
                )
                return redirect(_url("groups", component))
            except DomainError as exc:
                add_domain_error(form, exc)
    return render(
        request,
        "consultations/groups.html",
        {
            **_base(request, component, with_create=False),
            "form": form,
            "groups": selectors.user_groups_page(organisation=organisation, user=request.user),
            "invitations": selectors.invitations_for(organisation=organisation, user=request.user),
            "is_admin": permissions.is_admin(request.user, organisation),
        },
    )


@require_POST
def group_verify(request: HttpRequest, process_slug: str, component_id: int, group_id: str) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    try:
        group = selectors.access_user_group(organisation=component.process.organisation, public_id=group_id)
    except NotFound as exc:
        raise Http404 from exc
    try:
        verified = not request.POST.get("unverify")
        services.user_group_verify(group=group, by=request.user, verified=verified)
        messages.success(
            request,
            (_("%(group)s is verified.") if verified else _("%(group)s is no longer verified."))
            % {"group": group.name},
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(_url("groups", component))


def _group_url(component: Component, group: Any) -> str:
    return _url("group", component, group_id=group.public_id)


def group(request: HttpRequest, process_slug: str, component_id: int, group_id: str) -> HttpResponse:
    """A group's page: its members and pending invitations for its administrators (who invite and remove),
    the invitation to answer for an invited person, a way to leave for a member."""
    component = _component(request, process_slug, component_id)
    organisation = component.process.organisation
    try:
        page = selectors.user_group_page(organisation=organisation, public_id=group_id, user=request.user)
    except NotFound as exc:
        raise Http404 from exc
    form = GroupInvitationForm(request.POST or None)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}")
        if form.is_valid():
            try:
                invitation = services.user_group_invite(
                    group=page.group,
                    by=request.user,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    link=request.build_absolute_uri(_group_url(component, page.group)),
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("%(name)s is invited; they will join the group once they accept.")
                    % {"name": invitation.user.public_name},
                )
                return redirect(_group_url(component, page.group))
    return render(
        request,
        "consultations/group.html",
        {**_base(request, component, with_create=False), "page": page, "form": form},
    )


@require_POST
def group_member_remove(
    request: HttpRequest, process_slug: str, component_id: int, group_id: str, user_id: str
) -> HttpResponse:
    """An administrator removes a member, or a member leaves (``user_id`` is their own)."""
    component = _component(request, process_slug, component_id)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}")
    try:
        group = selectors.access_user_group(organisation=component.process.organisation, public_id=group_id)
    except NotFound as exc:
        raise Http404 from exc
    member = selectors.user_group_member(group=group, user_public_id=user_id)
    if member is None:
        raise Http404
    try:
        services.user_group_remove_member(group=group, by=request.user, user=member)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect(_group_url(component, group))
    if member.pk == request.user.pk:
        messages.success(request, _("You left %(group)s.") % {"group": group.name})
        return redirect(_url("groups", component))
    messages.success(request, _("%(name)s is no longer in the group.") % {"name": member.public_name})
    return redirect(_group_url(component, group))


@require_POST
def group_invitation(
    request: HttpRequest,
    process_slug: str,
    component_id: int,
    group_id: str,
    invitation_id: int,
    decision: str,
) -> HttpResponse:
    """The invited person accepts or declines; an administrator of the group revokes."""
    component = _component(request, process_slug, component_id)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}")
    try:
        group = selectors.access_user_group(organisation=component.process.organisation, public_id=group_id)
    except NotFound as exc:
        raise Http404 from exc
    invitation = group.invitations.filter(pk=invitation_id).select_related("group", "user").first()
    if invitation is None or decision not in ("accept", "decline", "revoke"):
        raise Http404
    try:
        if decision == "revoke":
            services.user_group_invitation_revoke(invitation=invitation, by=request.user)
            messages.success(request, _("The invitation is withdrawn."))
        else:
            services.user_group_invitation_answer(
                invitation=invitation, by=request.user, accept=decision == "accept"
            )
            if decision == "accept":
                messages.success(request, _("You joined %(group)s.") % {"group": group.name})
            else:
                messages.success(request, _("You declined the invitation."))
                return redirect(_url("groups", component))
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect(_url("groups", component))
    return redirect(_group_url(component, group))
