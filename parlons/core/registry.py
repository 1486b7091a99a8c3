"""The module registry: each participation module declares itself here through its ``manifest.py``.

The core stores only ``Component.module_key`` and reads modules exclusively through this registry,
so adding a module means adding its app to INSTALLED_APPS and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from django import forms

    from parlons.core.models import Component


@dataclass(frozen=True)
class Action:
    """Something a participant can do in a component (``create``, ``support``, ``vote``...)."""

    key: str
    label: str | Promise
    # The lowest verification level required by default (see parlons.accounts.verification.Level).
    default_level: int = 0
    # True when the action can be done without an account (e.g. anonymous reports, if the component allows).
    anonymous_allowed: bool = False
    # True for the organisation's own work (editing, reading raw results): not offered to participants.
    staff: bool = False


@dataclass(frozen=True)
class MapLayer:
    key: str
    label: str | Promise
    # Returns GeoJSON features (dicts) of the component visible to everyone.
    features: Callable[[Component], Iterable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class AnalysisText:
    """One contribution a module hands to the text analysis (``texts_for_analysis``).

    ``id`` is unique within the component (the analysis prefixes it with the module and component);
    ``lang`` is the language when known, else None and detected; ``created`` is when the contribution was
    made (timezone-aware), None when unknown (it then dates from the first analysis that saw it); ``area`` is
    the name of its district, None when it has none (the process's district is used then).
    """

    id: str
    text: str
    lang: str | None = None
    created: datetime | None = None
    area: str | None = None


@dataclass(frozen=True)
class ImportableItem:
    """A contribution of one module that another can take over (e.g. an accepted proposal becoming a budget
    project): ``ref`` is stable (importing twice is detected by it), ``url`` links back to the original."""

    ref: str
    title: str
    body: str
    url: str
    cost_estimate: int | None = None  # whole currency units
    area_id: int | None = None
    point: tuple[float, float] | None = None  # (longitude, latitude)


@dataclass(frozen=True)
class ModuleManifest:
    """What a module tells the core about itself. Frozen: registered once at start-up."""

    key: str
    name: str | Promise
    description: str | Promise
    icon: str
    app_label: str
    # What the module is for, one of PURPOSES: the demo town places each module in the processes that need it.
    purpose: str = ""
    actions: tuple[Action, ...] = ()
    # A Django form class editing the component's settings; ``initial`` values are the defaults.
    settings_form: type[forms.Form] | None = None
    default_settings: Mapping[str, Any] = field(default_factory=dict)
    # Per-action predicate(user, component, obj) -> bool, on top of phases and verification levels.
    permissions: Mapping[str, Callable[..., bool]] = field(default_factory=dict)
    # URL namespace (module urls are mounted under /processes/<slug>/c/<component_id>/) and its entry view name.
    urls: str | None = None
    index_url_name: str = "index"
    # Ninja router factory, mounted at /api/v1/components/{component_id}/<key>/.
    api_router: Callable[[], Any] | None = None
    # stats(component) -> {name: number} for dashboards.
    stats: Callable[[Component], Mapping[str, int | float]] | None = None
    notification_kinds: tuple[str, ...] = ()
    # texts_for_analysis(component) -> iterable of AnalysisText (or, the older form, plain
    # (id, text, lang or None) tuples: no date nor district then).
    texts_for_analysis: Callable[[Component], Iterable[AnalysisText | tuple[str, str, str | None]]] | None = (
        None
    )
    # labelled_texts(component) -> iterable of (text, label_key): contributions people already categorised
    # (and, optionally, each label's own describing words), from which insights learns to suggest a label for
    # a new text; suggestion_labels(component) -> {label_key: name} of the labels a form offers now.
    labelled_texts: Callable[[Component], Iterable[tuple[str, str]]] | None = None
    suggestion_labels: Callable[[Component], Mapping[str, str]] | None = None
    map_layers: tuple[MapLayer, ...] = ()
    # importable_items(component) -> the component's contributions other modules may import (ImportableItem).
    importable_items: Callable[[Component], Iterable[ImportableItem]] | None = None
    # seed(component) fills a new component with demo content; must be idempotent.
    seed: Callable[[Component], None] | None = None
    # delete_guard(component) -> reason why it cannot be deleted, or None.
    delete_guard: Callable[[Component], str | Promise | None] | None = None

    def action(self, key: str) -> Action | None:
        return next((a for a in self.actions if a.key == key), None)


PURPOSES = ("information", "reporting", "deliberation", "consulting", "budgeting")

_registry: dict[str, ModuleManifest] = {}


class ModuleAlreadyRegistered(Exception):
    pass


def register(manifest: ModuleManifest) -> ModuleManifest:
    existing = _registry.get(manifest.key)
    if existing is not None and existing != manifest:
        raise ModuleAlreadyRegistered(manifest.key)
    _registry[manifest.key] = manifest
    return manifest


def get(key: str) -> ModuleManifest | None:
    return _registry.get(key)


def all_modules() -> list[ModuleManifest]:
    return sorted(_registry.values(), key=lambda m: m.key)


def choices() -> list[tuple[str, str]]:
    return [(m.key, str(m.name)) for m in all_modules()]
