"""Background recomputation of a conversation's opinion map, debounced.

A vote calls ``request_recompute`` after its commit: the first vote sets a flag in huey's storage and
schedules one recomputation a moment later; the votes that follow while the flag is set add nothing, and the
task pops the flag before reading the votes, so a vote committed after that schedules the next run. On a
busy conversation the map is therefore recomputed about every DEBOUNCE_SECONDS, whatever the vote rate.
Nothing is lost if a task is: every minute, maps older than their latest vote are recomputed.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import F, Max, Q
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from parlons.modules.conversations.models import Conversation

DEBOUNCE_SECONDS = 2


def _flag(conversation_id: int) -> str:
    return f"parlons.conversations.recompute.{conversation_id}"


def request_recompute(conversation_id: int) -> None:
    """Make sure the map is recomputed after now, at most once per DEBOUNCE_SECONDS."""
    if HUEY.immediate:
        conversation_recompute_task.call_local(conversation_id)
        return
    if HUEY.put_if_empty(_flag(conversation_id), "1"):
        delay = getattr(settings, "PARLONS_CONVERSATIONS_DEBOUNCE", DEBOUNCE_SECONDS)
        conversation_recompute_task.schedule((conversation_id,), delay=delay)


@db_task()
def conversation_recompute_task(conversation_id: int) -> bool:
    from parlons.modules.conversations.services import conversation_recompute

    HUEY.get(_flag(conversation_id))  # pops the flag: later votes schedule a new run
    conversation = Conversation.objects.filter(pk=conversation_id).select_related("organisation").first()
    if conversation is None:
        return False
    return conversation_recompute(conversation=conversation).ok


@db_periodic_task(crontab(minute="*"))
def conversation_recompute_stale() -> int:
    """Every minute: recompute the maps whose task was lost (worker stopped, storage flushed)."""
    from parlons.modules.conversations.services import conversation_recompute

    stale = Conversation.objects.annotate(latest=Max("votes__updated_at")).filter(
        Q(latest__isnull=False) & (Q(result__isnull=True) | Q(latest__gt=F("result__computed_at")))
    )
    count = 0
    for conversation in stale.select_related("organisation"):
        HUEY.get(_flag(conversation.pk))  # a lost run's flag would block every later request
        conversation_recompute(conversation=conversation)
        count += 1
    return count
