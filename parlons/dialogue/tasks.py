"""Background work of the dialogue, run by the huey worker (inline in tests): the spam models' training."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def retrain_spam_model(organisation_id: int) -> bool:
    """Retrain one organisation's spam classifier from its moderation decisions (queued after each one)."""
    from parlons.dialogue.spam_classifier import retrain_task

    return retrain_task(organisation_id)


@db_periodic_task(crontab(hour="3", minute="41"))
def retrain_spam_models() -> int:
    """Every night: comments that stayed online unflagged become examples of acceptable texts."""
    from parlons.core.models import Organisation
    from parlons.dialogue import selectors
    from parlons.dialogue.spam_classifier import retrain

    count = 0
    for organisation in Organisation.objects.filter(pk__in=selectors.organisations_with_decisions()):
        retrain(organisation)
        count += 1
    return count
