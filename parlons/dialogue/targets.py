"""What can be discussed, followed and moderated: modules register their contribution models here.

The dialogue layer must not import modules, so each module tells it, from its ``AppConfig.ready()``, how to
find the component of one of its objects (for permissions), whether comments take a for/against position,
whether the discussion is still open, how to hide the object on moderation, and where its page is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class Target:
    label: str  # "app_label.model"
    # component_of(obj) -> Component | None: the component whose ``action`` permission gates commenting.
    component_of: Callable[[Any], Any]
    url_of: Callable[[Any], str]
    title_of: Callable[[Any], str]
    author_of: Callable[[Any], Any] = lambda obj: None
    action: str = "comment"
    # alignment(obj) -> True when comments must say for / neutral / against (debates, proposals if set).
    alignment: Callable[[Any], bool] = lambda obj: False
    # closed_reason(obj) -> why the discussion is closed, or None.
    closed_reason: Callable[[Any], str | Promise | None] = lambda obj: None
    # set_hidden(obj, hidden): the module hides or shows its own object after moderation.
    set_hidden: Callable[[Any, bool], None] | None = None
    # hide_after(obj): flags after which the object (and comments on it) are hidden; None = the default.
    hide_after: Callable[[Any], int | None] = lambda obj: None
    # text_of(obj): what moderators read in the queue.
    text_of: Callable[[Any], str] = lambda obj: ""
    # comments_changed(object_id): the number of visible comments on the object changed (lists cached by the
    # module show it); called inside the writing transaction.
    comments_changed: Callable[[str], None] | None = None


_targets: dict[str, Target] = {}


def register(target: Target) -> Target:
    _targets[target.label.lower()] = target
    return target


def get(label: str) -> Target | None:
    return _targets.get(label.lower())


def for_object(obj: Any) -> Target | None:
    return get(obj._meta.label_lower)
