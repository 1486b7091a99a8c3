"""Reads of the insights app, always scoped to one organisation (and, optionally, one of its processes)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from parlons.common.errors import NotFound
from parlons.core.models import Organisation, Process
from parlons.insights.models import AnalysedText, AnalysisRun, Theme

WEEKS_SHOWN = 12


@dataclass(frozen=True)
class Filters:
    """What the analysis page is narrowed to: a module key, a district name, a period (inclusive dates)."""

    module: str = ""
    area: str = ""
    since: date | None = None
    until: date | None = None

    @property
    def active(self) -> bool:
        return bool(self.module or self.area or self.since or self.until)


@dataclass(frozen=True)
class ToneWeek:
    """A theme's tone during one week (its Monday), as the last analysis measured it on all its contributions;
    ``earlier_share`` is the share of negative contributions in the theme's weeks before (None: no past)."""

    week: date
    count: int
    positive: int
    neutral: int
    negative: int
    mean: float
    negative_share: float
    earlier_share: float | None
    tension: bool
    examples: tuple[str, ...] = ()


@dataclass
class ThemeRow:
    theme: Theme
    count: int  # contributions under the filters
    children: list[ThemeRow] = field(default_factory=list)
    weeks: list[int] = field(default_factory=list)  # counts per week, oldest first (the page's weeks)
    areas: list[tuple[str, int]] = field(default_factory=list)
    tone_weeks: list[ToneWeek] = field(default_factory=list)  # weeks with contributions among the page's

    @property
    def tensions(self) -> list[ToneWeek]:
        """The page's weeks flagged as an emerging tension, latest first."""
        return [w for w in reversed(self.tone_weeks) if w.tension]


def process_for_insights(*, organisation: Organisation, slug: str) -> Process:
    process = Process.objects.for_organisation(organisation).filter(slug=slug).first()
    if process is None:
        raise NotFound("No such process.")
    return process


def run_latest(*, organisation: Organisation, process: Process | None) -> AnalysisRun | None:
    return (
        AnalysisRun.objects.for_organisation(organisation)
        .filter(process=process)
        .order_by("-created_at")
        .first()
    )


def run_get(*, organisation: Organisation, pk: int) -> AnalysisRun:
    run = AnalysisRun.objects.for_organisation(organisation).select_related("process").filter(pk=pk).first()
    if run is None:
        raise NotFound("No such analysis.")
    return run


def theme_get(*, organisation: Organisation, process: Process | None, key: str) -> Theme:
    theme = Theme.objects.for_organisation(organisation).filter(process=process, key=key).first()
    if theme is None:
        raise NotFound("No such theme.")
    return theme


def text_get(*, organisation: Organisation, process: Process | None, pk: int) -> AnalysedText:
    text = AnalysedText.objects.for_organisation(organisation).filter(process=process, pk=pk).first()
    if text is None:
        raise NotFound("No such contribution.")
    return text


def texts(*, organisation: Organisation, process: Process | None, filters: Filters = Filters()) -> QuerySet:
    """The scope's analysed contributions under ``filters``."""
    rows = AnalysedText.objects.for_organisation(organisation).filter(process=process)
    if filters.module:
        rows = rows.filter(module=filters.module)
    if filters.area:
        rows = rows.filter(area=filters.area)
    if filters.since:
        rows = rows.filter(created__date__gte=filters.since)
    if filters.until:
        rows = rows.filter(created__date__lte=filters.until)
    return rows


def theme_texts(*, theme: Theme, filters: Filters = Filters()) -> QuerySet:
    """The contributions of a theme or sub-theme (drill-down), under ``filters``."""
    rows = texts(organisation=theme.organisation, process=theme.process, filters=filters)
    field_name = "subtheme_key" if theme.parent_key else "theme_key"
    return rows.filter(**{field_name: theme.key}).select_related("component")


def filter_choices(*, organisation: Organisation, process: Process | None) -> dict[str, list[str]]:
    rows = AnalysedText.objects.for_organisation(organisation).filter(process=process)
    return {
        "modules": sorted(set(rows.values_list("module", flat=True))),
        "areas": sorted(a for a in set(rows.values_list("area", flat=True)) if a),
    }


def weeks_for(today: date, count: int = WEEKS_SHOWN) -> list[date]:
    """The Mondays of the last ``count`` weeks, oldest first."""
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=i) for i in reversed(range(count))]


def tone_weeks(*, theme: Theme, weeks: list[date] | None = None) -> list[ToneWeek]:
    """The theme's tone per week stored by the last analysis (``Theme.tone["weeks"]``), oldest first; only
    those from ``weeks[0]`` to ``weeks[-1]`` (Mondays) when given. No query."""
    out: list[ToneWeek] = []
    before_count = before_negative = 0
    for item in (theme.tone or {}).get("weeks", []):
        try:
            week = date.fromisoformat(item["week"])
            count, negative = int(item["count"]), int(item["negative"])
        except (KeyError, TypeError, ValueError):
            continue
        if not weeks or weeks[0] <= week <= weeks[-1]:
            out.append(
                ToneWeek(
                    week=week,
                    count=count,
                    positive=int(item.get("positive", 0)),
                    neutral=int(item.get("neutral", 0)),
                    negative=negative,
                    mean=float(item.get("mean", 0.0)),
                    negative_share=float(item.get("negative_share", 0.0)),
                    earlier_share=round(before_negative / before_count, 3) if before_count else None,
                    tension=bool(item.get("tension")),
                    examples=tuple(item.get("examples", ())),
                )
            )
        before_count, before_negative = before_count + count, before_negative + negative
    return out


def theme_table(
    *, organisation: Organisation, process: Process | None, filters: Filters = Filters(), today: date
) -> list[ThemeRow]:
    """Themes (with their sub-themes) of the scope, counted under ``filters``, with weekly counts for the
    last ``WEEKS_SHOWN`` weeks and counts per district; biggest first. One query for themes, one for texts."""
    weeks = weeks_for(today)
    index = {w: i for i, w in enumerate(weeks)}
    counts: Counter[str] = Counter()
    weekly: dict[str, list[int]] = defaultdict(lambda: [0] * len(weeks))
    areas: dict[str, Counter[str]] = defaultdict(Counter)
    rows = texts(organisation=organisation, process=process, filters=filters).values_list(
        "theme_key", "subtheme_key", "created", "area"
    )
    for theme_key, sub_key, created, area in rows.iterator(chunk_size=5000):
        day = timezone.localtime(created).date() if created else None
        week = day - timedelta(days=day.weekday()) if day else None
        for key in (theme_key, sub_key):
            if not key:
                continue
            counts[key] += 1
            if week in index:
                weekly[key][index[week]] += 1
            if area:
                areas[key][area] += 1
    themes = list(
        Theme.objects.for_organisation(organisation).filter(process=process).select_related("process")
    )

    def row(theme: Theme) -> ThemeRow:
        return ThemeRow(
            theme=theme,
            count=counts.get(theme.key, 0),
            weeks=weekly[theme.key],
            areas=areas[theme.key].most_common(),
            tone_weeks=tone_weeks(theme=theme, weeks=weeks),
        )

    top = [row(t) for t in themes if not t.parent_key]
    by_key = {r.theme.key: r for r in top}
    for theme in themes:
        if theme.parent_key and theme.parent_key in by_key:
            by_key[theme.parent_key].children.append(row(theme))
    if filters.active:  # a theme with nothing under the filters is noise in the chart
        top = [r for r in top if r.count]
        for r in top:
            r.children = [c for c in r.children if c.count]
    for r in top:
        r.children.sort(key=lambda c: (-c.count, c.theme.key))
    top.sort(key=lambda r: (-r.count, r.theme.key))
    return top


def quotes(*, theme: Theme) -> list[AnalysedText]:
    """The theme's representative contributions, nearest its centre first."""
    found = {
        t.doc_id: t
        for t in AnalysedText.objects.for_organisation(theme.organisation).filter(
            process=theme.process, doc_id__in=theme.quotes
        )
    }
    return [found[d] for d in theme.quotes if d in found]


def texts_by_doc_id(
    *, organisation: Organisation, process: Process | None, doc_ids: list[str]
) -> dict[str, Any]:
    rows = AnalysedText.objects.for_organisation(organisation).filter(process=process, doc_id__in=doc_ids)
    return {t.doc_id: t for t in rows}
