"""``parlons serve``: the production-grade web server (gunicorn) together with the task worker (huey).

Both run as child processes; when either stops, or on Ctrl-C / SIGTERM, both are stopped.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Parlons with gunicorn and run the task worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default=os.environ.get("PARLONS_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--web-workers", type=int, default=int(os.environ.get("PARLONS_WEB_WORKERS", "2"))
        )
        parser.add_argument("--no-worker", action="store_true", help="do not start the task worker")

    def handle(self, *args: Any, **options: Any) -> None:
        bin_dir = os.path.dirname(sys.executable)
        web = [
            os.path.join(bin_dir, "gunicorn"),
            "config.wsgi:application",
            "--bind",
            options["bind"],
            "--workers",
            str(options["web_workers"]),
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--access-logfile",
            "-",
            "--forwarded-allow-ips",
            "127.0.0.1",
            "--timeout",
            "60",
            "--graceful-timeout",
            "10",
        ]
        children = [subprocess.Popen(web)]  # noqa: S603
        if not options["no_worker"]:
            children.append(subprocess.Popen([os.path.join(bin_dir, "parlons"), "run_huey", "--quiet"]))  # noqa: S603
        self.stdout.write(
            f"Parlons is served on http://{options['bind']}/ (worker: {'off' if options['no_worker'] else 'on'})"
        )

        def stop(*_: Any) -> None:
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            stop()
            for child in children:
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()
