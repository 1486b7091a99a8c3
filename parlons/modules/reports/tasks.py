"""Background work of the reports module, run by the huey worker."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="17"))
def send_due_satisfaction_surveys() -> int:
    """Every hour: the "is it really fixed?" questionnaires whose delay has passed."""
    from parlons.modules.reports.services import satisfaction_send_due

    return satisfaction_send_due()
