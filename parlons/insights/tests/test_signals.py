"""Weak signals: new and fast-growing small themes, district surges, with their evidence."""

from __future__ import annotations

from datetime import datetime, timedelta

from parlons.insights.text.docs import Doc
from parlons.insights.text.signals import BASELINE_WEEKS, weak_signals

NOW = datetime(2026, 6, 1, 12)


def _docs(theme: str, per_week: list[int], area: str = "centre", prefix: str | None = None) -> list[Doc]:
    """per_week[0] contributions in the last 7 days, per_week[1] the week before..."""
    out = []
    for week, count in enumerate(per_week):
        for i in range(count):
            created = NOW - timedelta(days=7 * week, hours=1 + i)
            out.append(Doc(f"{prefix or theme}:{week}:{i}", f"texte {theme}", "fr", created, area))
    return out


def _background() -> list[Doc]:
    # a big, steady theme: 20 a week for 9 weeks (180 contributions), spread over four districts
    docs = []
    for k, area in enumerate(("nord", "sud", "est", "ouest")):
        docs += _docs("transport", [5] * 9, area, prefix=f"transport-{k}")
    return docs


def test_a_new_small_theme_is_flagged_with_its_evidence():
    docs = _background() + _docs("frelons", [4])
    assignments = {d.id: d.id.split(":")[0].split("-")[0] for d in docs}
    signals = weak_signals(docs, assignments, NOW)
    assert [(s.kind, s.theme) for s in signals] == [("new_theme", "frelons")]
    signal = signals[0]
    assert signal.recent == 4 and len(signal.examples) == 4
    assert len(signal.weekly_counts) == BASELINE_WEEKS + 1 and signal.weekly_counts[-1][1] == 4


def test_a_small_theme_growing_fast_is_flagged_but_not_a_steady_one():
    docs = (
        _background()
        + _docs("bruit", [9, 1, 1, 0, 1, 1, 0, 1, 1])
        + _docs("parcs", [2, 2, 1, 2, 2, 1, 2, 2, 2])
    )
    assignments = {d.id: d.id.split(":")[0].split("-")[0] for d in docs}
    signals = weak_signals(docs, assignments, NOW)
    assert [(s.kind, s.theme) for s in signals if s.kind != "district_surge"] == [("growing_theme", "bruit")]
    # all of it in one district: the district surges as well
    assert {(s.area, s.theme) for s in signals if s.kind == "district_surge"} == {
        ("centre", None),
        ("centre", "bruit"),
    }
    signal = signals[0]
    assert signal.recent == 9 and signal.baseline == 0.75 and signal.p_value < 0.01
    assert [count for _day, count in signal.weekly_counts] == [1, 1, 0, 1, 1, 0, 1, 1, 9]


def test_a_big_theme_growing_is_not_a_weak_signal():
    docs = _docs("voirie", [60, 5, 5, 5, 5, 5, 5, 5, 5], area="") + _docs("autre", [20] * 9, area="")
    assignments = {d.id: d.id.split(":")[0] for d in docs}
    assert [s for s in weak_signals(docs, assignments, NOW) if s.kind != "district_surge"] == []


def test_a_sudden_surge_in_a_district():
    docs = _background() + _docs("transport", [15], area="nord", prefix="surge")
    assignments = {d.id: "transport" for d in docs}
    signals = weak_signals(docs, assignments, NOW)
    surges = [(s.kind, s.area, s.theme) for s in signals]
    assert ("district_surge", "nord", None) in surges and ("district_surge", "nord", "transport") in surges
    assert all(s.area == "nord" for s in signals)


def test_future_and_undated_contributions_are_ignored_and_nothing_is_no_signal():
    docs = [Doc("x", "texte", "fr", NOW + timedelta(days=1), "nord"), Doc("y", "texte", "fr")]
    assert weak_signals(docs, {"x": "t", "y": "t"}, NOW) == []
    assert weak_signals([], {}, NOW) == []


def test_poisson_tail_probabilities():
    from parlons.insights.text.signals import poisson_tail

    assert poisson_tail(0, 2.0) == 1.0
    assert abs(poisson_tail(1, 2.0) - (1 - 2.718281828459045**-2)) < 1e-12
    assert abs(poisson_tail(3, 0.5) - 0.014387677966970684) < 1e-12
    assert 0 < poisson_tail(200, 10.0) < 1e-170  # far tail, not rounded to zero
