"""What `make run` starts, started for real: gunicorn and the task worker on an embedded database.

The server runs in a subprocess on a free port with its own data directory (always the embedded
SQLite/SpatiaLite mode, whatever DATABASE_URL the suite runs with).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PARLONS = str(Path(sys.executable).parent / "parlons")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "PARLONS_ENV")}
    env.update(PARLONS_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT))
    return env


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([PARLONS, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("parlons-data")
    env = _env(data_dir)
    _run(["migrate", "--noinput", "-v", "0"], env)
    _run(["createcachetable"], env)
    _run(
        [
            "shell",
            "-c",
            "from parlons.core.services import organisation_create as c; c(slug='essai', name='Essai-sur-Mer', is_default=True)",
        ],
        env,
    )
    _run(["collectstatic", "--noinput", "-v", "0"], env)
    port = _free_port()
    proc = subprocess.Popen(
        [PARLONS, "serve", "--bind", f"127.0.0.1:{port}", "--web-workers", "1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(proc.stdout.read() if proc.stdout else "server died")
            time.sleep(0.2)
    yield base, env, data_dir
    proc.terminate()
    proc.wait(timeout=20)


def test_home_page_is_served_by_gunicorn_with_security_headers(served):
    base = served[0]
    with urllib.request.urlopen(f"{base}/") as response:
        body = response.read().decode()
        headers = response.headers
    assert "Essai-sur-Mer" in body
    assert '<html lang="fr">' in body
    assert "gunicorn" in (headers.get("Server") or "")
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'nonce-" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


def test_static_files_are_hashed_compressed_and_cached(served):
    base = served[0]
    with urllib.request.urlopen(f"{base}/") as response:
        body = response.read().decode()
    href = body.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    assert (
        href.startswith("/static/parlons/theme.")
        and href.endswith(".css")
        and href != "/static/parlons/theme.css"
    )
    request = urllib.request.Request(f"{base}{href}", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request) as response:
        assert response.headers.get("Content-Encoding") == "gzip"
        assert "max-age=315360000" in response.headers["Cache-Control"]


def test_worker_sends_queued_mail(served):
    """An e-mail queued by the web process is sent by the worker that `serve` started (file backend)."""
    _base, env, data_dir = served
    _run(
        [
            "shell",
            "-c",
            "from django.core.mail import send_mail; send_mail('Bienvenue', 'Corps du message', None, ['a@example.test'])",
        ],
        env,
    )
    mail_dir = data_dir / "mail"
    for _ in range(100):
        files = list(mail_dir.glob("*.log")) if mail_dir.exists() else []
        if files:
            break
        time.sleep(0.2)
    assert files, "the worker did not send the queued e-mail"
    assert "Subject: Bienvenue" in files[0].read_text()


def test_unknown_organisation_path_is_404(served):
    base = served[0]
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{base}/o/nulle-part/")
    assert err.value.code == 404
