"""Writes of the insights app: request and execute an analysis, and officials' corrections of its themes.

Texts come from every participation module through the registry (``manifest.texts_for_analysis``); the
numeric work is the pure ``parlons.insights.text`` package. Corrections are applied to the scope's stored
``TopicState`` (themes + where each contribution is) with the pipeline's own pure functions, so that the next
run starts from them and keeps them.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.common.errors import Conflict, NotFound, ValidationFailed
from parlons.core import registry
from parlons.core.models import Component, Organisation, Process
from parlons.insights.models import ACTIVE_STATUSES, AnalysedText, AnalysisRun, RunStatus, Theme
from parlons.insights.text import topics as pipeline
from parlons.insights.text.docs import Doc
from parlons.insights.text.duplicates import find_near_duplicates
from parlons.insights.text.signals import NEW_THEME_DAYS, weak_signals
from parlons.insights.text.tone import Tone, score_tone, tone_by_period

logger = logging.getLogger(__name__)
LABEL_MAX = 200
TEXT_FIELDS = [
    "component",
    "module",
    "text",
    "lang",
    "area",
    "created",
    "theme_key",
    "subtheme_key",
    "pinned",
    "tone_label",
    "tone_score",
]


# --- analysis runs -------------------------------------------------------------------------------------


STALE_AFTER = timedelta(hours=1)  # a run silent for that long died with its worker: a new one may start


def _refuse_if_under_way(organisation: Organisation, process: Process | None) -> None:
    active = AnalysisRun.objects.for_organisation(organisation).filter(
        process=process, status__in=ACTIVE_STATUSES, updated_at__gte=timezone.now() - STALE_AFTER
    )
    if active.exists():
        raise Conflict(_("An analysis is already under way; its progress is shown on this page."))


def analysis_request(
    *, organisation: Organisation, process: Process | None = None, by: Any = None
) -> AnalysisRun:
    """Queue an analysis of the organisation's (or the process's) contributions.

    Raises ``Conflict`` when one is already queued or running for the same scope. The task starts once the
    transaction commits (inline in tests, where huey is immediate).
    """
    if process is not None and process.organisation_id != organisation.pk:
        raise NotFound(_("No such process."))
    _refuse_if_under_way(organisation, process)
    run = AnalysisRun.objects.create(
        organisation=organisation,
        process=process,
        requested_by=by if getattr(by, "is_authenticated", False) else None,
        step=_("Waiting for the task queue"),
    )
    from parlons.insights.tasks import execute_analysis

    transaction.on_commit(lambda: execute_analysis(run.pk))
    return run


def analysis_run_now(
    *, organisation: Organisation, process: Process | None = None, by: Any = None
) -> AnalysisRun:
    """Analyse now, in this process (commands, the demo town): no task queue involved. Same rules as
    ``analysis_request``."""
    _refuse_if_under_way(organisation, process)
    run = AnalysisRun.objects.create(
        organisation=organisation,
        process=process,
        requested_by=by if getattr(by, "is_authenticated", False) else None,
    )
    return analysis_execute(run=run)


def analysis_execute(*, run: AnalysisRun) -> AnalysisRun:
    """Run the analysis: gather texts, find themes (keeping the scope's themes and corrections), tone and
    duplicates, then store everything in one transaction. A failure marks the run failed with the reason."""
    run.status, run.started_at, run.progress = RunStatus.RUNNING, timezone.now(), 5
    run.step = _("Gathering contributions")
    run.save(update_fields=["status", "started_at", "progress", "step", "updated_at"])
    try:
        _execute(run)
    except Exception as error:
        logger.exception("analysis %s failed", run.pk)
        run.status, run.error, run.finished_at = RunStatus.FAILED, str(error)[:2000], timezone.now()
        run.save(update_fields=["status", "error", "finished_at", "updated_at"])
        raise
    return run


def _progress(run: AnalysisRun, progress: int, step: str) -> None:
    run.progress, run.step = progress, step
    run.save(update_fields=["progress", "step", "updated_at"])


def _components(organisation: Organisation, process: Process | None) -> list[Component]:
    components = Component.objects.for_organisation(organisation).select_related("process", "process__area")
    if process is not None:
        components = components.filter(process=process)
    return list(components.order_by("process_id", "weight", "pk"))


def _text_parts(item: Any) -> tuple[str, str, str | None, datetime | None, str | None]:
    """(id, text, lang, created, area) of what a manifest yields: an ``AnalysisText`` (or any object with
    those attributes, e.g. a ``Doc``), or a plain tuple ``(id, text, lang)`` / ``(id, text, lang, created,
    area)``."""
    if isinstance(item, tuple):
        created, area = (*item[3:5], None, None)[:2]
        return str(item[0]), item[1] or "", item[2], created, area
    return (
        str(item.id),
        item.text or "",
        getattr(item, "lang", None),
        getattr(item, "created", None),
        getattr(item, "area", None),
    )


def _gather(run: AnalysisRun) -> Iterator[tuple[Doc, Component]]:
    """Every text of every module, as ``Doc``s with ids unique across modules (``module:component:id``).

    A manifest yields ``registry.AnalysisText`` (id, text, lang, creation datetime, district name) or plain
    ``(id, text, lang)`` tuples; a contribution without a district is placed in the process's.
    """
    for component in _components(run.organisation, run.process):
        manifest = registry.get(component.module_key)
        if manifest is None or manifest.texts_for_analysis is None:
            continue
        area_row = component.process.area
        process_area = area_row.name if area_row is not None else None
        for item in manifest.texts_for_analysis(component):
            source_id, text, lang, created, area = _text_parts(item)
            if not isinstance(created, datetime):
                created = None
            elif timezone.is_naive(created):
                created = timezone.make_aware(created)
            yield (
                Doc(
                    id=f"{component.module_key}:{component.pk}:{source_id}",
                    text=text,
                    lang=lang or None,
                    created=created,
                    area=str(area) if area else process_area,
                    module=component.module_key,
                ),
                component,
            )


def _execute(run: AnalysisRun) -> None:
    organisation, process = run.organisation, run.process
    gathered = list(_gather(run))
    now = timezone.now()
    # when the source gives no date, a contribution dates from the first analysis that saw it
    known = dict(_scope_texts(organisation, process).values_list("doc_id", "created"))
    docs = [replace(doc, created=doc.created or known.get(doc.id) or now) for doc, _component in gathered]
    components = {doc.id: component for doc, component in gathered}
    _progress(run, 25, _("Finding themes in %(count)d contributions") % {"count": len(docs)})
    state = scope_state(organisation=organisation, process=process)
    result = pipeline.analyse_topics(docs, previous=state, default_lang=organisation.default_language or "fr")
    _progress(run, 60, _("Measuring tone and finding duplicates"))
    tones = _tones(docs)
    duplicates = _duplicates(docs, result.assignments)
    # weak signals need real dates: a source's (so that a first run finds them when the scope has a past), or
    # the first analysis that saw a text once there was an earlier one (on a first run every undated text would
    # look brand new)
    dated = docs if known else [doc for doc, _component in gathered if doc.created is not None]
    signals = _signals(dated, result.assignments, now)
    tone_weeks = _tone_weeks(docs, result, tones)
    _progress(run, 85, _("Saving the themes"))
    with transaction.atomic():
        scope = _scope_texts(organisation, process)
        old = {row.doc_id: row for row in scope}
        _delete_gone(scope, docs)
        new_rows: list[AnalysedText] = []
        changed_rows: list[AnalysedText] = []
        for doc in docs:
            tone = tones.get(doc.id)
            row = old.get(doc.id) or AnalysedText(
                organisation=organisation, process=process, doc_id=doc.id, first_seen=now
            )
            row.component = components[doc.id]
            row.module, row.text, row.lang = doc.module or "", doc.text, (doc.lang or "")[:8]
            row.area, row.created = (doc.area or "")[:200], doc.created
            row.theme_key = result.assignments.get(doc.id) or ""
            row.subtheme_key = result.sub_assignments.get(doc.id) or ""
            row.pinned = doc.id in result.pinned
            row.tone_label, row.tone_score = (
                (str(tone.label), round(float(tone.score), 3)) if tone else ("", None)
            )
            (changed_rows if row.pk else new_rows).append(row)
        AnalysedText.objects.bulk_create(new_rows, batch_size=2000)
        AnalysedText.objects.bulk_update(changed_rows, TEXT_FIELDS, batch_size=1000)
        # rows are updated in place (same keys, same ids): links to a theme stay valid from one run to the next
        existing = {t.key: t for t in Theme.objects.for_organisation(organisation).filter(process=process)}
        Theme.objects.for_organisation(organisation).filter(process=process).exclude(
            key__in=[t.id for t in result.topics]
        ).delete()
        fields = [
            "parent_key",
            "label",
            "label_pinned",
            "keywords",
            "size",
            "quotes",
            "tone",
            "duplicates",
            "signals",
        ]
        new: list[Theme] = []
        changed: list[Theme] = []
        for topic in result.topics:
            row = existing.get(topic.id) or Theme(organisation=organisation, process=process, key=topic.id)
            row.parent_key, row.label, row.label_pinned = (
                topic.parent or "",
                topic.label[:LABEL_MAX],
                topic.label_pinned,
            )
            row.keywords, row.size, row.quotes = list(topic.keywords), topic.size, list(topic.quotes)
            row.tone = _tone_summary(topic.id, result, tones)
            if row.tone:
                row.tone["weeks"] = tone_weeks.get(topic.id, [])
            row.duplicates = duplicates.get(topic.id, [])
            row.signals = signals.get(topic.id, [])
            (changed if row.pk else new).append(row)
        Theme.objects.bulk_create(new)
        Theme.objects.bulk_update(changed, fields)
        run.status, run.progress, run.step = RunStatus.DONE, 100, _("Done")
        run.finished_at, run.texts, run.seconds = timezone.now(), len(docs), round(result.seconds, 3)
        run.languages, run.next_number = result.languages, result.next_number
        run.district_signals = signals.get(None, [])
        run.save()


def _delete_gone(scope: Any, docs: list[Doc]) -> None:
    present = {d.id for d in docs}
    gone = [pk for pk, doc_id in scope.values_list("pk", "doc_id") if doc_id not in present]
    for start in range(0, len(gone), 1000):
        AnalysedText.objects.filter(pk__in=gone[start : start + 1000]).delete()


def _tones(docs: list[Doc]) -> dict[str, Tone]:
    return {doc.id: score_tone(doc.text, doc.lang) for doc in docs if doc.text.strip()}


def _tone_summary(topic_id: str, result: pipeline.TopicResult, tones: dict[str, Tone]) -> dict:
    if not tones:
        return {}
    mapping = result.assignments if "." not in topic_id else result.sub_assignments
    labels: Counter[str] = Counter()
    scores = []
    for doc_id, theme in mapping.items():
        if theme == topic_id and doc_id in tones:
            labels[tones[doc_id].label] += 1
            scores.append(round(float(tones[doc_id].score), 3))
    if not scores:
        return {}
    return {
        **{k: labels.get(k, 0) for k in ("positive", "neutral", "negative")},
        "mean": round(sum(scores) / len(scores), 3),
    }


def _tone_weeks(
    docs: list[Doc], result: pipeline.TopicResult, tones: dict[str, Tone]
) -> dict[str, list[dict[str, Any]]]:
    """Tone per theme (and sub-theme) and local week, with emerging tensions flagged (``tone_by_period``)."""
    local = [replace(doc, created=timezone.localtime(doc.created)) for doc in docs if doc.created]
    out: dict[str, list[dict[str, Any]]] = {}
    for mapping in (result.assignments, result.sub_assignments):
        placed = {doc_id: theme for doc_id, theme in mapping.items() if theme}
        for period in tone_by_period(local, placed, tones=tones):
            out.setdefault(period.theme, []).append(
                {
                    "week": period.week.isoformat(),
                    "count": period.count,
                    "positive": period.positive,
                    "neutral": period.neutral,
                    "negative": period.negative,
                    "mean": round(float(period.mean_score), 3),
                    "negative_share": round(float(period.negative_share), 3),
                    "tension": bool(period.tension),
                    "examples": list(period.examples),
                }
            )
    return out


def _duplicates(docs: list[Doc], assignments: dict[str, str | None]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for group in find_near_duplicates(docs):
        theme = next((assignments.get(i) for i in group.ids if assignments.get(i)), None)
        if theme:
            out.setdefault(theme, []).append(
                {"ids": list(group.ids), "kind": group.kind, "similarity": round(float(group.similarity), 3)}
            )
    return out


def _signals(
    docs: list[Doc], assignments: dict[str, str | None], now: datetime
) -> dict[str | None, list[dict[str, Any]]]:
    """Weak signals per theme (key None: district surges), with their evidence.

    Only once the scope has a past: when every contribution is from the last ``NEW_THEME_DAYS`` days (a
    process that just opened), everything is "new" and nothing is a signal."""
    if not any(doc.created and now - doc.created > timedelta(days=NEW_THEME_DAYS) for doc in docs):
        return {}
    placed = {k: v for k, v in assignments.items() if v}
    out: dict[str | None, list[dict[str, Any]]] = {}
    for signal in weak_signals(docs, placed, now):
        out.setdefault(signal.theme, []).append(
            {
                "kind": str(signal.kind),
                "area": signal.area or "",
                "recent": int(signal.recent),
                "baseline": round(float(signal.baseline), 2),
                "ratio": round(float(signal.ratio), 2),
                "weekly": [[day.isoformat(), int(n)] for day, n in signal.weekly_counts],
                "examples": list(signal.examples),
            }
        )
    return out


# --- the stored state and officials' corrections --------------------------------------------------------


def _scope_texts(organisation: Organisation, process: Process | None) -> Any:
    return AnalysedText.objects.for_organisation(organisation).filter(process=process)


def scope_state(*, organisation: Organisation, process: Process | None) -> pipeline.TopicState:
    """The scope's themes and placements as the pure pipeline's ``TopicState`` (read-only)."""
    themes = Theme.objects.for_organisation(organisation).filter(process=process)
    topics = tuple(
        pipeline.Topic(
            id=t.key,
            label=t.label,
            keywords=tuple(t.keywords),
            size=t.size,
            parent=t.parent_key or None,
            quotes=tuple(t.quotes),
            label_pinned=t.label_pinned,
        )
        for t in themes
    )
    assignments, subs, pinned = {}, {}, {}
    for doc_id, theme, sub, is_pinned in _scope_texts(organisation, process).values_list(
        "doc_id", "theme_key", "subtheme_key", "pinned"
    ):
        if theme:
            assignments[doc_id] = theme
            if is_pinned:
                pinned[doc_id] = theme
        if sub:
            subs[doc_id] = sub
    last = (
        AnalysisRun.objects.for_organisation(organisation)
        .filter(process=process, status=RunStatus.DONE)
        .order_by("-created_at")
        .first()
    )
    return pipeline.TopicState(
        topics=topics,
        assignments=assignments,
        sub_assignments=subs,
        pinned=pinned,
        next_number=last.next_number if last else 1,
    )


def _save_state(organisation: Organisation, process: Process | None, state: pipeline.TopicState) -> None:
    """Write a corrected state back: theme rows (sizes recounted) and each contribution's placement."""
    sizes: Counter[str] = Counter(state.assignments.values())
    sizes.update(state.sub_assignments.values())
    existing = {t.key: t for t in Theme.objects.for_organisation(organisation).filter(process=process)}
    keep = {t.id for t in state.topics}
    Theme.objects.for_organisation(organisation).filter(process=process).exclude(key__in=keep).delete()
    for topic in state.topics:
        row = existing.get(topic.id) or Theme(organisation=organisation, process=process, key=topic.id)
        row.parent_key, row.label, row.label_pinned = (
            topic.parent or "",
            topic.label[:LABEL_MAX],
            topic.label_pinned,
        )
        row.keywords, row.quotes, row.size = list(topic.keywords), list(topic.quotes), sizes.get(topic.id, 0)
        row.save()
    changed = []
    for text in _scope_texts(organisation, process):
        theme = state.assignments.get(text.doc_id, "")
        sub = state.sub_assignments.get(text.doc_id, "")
        pinned = text.doc_id in state.pinned
        if (text.theme_key, text.subtheme_key, text.pinned) != (theme, sub, pinned):
            text.theme_key, text.subtheme_key, text.pinned = theme, sub, pinned
            changed.append(text)
    AnalysedText.objects.bulk_update(changed, ["theme_key", "subtheme_key", "pinned"], batch_size=2000)
    last = (
        AnalysisRun.objects.for_organisation(organisation)
        .filter(process=process, status=RunStatus.DONE)
        .order_by("-created_at")
        .first()
    )
    if last is not None and last.next_number < state.next_number:
        last.next_number = state.next_number
        last.save(update_fields=["next_number"])


@transaction.atomic
def theme_rename(*, theme: Theme, label: str, by: Any = None) -> Theme:
    """The theme shows ``label`` from now on, and every later analysis keeps it.

    Raises ``ValidationFailed`` for an empty label or one longer than 200 characters.
    """
    label = " ".join((label or "").split())
    if not label:
        raise ValidationFailed(_("Give the theme a name."), field="label")
    if len(label) > LABEL_MAX:
        raise ValidationFailed(_("A theme's name has at most 200 characters."), field="label")
    theme.label, theme.label_pinned = label, True
    theme.save(update_fields=["label", "label_pinned", "updated_at"])
    return theme


def _themes_of_scope(theme: Theme) -> tuple[Organisation, Process | None]:
    return theme.organisation, theme.process


@transaction.atomic
def theme_merge(*, theme: Theme, into: Theme, by: Any = None) -> Theme:
    """Move every contribution of ``theme`` into ``into`` (both top-level themes of the same scope); ``theme``
    disappears and ``into``'s sub-themes are formed again by the next analysis. Returns ``into``."""
    if (theme.organisation_id, theme.process_id) != (into.organisation_id, into.process_id):
        raise NotFound(_("No such theme."))
    if theme.pk == into.pk:
        raise ValidationFailed(_("Choose another theme to merge with."), field="into")
    if theme.parent_key or into.parent_key:
        raise ValidationFailed(_("Only themes can be merged, not sub-themes."), field="into")
    organisation, process = _themes_of_scope(theme)
    state = pipeline.merge_topics(
        scope_state(organisation=organisation, process=process), [theme.key], into.key
    )
    _save_state(organisation, process, state)
    into.refresh_from_db()
    return into


@transaction.atomic
def theme_split(*, theme: Theme, by: Any = None) -> list[Theme]:
    """The theme's sub-themes become themes of their own. Raises ``ValidationFailed`` when it has fewer than
    two sub-themes."""
    organisation, process = _themes_of_scope(theme)
    try:
        state, new_keys = pipeline.split_topic(
            scope_state(organisation=organisation, process=process), theme.key
        )
    except pipeline.TopicError:
        raise ValidationFailed(_("This theme has no sub-themes to split it into.")) from None
    _save_state(organisation, process, state)
    return list(Theme.objects.for_organisation(organisation).filter(process=process, key__in=new_keys))


@transaction.atomic
def contribution_tag(*, text: AnalysedText, theme: Theme, by: Any = None) -> AnalysedText:
    """Place the contribution in ``theme`` (a top-level theme of the same scope) on this and every later run."""
    if (text.organisation_id, text.process_id) != (theme.organisation_id, theme.process_id):
        raise NotFound(_("No such theme."))
    if theme.parent_key:
        raise ValidationFailed(_("Contributions are tagged with themes, not sub-themes."), field="theme")
    organisation, process = _themes_of_scope(theme)
    state = pipeline.tag_contribution(
        scope_state(organisation=organisation, process=process), text.doc_id, theme.key
    )
    _save_state(organisation, process, state)
    text.refresh_from_db()
    return text
