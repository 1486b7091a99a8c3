"""Scheduled work of the ledger: the hourly checkpoint, only for logs that grew."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from parlons.ledger import services


@db_periodic_task(crontab(minute="7"))
def ledger_hourly_checkpoints() -> int:
    """Sign a checkpoint of every log that grew since its latest checkpoint (C2SP: at least hourly)."""
    return services.checkpoints_hourly()
