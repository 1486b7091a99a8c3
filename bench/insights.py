"""Topics: quality against human labels beside the plain baseline, and the time for 100,000 contributions.

    .venv/bin/python -m bench.insights                # prints the rows
    from bench.insights import run; run(results)      # appends bench.measure.Result rows

- quality: ``analyse_topics`` and plain TF-IDF + k-means (same texts, same k = the number of human categories)
  on the cycling dialogues (German, expert ``main_category_level1``) and the Lille Grand Débat free proposals
  (French, author categories); NMI and ARI in the note, the time of our pipeline as the row's time;
- scale: 100,000 contributions drawn at random (seed 0) from those real texts, each given a distinct ending so
  no two are identical, through the whole pipeline (language, stems, TF-IDF, LSA, themes and sub-themes,
  labels, quotes); target 60 s.

Pure code, no database: the rows' ``database`` is ``text/topics``. Real-data rows are skipped when ../shared is
absent; the scale row then uses generated French-like texts.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

from bench.measure import Result, process_peak_rss_mb

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("PARLONS_SHARED_DATA", ROOT.parent / "shared" / "data"))
SIZE = int(os.environ.get("BENCH_TOPICS_SIZE", "100000"))
RUNS = int(os.environ.get("BENCH_TOPICS_RUNS", "1"))
TARGET_S = 60.0


def _row(what: str, size: str, times: list[float], note: str, target_s: float | None = None) -> Result:
    ordered = sorted(times)
    return Result(
        what=what,
        database="text/topics",
        size=size,
        runs=len(times),
        median_ms=round(ordered[len(ordered) // 2] * 1000, 1),
        p95_ms=round(ordered[-1] * 1000, 1),
        peak_memory_mb=round(process_peak_rss_mb(), 1),
        target_ms=target_s * 1000 if target_s else None,
        note=note,
    )


def _quality(results: list[Result]) -> list[str]:
    from parlons.insights.text.evaluation import evaluate, load_cycling_de, load_mel_fr

    texts: list[str] = []
    for loader in (load_cycling_de, load_mel_fr):
        data = loader(SHARED)
        texts += data.texts
        s = evaluate(data)
        note = f"NMI {s.nmi:.3f} vs baseline {s.baseline_nmi:.3f}, ARI {s.ari:.3f} vs baseline {s.baseline_ari:.3f}"
        print(f"[bench] topics {s.dataset}: {note}", flush=True)
        results.append(_row(f"topics quality: {s.dataset}", f"{s.size} texts, k={s.k}", [s.seconds], note))
    return texts


def _generated() -> list[str]:
    rng = random.Random(0)
    subjects = [
        "piste cyclable",
        "bancs du parc",
        "bruit des voitures",
        "éclairage public",
        "cantine scolaire",
        "horaires de la piscine",
        "ramassage des déchets",
        "stationnement",
        "arbres de la place",
        "bus",
    ]
    words = [
        "il",
        "faut",
        "plus",
        "de",
        "le",
        "la",
        "quartier",
        "rue",
        "trop",
        "dangereux",
        "enfants",
        "soir",
        "nuit",
        "mairie",
        "améliorer",
        "manque",
        "vraiment",
        "depuis",
        "semaines",
        "école",
        "marché",
    ]
    return [
        f"{rng.choice(subjects)} " + " ".join(rng.choices(words, k=rng.randint(8, 40))) for _ in range(3000)
    ]


def run(results: list[Result]) -> None:
    from parlons.insights.text.docs import Doc
    from parlons.insights.text.topics import analyse_topics

    pool = _quality(results) if (SHARED / "text").is_dir() else []
    source = "real texts (cycling dialogues + Lille Grand Débat)"
    if not pool:
        print("[bench] topics: ../shared/data absent, quality rows skipped", flush=True)
        pool, source = _generated(), "generated texts"
    rng = random.Random(0)
    docs = [Doc(id=str(i), text=f"{rng.choice(pool)} (n° {i})") for i in range(SIZE)]
    times = []
    result = None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = analyse_topics(docs)
        times.append(time.perf_counter() - started)
    assert result is not None
    note = f"{source}, {len(result.themes)} themes, {len(result.topics) - len(result.themes)} sub-themes"
    print(f"[bench] topics {SIZE}: {min(times):.1f} s ({note})", flush=True)
    results.append(_row("topics: whole pipeline", f"{SIZE:,} contributions", times, note, TARGET_S))


if __name__ == "__main__":
    from bench.measure import results_table

    rows: list[Result] = []
    run(rows)
    print(results_table(rows))
