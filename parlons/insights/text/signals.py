"""Weak signals: small themes that are new or growing fast relative to their past, and sudden surges of
contributions in a district. Pure: no Django import.

Time is cut into 7-day windows ending at ``now``: window 0 is the last 7 days (the *recent* window),
windows 1..``BASELINE_WEEKS`` are the weeks before (the *baseline*). A count is surprising when a Poisson
law with the baseline's weekly mean makes it unlikely (tail probability below ``MAX_P_VALUE``), which
takes both the size of the jump and the amount of history into account. The thresholds:

- **new theme**: every contribution of the theme is in the last ``NEW_THEME_DAYS`` days, at least
  ``MIN_RECENT`` of them in the recent window;
- **growing theme**: at least ``MIN_RECENT`` contributions in the recent window, at least ``GROWTH_RATIO``
  times the baseline's weekly mean (plus one, so that 0 → 3 is not "infinite"), and a Poisson tail below
  ``MAX_P_VALUE`` (the baseline mean is floored at ``MIN_RATE`` per week);
- both only for *small* themes: at most ``SMALL_THEME_SHARE`` of all contributions (a big theme growing is
  news, not a weak signal, and the topic page shows it already);
- **district surge**: a district's recent count (all themes, and each theme within it) at least
  ``MIN_SURGE`` and ``GROWTH_RATIO`` times its baseline, with a Poisson tail below ``MAX_SURGE_P_VALUE``.

Every signal carries its evidence: the counts of the recent window and of each baseline week (oldest
first) and the ids of the most recent contributions.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from parlons.insights.text.docs import Doc

WINDOW = timedelta(days=7)
BASELINE_WEEKS = 8
NEW_THEME_DAYS = 14
MIN_RECENT = 3
GROWTH_RATIO = 3.0
MAX_P_VALUE = 0.01
MIN_RATE = 0.5
SMALL_THEME_SHARE = 0.1
MIN_SURGE = 5
MAX_SURGE_P_VALUE = 0.001
EXAMPLES = 5

Kind = Literal["new_theme", "growing_theme", "district_surge"]


@dataclass(frozen=True, slots=True)
class Signal:
    """One weak signal. ``weekly_counts`` are (start of the 7-day window, count), oldest first, the last
    being the recent window; ``baseline`` is the mean count of the baseline weeks; ``p_value`` the Poisson
    tail of the recent count under that mean (1.0 for a new theme, which has no past)."""

    kind: Kind
    theme: str | None
    area: str | None
    recent: int
    baseline: float
    ratio: float
    p_value: float
    weekly_counts: tuple[tuple[date, int], ...]
    examples: tuple[str, ...]

    @property
    def strength(self) -> float:
        """For sorting: -log10 of the tail probability, new themes by their recent count."""
        return -math.log10(max(self.p_value, 1e-300)) if self.kind != "new_theme" else float(self.recent)


def _window_of(created: datetime, now: datetime) -> int | None:
    """0 for the last 7 days, 1 for the 7 days before..., None when after ``now`` or beyond the baseline."""
    if created > now:
        return None
    index = int((now - created) / WINDOW)
    return index if index <= BASELINE_WEEKS else None


def poisson_tail(k: int, rate: float) -> float:
    """P(X ≥ k) for X ~ Poisson(rate), accurate in the far tail (summed upwards there, not 1 - cdf)."""
    if k <= 0:
        return 1.0

    def term(i: int) -> float:
        return math.exp(-rate + i * math.log(rate) - math.lgamma(i + 1))

    if k > rate:  # terms decrease from k on
        total, i = 0.0, k
        while i < k + 10_000:
            value = term(i)
            total += value
            if value < total * 1e-17:
                break
            i += 1
        return min(1.0, total)
    return max(0.0, 1.0 - sum(term(i) for i in range(k)))


def _tail(recent: int, mean: float) -> float:
    return poisson_tail(recent, max(mean, MIN_RATE))


def _evidence(counts: Counter[int], now: datetime) -> tuple[tuple[date, int], ...]:
    return tuple(
        ((now - WINDOW * (index + 1)).date(), counts.get(index, 0)) for index in range(BASELINE_WEEKS, -1, -1)
    )


def _examples(docs: list[Doc]) -> tuple[str, ...]:
    ordered = sorted((d for d in docs if d.created is not None), key=lambda d: d.created, reverse=True)  # type: ignore[arg-type,return-value]
    return tuple(d.id for d in ordered[:EXAMPLES])


def _growth(counts: Counter[int], min_recent: int, max_p: float) -> tuple[int, float, float, float] | None:
    """(recent, baseline mean, ratio, p) when the recent window stands out from the baseline, else None."""
    recent = counts.get(0, 0)
    if recent < min_recent:
        return None
    mean = sum(counts.get(i, 0) for i in range(1, BASELINE_WEEKS + 1)) / BASELINE_WEEKS
    ratio = (recent + 1) / (mean + 1)
    p = _tail(recent, mean)
    if ratio >= GROWTH_RATIO and p < max_p:
        return recent, mean, ratio, p
    return None


def weak_signals(docs: Sequence[Doc], assignments: Mapping[str, str], now: datetime) -> list[Signal]:
    """The weak signals at ``now`` among ``docs`` (``assignments``: doc id → theme id; docs without a date
    are ignored), strongest first within each kind: new themes, growing themes, district surges.
    ``now`` and the docs' dates must be alike: all timezone-aware or all naive."""
    dated = [d for d in docs if d.created is not None and d.created <= now]
    if not dated:
        return []
    total = len(dated)
    by_theme: dict[str, list[Doc]] = defaultdict(list)
    for doc in dated:
        theme = assignments.get(doc.id)
        if theme is not None:
            by_theme[theme].append(doc)

    signals: list[Signal] = []
    for theme, items in by_theme.items():
        if len(items) > SMALL_THEME_SHARE * total:
            continue
        windows = [(_window_of(d.created, now), d) for d in items if d.created is not None]
        counts = Counter(w for w, _d in windows if w is not None)
        recent_docs = [d for w, d in windows if w == 0]
        oldest = min(d.created for d in items if d.created is not None)
        if now - oldest <= timedelta(days=NEW_THEME_DAYS) and counts.get(0, 0) >= MIN_RECENT:
            signals.append(
                Signal(
                    "new_theme",
                    theme,
                    None,
                    counts.get(0, 0),
                    0.0,
                    float(counts.get(0, 0) + 1),
                    1.0,
                    _evidence(counts, now),
                    _examples(recent_docs),
                )
            )
            continue
        found = _growth(counts, MIN_RECENT, MAX_P_VALUE)
        if found:
            recent, mean, ratio, p = found
            signals.append(
                Signal(
                    "growing_theme",
                    theme,
                    None,
                    recent,
                    round(mean, 3),
                    round(ratio, 3),
                    p,
                    _evidence(counts, now),
                    _examples(recent_docs),
                )
            )
        # a theme's sub-signals by district come below

    by_area: dict[str, list[Doc]] = defaultdict(list)
    for doc in dated:
        if doc.area:
            by_area[doc.area].append(doc)
    for area, items in by_area.items():
        groups: dict[str | None, list[Doc]] = {None: items}
        for doc in items:
            theme = assignments.get(doc.id)
            if theme is not None:
                groups.setdefault(theme, []).append(doc)
        for theme, group in groups.items():
            windows = [(_window_of(d.created, now), d) for d in group if d.created is not None]
            counts = Counter(w for w, _d in windows if w is not None)
            found = _growth(counts, MIN_SURGE, MAX_SURGE_P_VALUE)
            if found:
                recent, mean, ratio, p = found
                signals.append(
                    Signal(
                        "district_surge",
                        theme,
                        area,
                        recent,
                        round(mean, 3),
                        round(ratio, 3),
                        p,
                        _evidence(counts, now),
                        _examples([d for w, d in windows if w == 0]),
                    )
                )
    order = {"new_theme": 0, "growing_theme": 1, "district_surge": 2}
    signals.sort(key=lambda s: (order[s.kind], -s.strength, s.theme or "", s.area or ""))
    return signals
