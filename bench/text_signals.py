"""Tone, suggestions, duplicates and weak signals: quality on real data and time at scale.

    .venv/bin/python -m bench.text_signals        # prints the rows
    from bench.text_signals import run; run(results)   # appends bench.measure.Result rows

- tone: macro-F1 of ``score_tone`` against the stances (alignment -1/0/+1) of the 693 Lille debate comments
  (../shared/data/text/mel-grand-debat-decidim-fr), beside the majority-class baseline; timed over all of them;
- suggestion: accuracy (and top-3) of ``Suggester`` on cycling-dialogues-de ``main_category_level1`` with a
  stratified 80/20 held-out split (seed 0), beside the majority class; training and one suggestion timed;
- duplicates: ``find_near_duplicates`` on 100,000 generated texts (pseudo-words, 10-40 words each) holding
  200 planted pairs of near-duplicates and a 50-text campaign; recall of the planted groups in the note;
- weak signals: ``weak_signals`` on the same 100,000 texts spread over ten weeks, 50 themes, 10 districts.

Pure code, no database: the rows' ``database`` is ``text/signals``. Real-data rows are skipped when ../shared is absent.
"""

from __future__ import annotations

import csv
import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.measure import Result, process_peak_rss_mb

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("PARLONS_SHARED_DATA", ROOT.parent / "shared" / "data"))
SIZE = int(os.environ.get("BENCH_TEXT_SIZE", "100000"))
RUNS = int(os.environ.get("BENCH_TEXT_RUNS", "3"))


def _timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    times, value = [], None
    for _ in range(runs):
        started = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - started)
    return times, value


def _result(what: str, size: str, times: list[float], note: str, target_s: float | None = None) -> Result:
    ordered = sorted(times)
    return Result(
        what=what,
        database="text/signals",
        size=size,
        runs=len(times),
        median_ms=round(statistics.median(times) * 1000, 2),
        p95_ms=round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000, 2),
        peak_memory_mb=round(process_peak_rss_mb(), 1),
        target_ms=target_s * 1000 if target_s else None,
        note=note,
    )


def bench_tone(results: list[Result]) -> None:
    from sklearn.metrics import f1_score

    from parlons.insights.text.tone import score_tone

    path = SHARED / "text" / "mel-grand-debat-decidim-fr" / "commentaires_debats.csv"
    if not path.exists():
        print(f"[bench] text: {path} not found, tone skipped")
        return
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    gold = [int(r["alignment"]) for r in rows]
    stance = {"positive": 1, "negative": -1, "neutral": 0}
    times, predicted = _timed(lambda: [stance[score_tone(r["body"]).label] for r in rows], RUNS)
    ours = f1_score(gold, predicted, average="macro")
    baseline = f1_score(gold, [0] * len(gold), average="macro")
    results.append(
        _result(
            "text: tone of Lille debate comments (all scored)",
            f"{len(rows)} comments",
            times,
            f"macro-F1 {ours:.3f} vs {baseline:.3f} for the majority class (stance labels -1/0/+1)",
        )
    )


def bench_suggest(results: list[Result]) -> None:
    from sklearn.model_selection import train_test_split

    from parlons.insights.text.suggest import Suggester

    path = SHARED / "text" / "cycling-dialogues-de" / "dataset.csv"
    if not path.exists():
        print(f"[bench] text: {path} not found, suggestion skipped")
        return
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    texts = [f"{r['title']}. {r['text']}" for r in rows]
    labels = [r["main_category_level1"] for r in rows]
    train_x, test_x, train_y, test_y = train_test_split(
        texts, labels, test_size=0.2, random_state=0, stratify=labels
    )
    times, model = _timed(lambda: Suggester().fit(train_x, train_y), RUNS)
    ranked = [model.suggest(t, k=3) for t in test_x]
    accuracy = sum(r[0][0] == g for r, g in zip(ranked, test_y, strict=True)) / len(test_y)
    top3 = sum(g in [label for label, _s in r] for r, g in zip(ranked, test_y, strict=True)) / len(test_y)
    majority = max(test_y.count(label) for label in set(test_y)) / len(test_y)
    results.append(
        _result(
            "text: suggestion model training (cycling-dialogues-de)",
            f"{len(train_x)} texts",
            times,
            f"held-out accuracy {accuracy:.3f} (top-3 {top3:.3f}) vs {majority:.3f} for the majority class",
        )
    )
    one, _value = _timed(lambda: model.suggest(test_x[0], k=3), 50)
    results.append(_result("text: one category suggestion", "8 labels", one, "as the report form calls it"))


def _corpus(size: int) -> tuple[list[Any], list[set[str]]]:
    from parlons.insights.text.docs import Doc

    rng = random.Random(42)
    syllables = [c + v for c in "bcdfglmnprstvz" for v in "aeiou"] + ["on", "an", "in", "ou", "eau"]
    vocab = ["".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))) for _ in range(30000)]
    start = datetime(2026, 1, 5, 8)
    areas = [f"district-{i}" for i in range(10)]
    docs = []
    for i in range(size):
        text = " ".join(rng.choice(vocab) for _ in range(rng.randint(10, 40)))
        docs.append(Doc(f"d{i}", text, "fr", start + timedelta(minutes=i), rng.choice(areas), "reports"))
    planted: list[set[str]] = []
    for j in range(200):  # near-duplicate pairs: a copy with one word changed and another added
        words = docs[j].text.split()
        words[len(words) // 2] = rng.choice(vocab)
        docs.append(
            Doc(f"n{j}", " ".join([*words, rng.choice(vocab)]), "fr", docs[j].created, None, "consultations")
        )
        planted.append({docs[j].id, f"n{j}"})
    campaign = " ".join(rng.choice(vocab) for _ in range(30))
    for k in range(50):
        docs.append(Doc(f"c{k}", campaign, "fr", start + timedelta(days=60, hours=k), None, "consultations"))
    planted.append({f"c{k}" for k in range(50)})
    return docs, planted


def bench_duplicates_and_signals(results: list[Result]) -> None:
    from parlons.insights.text.duplicates import find_near_duplicates
    from parlons.insights.text.signals import weak_signals

    docs, planted = _corpus(SIZE)
    times, groups = _timed(lambda: find_near_duplicates(docs), RUNS)
    found = [set(g.ids) for g in groups]
    recall = sum(any(p <= f for f in found) for p in planted) / len(planted)
    campaigns = sum(g.kind == "campaign" for g in groups)
    results.append(
        _result(
            "text: near-duplicates and campaigns",
            f"{len(docs):,} texts",
            times,
            f"recall of the {len(planted)} planted groups {recall:.3f}; {len(groups)} groups, {campaigns} campaign(s)",
        )
    )
    from parlons.insights.text.docs import Doc

    rng = random.Random(7)
    assignments = {d.id: f"theme-{rng.randrange(50)}" for d in docs}
    now = max(d.created for d in docs if d.created is not None)
    # planted: a new theme of 30 texts in the last three days, all in district-3 (a theme and a surge)
    docs = docs + [
        Doc(f"w{i}", "frelons", "fr", now - timedelta(hours=2 * i + 1), "district-3") for i in range(30)
    ]
    assignments |= {f"w{i}": "theme-new" for i in range(30)}
    times, signals = _timed(lambda: weak_signals(docs, assignments, now), RUNS)
    kinds = sorted({(s.kind, s.theme or "", s.area or "") for s in signals})
    results.append(
        _result("text: weak signals", f"{len(docs):,} texts", times, f"{len(signals)} signal(s): {kinds}")
    )


def run(results: list[Result]) -> None:
    print("[bench] text signals: tone, suggestion, duplicates, weak signals", flush=True)
    bench_tone(results)
    bench_suggest(results)
    bench_duplicates_and_signals(results)


if __name__ == "__main__":
    from bench.measure import results_table

    collected: list[Result] = []
    run(collected)
    print(results_table(collected))
