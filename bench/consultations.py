"""Consultations at scale: 10,000 proposals and 200,000 comments; list page and proposal page (200 comments).

    .venv/bin/python -m bench.consultations            # prints the rows
    from bench.consultations import run; run(rows)     # appends rows {what, size, median_s, p95_s, peak_mb, target, note}

The data is built in a child process on a throw-away SpatiaLite database (a temporary PARLONS_DATA_DIR, never
``var/``). Pages are rendered through Django's test client (whole middleware stack, templates included), then,
as a production check, the list page is served by gunicorn on 127.0.0.1 and a bounded local load loop measures
requests per second.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROPOSALS = int(os.environ.get("BENCH_CONSULTATIONS_PROPOSALS", "10000"))
COMMENTS = int(os.environ.get("BENCH_CONSULTATIONS_COMMENTS", "200000"))
RUNS = int(os.environ.get("BENCH_CONSULTATIONS_RUNS", "40"))
LOAD_SECONDS = float(os.environ.get("BENCH_CONSULTATIONS_LOAD_S", "10"))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def _child() -> list[dict[str, Any]]:
    import django

    django.setup()
    import resource
    import statistics

    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from parlons.accounts.models import Membership, User
    from parlons.dialogue.models import Comment
    from parlons.modules.consultations.models import Proposal, Status
    from parlons.modules.consultations.similarity import fingerprint

    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    from bench.measure import bench_component

    component = bench_component(
        module_key="consultations", process_title="Grande consultation", phase_title="Propositions"
    )
    org = component.process.organisation
    process = component.process
    users = User.objects.bulk_create(
        [User(email=f"p{i}@bench.test", display_name=f"Personne {i}") for i in range(500)]
    )
    Membership.objects.bulk_create([Membership(organisation=org, user=u) for u in users])
    now = timezone.now()
    words = [
        "banc",
        "piste",
        "cyclable",
        "jardin",
        "arbre",
        "fontaine",
        "parc",
        "école",
        "gare",
        "place",
        "marché",
        "éclairage",
    ]
    batch = []
    for i in range(PROPOSALS):
        title = f"Proposition {i} : {words[i % 12]} {words[(i * 7) % 12]} quartier {i % 40}"
        body = f"Nous proposons {words[i % 12]} et {words[(i * 5) % 12]} pour le quartier {i % 40}. " * 3
        batch.append(
            Proposal(
                organisation=org,
                component=component,
                author=users[i % 500],
                title=title,
                body=body,
                status=Status.PUBLISHED,
                published_at=now - timezone.timedelta(minutes=i),
                supports_count=(i * 37) % 500,
                comments_count=0,
                fingerprint=fingerprint(title, body),
            )
        )
    Proposal.objects.bulk_create(batch, batch_size=2000)
    ids = list(Proposal.objects.filter(component=component).values_list("id", flat=True))
    target = ids[0]
    ct = ContentType.objects.get_for_model(Proposal)
    comments: list[Comment] = []
    for i in range(COMMENTS):
        object_id = target if i < 200 else ids[(i * 7919) % len(ids)]
        comments.append(
            Comment(
                organisation=org,
                content_type=ct,
                object_id=str(object_id),
                author=users[i % 500],
                body=f"Avis numéro {i} : je suis plutôt d'accord.",
            )
        )
        if len(comments) >= 5000:
            Comment.objects.bulk_create(comments)
            comments = []
    Comment.objects.bulk_create(comments)
    Proposal.objects.filter(pk=target).update(comments_count=200)
    size = f"{PROPOSALS:,} proposals, {COMMENTS:,} comments"
    build_s = time.perf_counter() - started

    client = Client()
    citizen = users[1]
    signed = Client()
    signed.force_login(citizen, backend="django.contrib.auth.backends.ModelBackend")
    base = f"/processes/{process.slug}/consultations/{component.pk}/"
    detail = Proposal.objects.get(pk=target).get_absolute_url()

    def measure(what: str, c: Client, url: str, note: str) -> None:
        for _ in range(3):
            assert c.get(url).status_code == 200
        times = []
        for _ in range(RUNS):
            t = time.perf_counter()
            response = c.get(url)
            times.append(time.perf_counter() - t)
            assert response.status_code == 200
        with CaptureQueriesContext(connection) as ctx:
            c.get(url)
        rows.append(
            {
                "what": what,
                "size": size,
                "median_s": round(statistics.median(times), 4),
                "p95_s": round(_pct(times, 95), 4),
                "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "target": "< 0.100 s median, ≤ 15 queries",
                "runs": RUNS,
                "note": f"{len(ctx.captured_queries)} SQL queries; {note}",
            }
        )

    measure("consultations: proposal list page (anonymous)", client, base, "page 1 of 500, most recent")
    measure(
        "consultations: proposal list page (signed in, most supported)",
        signed,
        base + "?sort=supported",
        "citizen, sorted by supports",
    )
    measure(
        "consultations: proposal list page (search)",
        client,
        base + "?q=fontaine",
        "icontains search on SQLite",
    )
    measure(
        "consultations: proposal page with 200 comments (anonymous)", client, detail, "200 comments rendered"
    )
    measure(
        "consultations: proposal page with 200 comments (signed in)",
        signed,
        detail,
        "with forms, votes, follow",
    )

    from parlons.modules.consultations import selectors

    times = []
    selectors.similar_proposals(component=component, title="fontaine place", body="")  # builds the index once
    for i in range(RUNS):
        t = time.perf_counter()
        selectors.similar_proposals(
            component=component, title=f"Une fontaine place du marché {i}", body="pour le quartier et le parc"
        )
        times.append(time.perf_counter() - t)
    rows.append(
        {
            "what": "consultations: similar proposals check",
            "size": size,
            "median_s": round(statistics.median(times), 4),
            "p95_s": round(_pct(times, 95), 4),
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "target": "< 0.100 s",
            "note": "TF-IDF cosine over an inverted index kept per process",
        }
    )
    t = time.perf_counter()
    selectors._indexes.clear()
    selectors.similar_proposals(component=component, title="fontaine place", body="")
    rows.append(
        {
            "what": "consultations: similarity index (re)build",
            "size": size,
            "median_s": round(time.perf_counter() - t, 4),
            "p95_s": round(time.perf_counter() - t, 4),
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "target": "",
            "note": f"once per change of the proposals; data built in {build_s:.0f} s",
        }
    )
    rows.append({"what": "_list_url", "size": base})
    return rows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _load(port: int, path: str, seconds: float, concurrency: int = 8) -> tuple[int, int, list[float]]:
    import http.client

    stop = time.perf_counter() + seconds
    ok = [0]
    errors = [0]
    latencies: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.perf_counter() < stop:
            t = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                good = response.status == 200
            except OSError:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                good = False
            with lock:
                latencies.append(time.perf_counter() - t)
                if good:
                    ok[0] += 1
                else:
                    errors[0] += 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return ok[0], errors[0], latencies


WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("parlons-latency-us %d %d\\n", latency:percentile(50), latency:percentile(95)))
end
"""


def _wrk(port: int, path: str, seconds: float, connections: int = 16) -> tuple[int, int, float, float] | None:
    """Load with Debian's ``wrk`` when it is installed: (OK responses, errors, median s, p95 s); None without it."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    try:
        out = subprocess.run(  # noqa: S603 - fixed arguments, 127.0.0.1 only
            [
                wrk,
                "-t2",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "-s",
                script.name,
                f"http://127.0.0.1:{port}{path}",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
            check=False,
        ).stdout
    finally:
        os.unlink(script.name)
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (
        sum(int(g) for g in socket_errors.groups()) if socket_errors else 0
    )
    median_us, p95_us = (int(v) for v in re.search(r"parlons-latency-us (\d+) (\d+)", out).groups())  # type: ignore[union-attr]
    return total - (int(bad.group(1)) if bad else 0), errors, median_us / 1e6, p95_us / 1e6


def run(results: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory(prefix="parlons-bench-consult-") as data_dir:
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
            [sys.executable, "-m", "bench.consultations", "--child"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode:
            raise RuntimeError(out.stderr[-3000:])
        rows = json.loads(out.stdout.strip().splitlines()[-1])
        list_url = next(r["size"] for r in rows if r["what"] == "_list_url")
        results.extend(r for r in rows if r["what"] != "_list_url")
        port = _free_port()
        gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
        server = subprocess.Popen(  # noqa: S603 - our own gunicorn with fixed arguments
            [
                str(gunicorn),
                "config.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                "2",
                "-k",
                "gthread",
                "--threads",
                "4",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.time() + 30
            while time.time() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.3)
            _load(port, list_url, 2.0)  # warm-up: persistent connections, template caches, the list cache
            measured = _wrk(port, list_url, LOAD_SECONDS)
            if measured is not None:
                ok, errors, median, p95 = measured
                how = "wrk, 2 threads × 16 connections"
            else:
                ok, errors, latencies = _load(port, list_url, LOAD_SECONDS)
                median, p95 = _pct(latencies, 50), _pct(latencies, 95)
                how = "Python load loop, 8 clients (wrk not installed)"
            results.append(
                {
                    "what": "consultations: signed-out list page under load (gunicorn gthread 2 workers × 4 threads)",
                    "size": rows[0]["size"],
                    "median_s": round(median, 4),
                    "p95_s": round(p95, 4),
                    "peak_mb": None,
                    "target": "≥ 150 requests/s",
                    "note": f"{ok / LOAD_SECONDS:.0f} requests/s ({ok} OK, {errors} errors in {LOAD_SECONDS:.0f} s; "
                    f"{how} on the same 2 cores; rendered list cached per component version)",
                }
            )
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    if "--child" in sys.argv:
        print(json.dumps(_child()))
    else:
        collected: list[dict[str, Any]] = []
        run(collected)
        for row in collected:
            print(json.dumps(row, ensure_ascii=False))
