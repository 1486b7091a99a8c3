"""Background work of the ledger: the sequencer after each commit and every minute, the hourly checkpoint.

``request_integration`` is called after a transaction that queued entries commits. It enqueues one sequencer
task per organisation at a time: a flag in huey's storage is set when the task is enqueued and cleared when
the task *starts*, before it reads the queue, so an entry committed before the flag was seen set is read by
that task, and one committed later enqueues a new task. Nothing is lost if a task is: the every-minute task
integrates whatever is still queued.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from parlons.core.models import Organisation
from parlons.ledger import services
from parlons.ledger.models import LedgerPending


def _flag(organisation_id: int) -> str:
    return f"parlons.ledger.integrate.{organisation_id}"


def _checkpoint_age() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "PARLONS_LEDGER_CHECKPOINT_SECONDS", 3600))


def request_integration(organisation_id: int) -> None:
    """Make sure a sequencer run will read the queue of this organisation after now."""
    if HUEY.put_if_empty(_flag(organisation_id), "1"):
        ledger_integrate_queue(organisation_id)


def _run(organisation_id: int) -> int:
    HUEY.get(_flag(organisation_id))  # pops the flag: later commits enqueue a new run
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        return 0
    count = services.ledger_integrate_all(organisation=organisation)
    if count:
        services.checkpoint_if_due(organisation=organisation, max_age=_checkpoint_age())
    return count


@db_task()
def ledger_integrate_queue(organisation_id: int) -> int:
    """The sequencer of one organisation's log: integrate everything queued, sign a checkpoint when due."""
    return _run(organisation_id)


@db_periodic_task(crontab(minute="*"))
def ledger_integrate_leftovers() -> int:
    """Every minute: integrate entries whose sequencer task was lost (worker stopped, storage flushed)."""
    ids = LedgerPending.objects.values_list("organisation_id", flat=True).distinct()
    return sum(_run(organisation_id) for organisation_id in list(ids))


@db_periodic_task(crontab(minute="7"))
def ledger_hourly_checkpoints() -> int:
    """Sign a checkpoint of every log that grew since its latest checkpoint (C2SP: at least hourly)."""
    return services.checkpoints_hourly()
