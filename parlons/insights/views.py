"""The analysis page for officials: themes of the organisation's (or a process's) contributions, drill-down,
and corrections. Staff of the request's organisation only; everything is read through the selectors, which
scope to ``request.organisation``, so another town's themes answer 404."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parlons.common.errors import DomainError, NotFound
from parlons.core import permissions, registry
from parlons.core.models import Process
from parlons.insights import selectors, services
from parlons.insights.models import ACTIVE_STATUSES

View = Callable[..., HttpResponse]
CHART_WIDTH = 560
BAR_HEIGHT = 28
PAGE_SIZE = 25


def staff_only(view: View) -> View:
    """Anonymous → login; not staff of this organisation → 403; a ``NotFound`` from a selector → 404."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not permissions.is_staff(request.user, request.organisation):  # type: ignore[attr-defined]
            raise PermissionDenied
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404 from exc

    return wrapped


def _process(request: HttpRequest, slug: str | None) -> Process | None:
    if slug is None:
        return None
    return selectors.process_for_insights(organisation=request.organisation, slug=slug)  # type: ignore[attr-defined]


def _url(name: str, process: Process | None, **kwargs: Any) -> str:
    if process is not None:
        return reverse(f"insights:process_{name}", kwargs={"slug": process.slug, **kwargs})
    return reverse(f"insights:{name}", kwargs=kwargs or None)


def _filters(request: HttpRequest) -> selectors.Filters:
    def day(name: str) -> date | None:
        try:
            return parse_date(request.GET.get(name, "") or "")
        except ValueError:
            return None

    return selectors.Filters(
        module=request.GET.get("module", "")[:40],
        area=request.GET.get("area", "")[:200],
        since=day("since"),
        until=day("until"),
    )


def _module_names() -> dict[str, str]:
    return {m.key: str(m.name) for m in registry.all_modules()}


def _chart(rows: list[selectors.ThemeRow]) -> dict[str, Any]:
    biggest = max((r.count for r in rows), default=0) or 1
    bars = []
    for i, r in enumerate(rows):
        bars.append(
            {"row": r, "y": i * BAR_HEIGHT, "width": max(2, round(r.count / biggest * (CHART_WIDTH - 200)))}
        )
    return {"bars": bars, "width": CHART_WIDTH, "height": max(BAR_HEIGHT, len(rows) * BAR_HEIGHT)}


def _scope_context(request: HttpRequest, process: Process | None) -> dict[str, Any]:
    organisation = request.organisation  # type: ignore[attr-defined]
    run = selectors.run_latest(organisation=organisation, process=process)
    return {
        "process": process,
        "run": run,
        "running": run is not None and run.status in ACTIVE_STATUSES,
        "run_url": _url("run", process),
        "home_url": _url("overview", process),
        "section": "insights",
        "module_names": _module_names(),
    }


@require_GET
@staff_only
def home(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """Themes of the scope as a chart with its table, filters, and the state of the last analysis."""
    organisation = request.organisation  # type: ignore[attr-defined]
    process = _process(request, slug)
    filters = _filters(request)
    rows = selectors.theme_table(
        organisation=organisation, process=process, filters=filters, today=timezone.localdate()
    )
    context = _scope_context(request, process)
    district_signals = context["run"].district_signals if context["run"] else []
    tensions: list[dict[str, Any]] = [
        {"row": r, "week": week}
        for top in rows
        for r in (top, *top.children)
        for week in r.tensions[:1]  # the latest flagged week of each theme
    ]
    tensions.sort(key=lambda t: (-t["week"].week.toordinal(), -t["week"].negative_share))
    context.update(
        rows=rows,
        chart=_chart(rows),
        filters=filters,
        choices=selectors.filter_choices(organisation=organisation, process=process),
        weeks=selectors.weeks_for(timezone.localdate()),
        processes=Process.objects.for_organisation(organisation).order_by("title"),
        district_signals=_with_examples(organisation, process, district_signals),
        tensions=tensions,
    )
    return render(request, "insights/home.html", context)


def _with_examples(organisation: Any, process: Process | None, signals: list[dict]) -> list[dict]:
    """Weak signals with their evidence ready to show: weekly counts as (date, count) and the example
    contributions' rows (one query)."""
    ids = [i for s in signals for i in s.get("examples", [])]
    by_doc = selectors.texts_by_doc_id(organisation=organisation, process=process, doc_ids=ids) if ids else {}
    out = []
    for signal in signals:
        weekly = []
        for day, count in signal.get("weekly", []):
            parsed = parse_date(day) if isinstance(day, str) else None
            if parsed is not None:
                weekly.append((parsed, count))
        out.append(
            {
                **signal,
                "weekly_counts": weekly,
                "earlier": [n for _day, n in weekly[:-1]],
                "example_texts": [by_doc[i] for i in signal.get("examples", []) if i in by_doc],
            }
        )
    return out


@require_POST
@staff_only
def run(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    process = _process(request, slug)
    try:
        services.analysis_request(organisation=request.organisation, process=process, by=request.user)  # type: ignore[attr-defined]
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The analysis has started; this page shows its progress."))
    return HttpResponseRedirect(_url("overview", process))


@require_GET
@staff_only
def run_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel, polled by HTMX while the analysis runs."""
    analysis = selectors.run_get(organisation=request.organisation, pk=pk)  # type: ignore[attr-defined]
    context = {
        "run": analysis,
        "running": analysis.status in ACTIVE_STATUSES,
        "home_url": _url("overview", analysis.process),
    }
    return render(request, "insights/_run.html", context)


@require_GET
@staff_only
def theme(request: HttpRequest, key: str, slug: str | None = None) -> HttpResponse:
    """One theme: sub-themes, keywords, tone, trend, districts, quotes, duplicates, and its contributions."""
    organisation = request.organisation  # type: ignore[attr-defined]
    process = _process(request, slug)
    item = selectors.theme_get(organisation=organisation, process=process, key=key)
    filters = _filters(request)
    today = timezone.localdate()
    table = selectors.theme_table(organisation=organisation, process=process, filters=filters, today=today)
    row = next((r for r in table if r.theme.key == (item.parent_key or item.key)), None)
    if row is not None and item.parent_key:
        row = next((c for c in row.children if c.theme.key == item.key), row)
    page = Paginator(selectors.theme_texts(theme=item, filters=filters).order_by("-created", "pk"), PAGE_SIZE)
    contributions = page.get_page(request.GET.get("page"))
    duplicate_ids = [i for group in item.duplicates for i in group["ids"]]
    by_doc = selectors.texts_by_doc_id(organisation=organisation, process=process, doc_ids=duplicate_ids)
    parent = (
        selectors.theme_get(organisation=organisation, process=process, key=item.parent_key)
        if item.parent_key
        else None
    )
    context = _scope_context(request, process)
    weeks = selectors.weeks_for(today)
    tone_weeks = row.tone_weeks if row else selectors.tone_weeks(theme=item, weeks=weeks)
    tension_ids = [i for w in tone_weeks if w.tension for i in w.examples]
    by_tension = (
        selectors.texts_by_doc_id(organisation=organisation, process=process, doc_ids=tension_ids)
        if tension_ids
        else {}
    )
    context.update(
        signals=_with_examples(organisation, process, item.signals),
        tone_weeks=tone_weeks,
        tensions=[
            {"week": w, "texts": [by_tension[i] for i in w.examples if i in by_tension]}
            for w in reversed(tone_weeks)
            if w.tension
        ],
        theme=item,
        parent=parent,
        row=row,
        weekly=list(zip(weeks, row.weeks if row else [0] * len(weeks), strict=True)),
        trend_max=max(row.weeks) if row and row.weeks and max(row.weeks) else 1,
        quotes=selectors.quotes(theme=item),
        contributions=contributions,
        filters=filters,
        choices=selectors.filter_choices(organisation=organisation, process=process),
        others=[r.theme for r in table if r.theme.key != item.key],
        themes=[r.theme for r in table],
        duplicate_groups=[
            {
                "kind": g["kind"],
                "similarity": g["similarity"],
                "texts": [by_doc[i] for i in g["ids"] if i in by_doc],
            }
            for g in item.duplicates
        ],
        theme_url=_url("theme", process, key=item.key),
    )
    return render(request, "insights/theme.html", context)


def _correction(request: HttpRequest, slug: str | None, key: str, apply: Callable[..., Any]) -> HttpResponse:
    organisation = request.organisation  # type: ignore[attr-defined]
    process = _process(request, slug)
    item = selectors.theme_get(organisation=organisation, process=process, key=key)
    try:
        target = apply(item, process)
    except DomainError as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(_url("theme", process, key=item.key))
    return HttpResponseRedirect(target)


@require_POST
@staff_only
def rename(request: HttpRequest, key: str, slug: str | None = None) -> HttpResponse:
    def apply(item: Any, process: Process | None) -> str:
        services.theme_rename(theme=item, label=request.POST.get("label", ""), by=request.user)
        messages.success(request, _("The theme is renamed; the next analyses keep its name."))
        return _url("theme", process, key=item.key)

    return _correction(request, slug, key, apply)


@require_POST
@staff_only
def merge(request: HttpRequest, key: str, slug: str | None = None) -> HttpResponse:
    def apply(item: Any, process: Process | None) -> str:
        organisation = request.organisation  # type: ignore[attr-defined]
        into = selectors.theme_get(
            organisation=organisation, process=process, key=request.POST.get("into", "")
        )
        services.theme_merge(theme=item, into=into, by=request.user)
        messages.success(request, _("The themes are merged; the next analyses keep them together."))
        return _url("theme", process, key=into.key)

    return _correction(request, slug, key, apply)


@require_POST
@staff_only
def split(request: HttpRequest, key: str, slug: str | None = None) -> HttpResponse:
    def apply(item: Any, process: Process | None) -> str:
        new = services.theme_split(theme=item, by=request.user)
        messages.success(request, _("The theme is split into %(count)d themes.") % {"count": len(new)})
        return _url("overview", process)

    return _correction(request, slug, key, apply)


@require_POST
@staff_only
def tag(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    organisation = request.organisation  # type: ignore[attr-defined]
    process = _process(request, slug)
    text = selectors.text_get(organisation=organisation, process=process, pk=pk)
    back = request.POST.get("back", "")
    try:
        item = selectors.theme_get(
            organisation=organisation, process=process, key=request.POST.get("theme", "")
        )
        services.contribution_tag(text=text, theme=item, by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The contribution is tagged with “%(theme)s”.") % {"theme": item.label})
    if not back.startswith("/") or back.startswith("//"):
        back = _url("overview", process)
    return HttpResponseRedirect(back)
