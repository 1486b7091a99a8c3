"""Settings come from the environment: embedded defaults, production hardening, Redis and PostgreSQL switches."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, config.settings as s
print(json.dumps({
    "hsts": getattr(s, "SECURE_HSTS_SECONDS", 0), "secure_cookie": getattr(s, "SESSION_COOKIE_SECURE", False),
    "ssl_redirect": getattr(s, "SECURE_SSL_REDIRECT", False), "any_host": s.PARLONS_ANY_HOST_DEFAULT_ORG,
    "prefix": s.PARLONS_PATH_PREFIX_TENANTS, "debug": s.DEBUG, "engine": s.DATABASES["default"]["ENGINE"],
    "pool": "pool" in s.DATABASES["default"].get("OPTIONS", {}), "huey": s.HUEY["huey_class"],
    "cache": s.CACHES["default"]["BACKEND"],
}))
"""


def _settings(tmp_path, **env):
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("PARLONS_", "DATABASE_URL", "REDIS_URL"))
    }
    base.update(PARLONS_DATA_DIR=str(tmp_path), **env)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=base, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    return done


def test_embedded_defaults(tmp_path):
    values = json.loads(_settings(tmp_path).stdout)
    assert values["engine"] == "django.contrib.gis.db.backends.spatialite"
    assert values["huey"] == "huey.SqliteHuey"
    assert values["debug"] is False
    assert values["any_host"] is True and values["prefix"] is True
    assert values["hsts"] == 0
    assert (tmp_path / "secret_key").exists(), "a secret key is generated once in the data directory"


def test_production_requires_a_secret_key_and_hardens(tmp_path):
    refused = _settings(tmp_path, PARLONS_ENV="production")
    assert refused.returncode != 0 and "PARLONS_SECRET_KEY" in refused.stderr
    values = json.loads(_settings(tmp_path, PARLONS_ENV="production", PARLONS_SECRET_KEY="x" * 50).stdout)
    assert values["hsts"] >= 31536000 and values["secure_cookie"] and values["ssl_redirect"]
    assert values["any_host"] is False and values["prefix"] is False


def test_postgres_and_redis_switches(tmp_path):
    values = json.loads(
        _settings(
            tmp_path,
            DATABASE_URL="postgres://u@db.example:5432/parlons",
            REDIS_URL="redis://127.0.0.1:6379/3",
        ).stdout
    )
    assert values["engine"] == "django.contrib.gis.db.backends.postgis"
    assert values["pool"] is True
    assert values["huey"] == "huey.RedisHuey"
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
