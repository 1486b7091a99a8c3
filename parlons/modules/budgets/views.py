"""Pages of the budgets module: projects, proposal, ballot, results, execution, and the staff review queue."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parlons.common.errors import DomainError, NotFound
from parlons.core import permissions
from parlons.core.models import Component
from parlons.core.routing import component_or_404, component_reverse
from parlons.core.selectors import area_list
from parlons.dialogue import selectors as dialogue_selectors
from parlons.modules.budgets import selectors, services
from parlons.modules.budgets.forms import (
    AssistedBallotForm,
    MilestoneForm,
    PhotoForm,
    ProgressForm,
    ProposeForm,
    ReviewForm,
    SpendingForm,
)
from parlons.modules.budgets.models import Budget, Project
from parlons.modules.budgets.permissions import can_propose, vote_decision


def _component(request: HttpRequest, process_slug: str, component_id: int) -> Component:
    return component_or_404(
        request, process_slug=process_slug, component_id=component_id, module_key="budgets"
    )


def _budget(component: Component, budget_id: int) -> Budget:
    try:
        return selectors.access_budget(component=component, budget_id=budget_id)
    except NotFound as exc:
        raise Http404 from exc


def _is_staff(request: HttpRequest, component: Component) -> bool:
    return permissions.is_staff(request.user, component.process.organisation)


def _url(component: Component, name: str, **kwargs: Any) -> str:
    return component_reverse(component, name, **kwargs)


def _attach_error(form: Any, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc))


def _ctx(component: Component, **extra: Any) -> dict[str, Any]:
    return {"component": component, "process": component.process, **extra}


def index(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    budgets = list(selectors.budget_list(component=component))
    chosen = next((b for b in budgets if str(b.pk) == request.GET.get("budget")), None)
    area_id = request.GET.get("area", "")
    status = request.GET.get("status", "")
    projects = list(
        selectors.project_list(
            component=component,
            budget=chosen,
            area_id=int(area_id) if area_id.isdigit() else None,
            status=status if status in selectors.PUBLIC_STATUSES else "",
            query=request.GET.get("q", "").strip()[:100],
        )
    )
    return render(
        request,
        "budgets/index.html",
        _ctx(
            component,
            budgets=budgets,
            projects=projects,
            areas=list(area_list(organisation=component.process.organisation)),
            statuses=[(s, label) for s, label in Project.Status.choices if s in selectors.PUBLIC_STATUSES],
            filters={
                "budget": request.GET.get("budget", ""),
                "area": area_id,
                "status": status,
                "q": request.GET.get("q", ""),
            },
            can_propose=any(b.status == Budget.Status.DRAFT for b in budgets)
            and bool(can_propose(request.user, component)),
            staff=_is_staff(request, component),
        ),
    )


def propose(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    decision = can_propose(request.user, component)
    if not decision:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        return render(request, "budgets/denied.html", _ctx(component, reason=decision.reason), status=403)
    budgets = selectors.budget_list(component=component).filter(status=Budget.Status.DRAFT)
    areas = area_list(organisation=component.process.organisation)
    form = ProposeForm(request.POST or None, request.FILES or None, budgets=budgets, areas=areas)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_submit(
                budget=form.cleaned_data["budget"],
                by=request.user,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                cost=form.cleaned_data["cost"],
                area=form.cleaned_data["area"],
                image=form.cleaned_data["image"],
                image_alt=form.cleaned_data["image_alt"],
            )
        except DomainError as exc:
            _attach_error(form, exc)
        else:
            messages.success(request, _("Thank you: your project will be reviewed by the town's services."))
            return redirect(_url(component, "project", public_id=project.public_id))
    return render(request, "budgets/propose.html", _ctx(component, form=form))


def project(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    staff = _is_staff(request, component)
    try:
        item = selectors.access_project(
            component=component, public_id=public_id, user=request.user, staff=staff
        )
    except NotFound as exc:
        raise Http404 from exc
    funded = item.status in services.FUNDED
    return render(
        request,
        "budgets/project.html",
        _ctx(
            component,
            project=item,
            staff=staff,
            funded=funded,
            milestones=list(item.milestones.all()) if funded else [],
            photos=list(item.photos.all()) if funded else [],
            photo_form=PhotoForm(),
            following=funded and dialogue_selectors.is_following(user=request.user, target=item),
            spending=list(item.spending.all()) if funded else [],
            spent=selectors.spending_total(project=item) if funded else 0,
            spending_form=SpendingForm(),
            milestone_form=MilestoneForm(),
            progress_form=ProgressForm(initial={"progress": item.progress}),
        ),
    )


@require_POST
def project_follow_up(
    request: HttpRequest, process_slug: str, component_id: int, public_id: str
) -> HttpResponse:
    """Staff updates of a funded project: a spending event, a milestone, or the progress."""
    component = _component(request, process_slug, component_id)
    if not _is_staff(request, component):
        raise Http404
    try:
        item = selectors.access_project(component=component, public_id=public_id, staff=True)
    except NotFound as exc:
        raise Http404 from exc
    kind = request.POST.get("kind")
    form: Any
    try:
        if kind == "spending":
            form = SpendingForm(request.POST, request.FILES)
            if form.is_valid():
                services.spending_record(
                    project=item,
                    by=request.user,
                    amount=form.cleaned_data["amount"],
                    on=form.cleaned_data["date"],
                    supplier=form.cleaned_data["supplier"],
                    description=form.cleaned_data["description"],
                    document=form.cleaned_data["document"],
                )
        elif kind == "photo":
            form = PhotoForm(request.POST, request.FILES)
            if form.is_valid():
                services.project_photo_add(
                    project=item,
                    by=request.user,
                    upload=form.cleaned_data["file"],
                    alt_text=form.cleaned_data["alt_text"],
                    taken_on=form.cleaned_data["taken_on"],
                )
        elif kind == "milestone":
            form = MilestoneForm(request.POST)
            if form.is_valid():
                services.milestone_add(
                    project=item,
                    by=request.user,
                    title=form.cleaned_data["title"],
                    due_date=form.cleaned_data["due_date"],
                )
        else:
            form = ProgressForm(request.POST)
            if form.is_valid():
                services.project_progress(
                    project=item, by=request.user, progress=form.cleaned_data["progress"]
                )
    except DomainError as exc:
        _attach_error(form, exc)
    if form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, _("Saved."))
    return redirect(_url(component, "project", public_id=item.public_id))


@require_POST
def project_follow(
    request: HttpRequest, process_slug: str, component_id: int, public_id: str
) -> HttpResponse:
    """Follow, or stop following, a funded project's execution."""
    component = _component(request, process_slug, component_id)
    try:
        item = selectors.access_project(component=component, public_id=public_id, user=request.user)
    except NotFound as exc:
        raise Http404 from exc
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={item.get_absolute_url()}")
    if services.project_follow(project=item, by=request.user, follow=request.POST.get("follow") == "1"):
        messages.success(request, _("You follow this project: its news will reach you."))
    else:
        messages.success(request, _("You no longer follow this project."))
    return redirect(_url(component, "project", public_id=item.public_id))


def _ballot_context(
    component: Component, budget: Budget, selected: dict[str, int], errors: dict[str, str]
) -> dict:
    projects = list(
        selectors.project_list(component=component, budget=budget).filter(status__in=services.ON_BALLOT)
    )
    used = sum(p.cost for p in projects if p.public_id in selected)
    ranked = sorted(selected, key=lambda k: -selected[k])
    return _ctx(
        component,
        budget=budget,
        projects=projects,
        selected=selected,
        ranks=[(n + 1, ranked[n] if n < len(ranked) else "") for n in range(budget.top_k)],
        used=used,
        errors=errors,
    )


def _parse_ballot(budget: Budget, post: Any) -> list[str] | dict[str, int]:
    if budget.ballot_type == Budget.BallotType.CUMULATIVE:
        points: dict[str, int] = {}
        for key, value in post.items():
            if key.startswith("points-") and value.strip():
                try:
                    points[key[7:]] = int(value)
                except ValueError:
                    points[key[7:]] = -1
        return points
    if budget.ballot_type == Budget.BallotType.RANKED:
        ranked = [post.get(f"rank-{n}", "") for n in range(1, budget.top_k + 1)]
        return [r for r in ranked if r]
    return post.getlist("projects")


def _as_selected(choices: list[str] | dict[str, int]) -> dict[str, int]:
    if isinstance(choices, dict):
        return choices
    return {k: len(choices) - n for n, k in enumerate(choices)}


def vote(request: HttpRequest, process_slug: str, component_id: int, budget_id: int) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    budget = _budget(component, budget_id)
    decision = vote_decision(request.user, budget)
    errors: dict[str, str] = {}
    existing = selectors.ballot_get(budget=budget, user=request.user)
    pk_to_public = dict(budget.projects.values_list("pk", "public_id"))
    selected = {pk_to_public[pk]: pts for pk, pts in existing.choices} if existing else {}
    if request.method == "POST":
        if not decision:
            if not request.user.is_authenticated:
                return redirect(f"{reverse('account_login')}?next={request.path}")
            return render(request, "budgets/denied.html", _ctx(component, reason=decision.reason), status=403)
        choices = _parse_ballot(budget, request.POST)
        try:
            services.ballot_cast(budget=budget, voter=request.user, choices=choices)
        except DomainError as exc:
            errors[exc.field or "projects"] = str(exc)
            selected = _as_selected(choices)
        else:
            messages.success(
                request,
                _(
                    "Your ballot is recorded. You can change it until the vote closes; only the last one counts."
                ),
            )
            return redirect(_url(component, "vote", budget_id=budget.pk))
    context = _ballot_context(component, budget, selected, errors)
    context.update(
        decision=decision,
        has_ballot=existing is not None,
        staff=_is_staff(request, component),
        receipt_code=existing.receipt_code if existing else "",
        organisation=component.process.organisation,
    )
    return render(request, "budgets/vote.html", context, status=400 if errors else 200)


def assisted_vote(request: HttpRequest, process_slug: str, component_id: int, budget_id: int) -> HttpResponse:
    """An agent enters the ballot of someone voting in person (same one-person rule)."""
    component = _component(request, process_slug, component_id)
    if not _is_staff(request, component):
        raise Http404
    budget = _budget(component, budget_id)
    organisation = component.process.organisation
    form = AssistedBallotForm(
        request.POST or None,
        areas=area_list(organisation=organisation),
        census=services.has_census(organisation),
    )
    errors: dict[str, str] = {}
    selected: dict[str, int] = {}
    if request.method == "POST" and form.is_valid():
        choices = _parse_ballot(budget, request.POST)
        selected = _as_selected(choices)
        data = form.cleaned_data
        try:
            residence = data["residence"]
            if form.census:
                key, listed = services.in_person_census_key(
                    organisation=organisation,
                    identifier=data["identifier"],
                    birth_date=data["birth_date"],
                    postal_code=data["postal_code"],
                )
                residence = listed or residence
            else:
                key = services.in_person_key(full_name=data["full_name"], birth_date=data["birth_date"])
            ballot = services.ballot_cast(
                budget=budget,
                voter=None,
                choices=choices,
                assisted_by=request.user,
                person_key=key,
                residence=residence,
            )
        except DomainError as exc:
            if exc.field in form.fields:
                form.add_error(exc.field, str(exc))
            else:
                errors[exc.field or "projects"] = str(exc)
        else:
            messages.success(request, _("The in-person ballot is recorded."))
            # The agent prints the citizen's receipt from the next page (the code only, no name).
            return redirect(
                f"{_url(component, 'assisted', budget_id=budget.pk)}?receipt={ballot.receipt_code}"
            )
    context = _ballot_context(component, budget, selected, errors)
    context.update(
        form=form, assisted=True, decision=permissions.Decision(budget.status == Budget.Status.OPEN)
    )
    # The receipt of the ballot just entered, to print for the citizen: only a code of this budget's ballots.
    code = request.GET.get("receipt", "")
    if selectors.is_assisted_receipt(budget, code):
        context["printable_receipt"] = code
    return render(request, "budgets/vote.html", context)


def results(request: HttpRequest, process_slug: str, component_id: int, budget_id: int) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    budget = _budget(component, budget_id)
    result = selectors.result_get(budget=budget)
    rows: list[dict[str, Any]] = []
    if result is not None:
        projects = {p.pk: p for p in selectors.project_list(component=component, budget=budget)}
        explained = {line["project"]: line for line in result.explanation}
        winners = set(result.winners)
        for pk in [
            *result.winners,
            *sorted(set(projects) - winners, key=lambda k: -result.votes.get(str(k), 0)),
        ]:
            if pk in projects:
                rows.append(
                    {
                        "project": projects[pk],
                        "won": pk in winners,
                        "votes": result.votes.get(str(pk), 0),
                        "why": explained.get(pk),
                    }
                )
    return render(
        request,
        "budgets/results.html",
        _ctx(
            component,
            budget=budget,
            result=result,
            rows=rows,
            left=budget.amount - result.cost if result else budget.amount,
            staff=permissions.is_admin(request.user, component.process.organisation),
        ),
    )


def execution(request: HttpRequest, process_slug: str, component_id: int, budget_id: int) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    budget = _budget(component, budget_id)
    funded = list(
        selectors.project_list(component=component, budget=budget)
        .filter(status__in=services.FUNDED)
        .prefetch_related("milestones", "spending", "photos")
    )
    for item in funded:
        item.spent = sum(s.amount for s in item.spending.all())  # type: ignore[attr-defined]
    return render(request, "budgets/execution.html", _ctx(component, budget=budget, projects=funded))


def export(request: HttpRequest, process_slug: str, component_id: int, budget_id: int) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    budget = _budget(component, budget_id)
    if budget.status != Budget.Status.CLOSED:
        raise Http404
    response = HttpResponse(
        selectors.budget_export_pb(budget=budget), content_type="text/plain; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="budget-{budget.pk}.pb"'
    return response


@require_POST
def change_status(request: HttpRequest, process_slug: str, component_id: int, budget_id: int) -> HttpResponse:
    """Administrators open or close a vote."""
    component = _component(request, process_slug, component_id)
    if not permissions.is_admin(request.user, component.process.organisation):
        raise Http404
    budget = _budget(component, budget_id)
    try:
        if request.POST.get("action") == "open":
            services.budget_open(budget=budget, by=request.user)
            messages.success(request, _("The vote is open."))
        else:
            services.budget_close(budget=budget, by=request.user)
            messages.success(request, _("The vote is closed and the result is published."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(_url(component, "results", budget_id=budget.pk))


def review_queue(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    if not _is_staff(request, component):
        raise Http404
    queue = list(selectors.review_queue(component=component))
    return render(request, "budgets/review.html", _ctx(component, queue=queue, form=ReviewForm()))


def review(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    if not _is_staff(request, component):
        raise Http404
    try:
        item = selectors.access_project(component=component, public_id=public_id, staff=True)
    except NotFound as exc:
        raise Http404 from exc
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_review(
                project=item,
                by=request.user,
                feasible=form.cleaned_data["feasible"],
                reason=form.cleaned_data["reason"],
                cost=form.cleaned_data["cost"],
            )
        except DomainError as exc:
            _attach_error(form, exc)
        else:
            messages.success(request, _("Review saved."))
            return redirect(_url(component, "review"))
    return render(request, "budgets/review_project.html", _ctx(component, project=item, form=form))
