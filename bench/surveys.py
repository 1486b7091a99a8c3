"""Surveys at scale: a questionnaire of 50 questions with 100,000 sent responses; its results page.

    .venv/bin/python -m bench.surveys            # prints the rows
    from bench.surveys import run; run(rows)     # appends rows {what, size, median_s, p95_s, peak_mb, target, note}

The data is built in a child process on a throw-away SpatiaLite database (a temporary PARLONS_DATA_DIR, never
``var/``): the responses are bulk-loaded with ``bulk_create`` (bypassing ``response_submit``), then the
aggregates are rebuilt with ``parlons surveys_rebuild_results``. The results page is rendered through Django's
test client (whole middleware stack, templates included), with the results cache cleared before every call,
so each timing reads the aggregates and renders the page (the worst case after a new response).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESPONSES = int(os.environ.get("BENCH_SURVEYS_RESPONSES", "100000"))
RUNS = int(os.environ.get("BENCH_SURVEYS_RUNS", "30"))
WORDS = [
    "bus",
    "tram",
    "vélo",
    "piste",
    "trottoir",
    "parking",
    "gare",
    "école",
    "parc",
    "bruit",
    "sécurité",
    "éclairage",
    "voiture",
    "horaires",
    "quartier",
    "centre",
    "marché",
    "place",
    "arbres",
    "propreté",
]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def _t(text: str) -> dict[str, str]:
    return {"fr": text, "en": text}


def _options(n: int) -> list[dict[str, Any]]:
    return [{"value": f"o{i}", "label": _t(f"Option {i}")} for i in range(n)]


# 50 questions: what a long municipal questionnaire mixes.
KINDS = (
    ["single_choice"] * 15
    + ["multiple_choice"] * 10
    + ["scale"] * 8
    + ["matrix"] * 4
    + ["number"] * 3
    + ["short_text"] * 2
    + ["long_text"] * 2
    + ["map_point"] * 2
    + ["ranking"] * 2
    + ["date"]
    + ["statements"]
)


def definition() -> dict[str, Any]:
    questions = []
    for i, kind in enumerate(KINDS):
        q: dict[str, Any] = {"key": f"q{i:02d}", "type": kind, "text": _t(f"Question {i} ({kind})")}
        if kind in ("single_choice", "multiple_choice", "ranking"):
            q["options"] = _options(5 if kind == "ranking" else 6)
        if kind == "single_choice" and i % 5 == 0:
            q["allow_other"] = True
        if kind in ("scale", "matrix"):
            q["min"], q["max"] = (0, 10) if i % 2 else (1, 5)
        if kind == "matrix":
            q["rows"] = [{"key": f"r{j}", "label": _t(f"Row {j}")} for j in range(4)]
        if kind == "statements":
            q["rows"] = [{"key": f"s{j}", "label": _t(f"Statement {j}")} for j in range(6)]
        questions.append(q)
    pages = [
        {
            "key": f"p{p}",
            "title": _t(f"Page {p}"),
            "sections": [{"key": f"s{p}", "title": _t(f"Section {p}"), "questions": questions[p::5]}],
        }
        for p in range(5)
    ]
    return {"pages": pages}


def answer(q: dict[str, Any], rng: random.Random) -> Any:
    kind = q["type"]
    if kind == "single_choice":
        if q.get("allow_other") and rng.random() < 0.03:
            return {"choice": "__other__", "other": f"Autre {rng.choice(WORDS)}"}
        return {"choice": f"o{min(5, int(rng.expovariate(0.6)))}"}
    if kind == "multiple_choice":
        return {"choices": sorted(rng.sample([f"o{i}" for i in range(6)], rng.randint(1, 3)))}
    if kind == "ranking":
        order = [f"o{i}" for i in range(5)]
        rng.shuffle(order)
        return order
    if kind == "scale":
        return rng.randint(q["min"], q["max"])
    if kind == "matrix":
        return {f"r{j}": rng.randint(q["min"], q["max"]) for j in range(4)}
    if kind == "statements":
        return {f"s{j}": rng.choice(("agree", "disagree", "pass")) for j in range(6)}
    if kind == "number":
        return rng.randint(0, 200)
    if kind in ("short_text", "long_text"):
        return " ".join(rng.choices(WORDS, k=rng.randint(3, 12)))
    if kind == "map_point":
        return {"lon": round(0.95 + rng.gauss(0, 0.02), 6), "lat": round(47.39 + rng.gauss(0, 0.015), 6)}
    if kind == "date":
        return f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return None


def _child() -> list[dict[str, Any]]:
    import django

    django.setup()
    import resource
    import statistics

    from allauth.account.models import EmailAddress
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from parlons.accounts.models import Membership, Role, User
    from parlons.modules.surveys.logic import iter_questions
    from parlons.modules.surveys.models import Response, ResultCount, Survey

    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    from bench.measure import bench_component

    component = bench_component(
        module_key="surveys", process_title="Grande enquête", phase_title="Questionnaire"
    )
    org = component.process.organisation
    spec = definition()
    keys = [loc.key for loc in iter_questions(spec)]
    survey = Survey.objects.create(
        organisation=org,
        component=component,
        title=_t("Enquête de 50 questions"),
        definition=spec,
        allow_anonymous=True,
        results_public=True,
        published_questions=keys,
    )
    admin = User.objects.create(email="admin@bench.test", display_name="Admin")
    Membership.objects.create(organisation=org, user=admin, role=Role.ADMIN)
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)  # staff needs it
    rng = random.Random(7)
    located = [loc.question for loc in iter_questions(spec)]
    now = timezone.now()
    districts = ["centre", "nord", "sud", "est", "ouest", "gare"]
    ages = ["moins-25", "25-44", "45-64", "65-plus"]
    batch: list[Response] = []
    for i in range(RESPONSES):
        # About one question in eight is skipped (adaptive paths, optional questions).
        answers = {q["key"]: answer(q, rng) for q in located if rng.random() >= 0.125}
        batch.append(
            Response(
                organisation=org,
                survey=survey,
                status=Response.Status.SUBMITTED,
                answers=answers,
                district=districts[i % 6],
                age_group=ages[i % 4],
                submitted_at=now - timezone.timedelta(seconds=i),
                receipt=f"{i:08X}",
                device_id=f"d{i}",
            )
        )
        if len(batch) >= 5000:
            Response.objects.bulk_create(batch)
            batch = []
    Response.objects.bulk_create(batch)
    load_s = time.perf_counter() - started
    t = time.perf_counter()
    call_command("surveys_rebuild_results", survey=[survey.pk], verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    rebuild_s = time.perf_counter() - t
    aggregates = ResultCount.objects.filter(survey=survey).count()
    size = f"50 questions, {RESPONSES:,} responses"
    rows.append(
        {
            "what": "surveys: rebuild the result aggregates (surveys_rebuild_results)",
            "size": size,
            "median_s": round(rebuild_s, 3),
            "p95_s": round(rebuild_s, 3),
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "target": "",
            "runs": 1,
            "note": f"{aggregates:,} aggregate rows; responses bulk-loaded in {load_s:.0f} s",
        }
    )

    staff = Client()
    staff.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    public = Client()
    url = survey.get_absolute_url() + "results/"
    assert b"export.xlsx" in staff.get(url).content, "the staff view of the results is measured"

    def measure(what: str, c: Client, path: str, note: str, *, cold: bool = True) -> None:
        for _ in range(2):
            cache.clear()
            assert c.get(path).status_code == 200
        times = []
        for _ in range(RUNS):
            if cold:
                cache.clear()
            t = time.perf_counter()
            response = c.get(path)
            times.append(time.perf_counter() - t)
            assert response.status_code == 200
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            c.get(path)
        rows.append(
            {
                "what": what,
                "size": size,
                "median_s": round(statistics.median(times), 4),
                "p95_s": round(_pct(times, 95), 4),
                "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "target": "< 0.300 s median",
                "runs": RUNS,
                "note": f"{len(ctx.captured_queries)} SQL queries; {note}",
            }
        )

    measure(
        "surveys: results page (staff, results cache cleared)",
        staff,
        url,
        "read from the aggregates, 50 questions rendered with their tables and charts",
    )
    measure(
        "surveys: results page (public, published results, cache cleared)",
        public,
        url,
        "all 50 questions published",
    )
    measure("surveys: results page (staff, cached)", staff, url, "results cached per version", cold=False)
    measure(
        "surveys: results page with a cross-tab by district (staff, cache cleared)",
        staff,
        url + "?question=q01&by=district",
        "cross-tab by district read from the aggregates",
    )
    measure(
        "surveys: results page with a cross-tab by a single-choice question (staff, cache cleared)",
        staff,
        url + "?question=q01&by=q:q02",
        f"cross-tab computed from the answers: one JSON key pair read per response ({RESPONSES:,})",
    )
    return rows


def run(results: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory(prefix="parlons-bench-surveys-") as data_dir:
        env = dict(
            os.environ,
            PARLONS_DATA_DIR=data_dir,
            PARLONS_PLAIN_STATIC="1",
            DJANGO_SETTINGS_MODULE="config.settings",
            PARLONS_ENV="embedded",
            PARLONS_LOG_LEVEL="WARNING",
        )
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        out = subprocess.run(
            [sys.executable, "-m", "bench.surveys", "--child"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode:
            raise RuntimeError(out.stderr[-3000:])
        results.extend(json.loads(out.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    if "--child" in sys.argv:
        print(json.dumps(_child()))
    else:
        collected: list[dict[str, Any]] = []
        run(collected)
        for row in collected:
            print(json.dumps(row, ensure_ascii=False))
