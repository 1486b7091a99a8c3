"""Each organisation's spam classifier: learned from its own moderators' decisions, kept in the cache.

What it learns from (``selectors``): spam or abuse = cases moderators hid (held by the spam check, or flagged
as spam or offensive); acceptable = cases moderators restored (they weigh ``RESTORED_WEIGHT`` times more: a
moderator looked and disagreed) and comments that have been online for ``UNFLAGGED_AFTER`` without a flag.
Below ``MIN_HIDDEN`` hidden and ``MIN_ACCEPTED`` acceptable texts there is no model and the rules alone score;
above, the model's trust grows with the number of decisions up to ``FULL_TRUST_DECISIONS``.

The model is retrained in the task queue after every moderation decision (debounced), every night, and when
the cache lost it; meanwhile texts are scored with the model in the cache, or by the rules alone. One cache
entry per organisation: no decision of one organisation ever reaches another's model.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from parlons.core.models import Organisation
from parlons.dialogue import selectors
from parlons.dialogue.models import Moderation
from parlons.dialogue.spam_model import Example, SpamModel, train

logger = logging.getLogger(__name__)

MIN_HIDDEN = 5
MIN_ACCEPTED = 5
FULL_TRUST_DECISIONS = 20
MAX_DECIDED = 2000  # latest decisions of each kind
MAX_UNFLAGGED = 500
UNFLAGGED_AFTER = timedelta(days=2)
RESTORED_WEIGHT = 3.0
MODEL_TTL = 8 * 24 * 3600  # seconds; the nightly retraining renews it
RETRAIN_DEBOUNCE = 600  # seconds a queued retraining stands for the next requests
_FORMAT = 1  # bump when SpamModel changes shape: older cached models are then ignored


def _model_key(organisation_id: int) -> str:
    return f"parlons.dialogue.spam-model.{_FORMAT}.{organisation_id}"


def _stamp_key(organisation_id: int) -> str:
    return f"parlons.dialogue.spam-model-stamp.{_FORMAT}.{organisation_id}"


def _queued_key(organisation_id: int) -> str:
    return f"parlons.dialogue.spam-retrain-queued.{organisation_id}"


# Models already unpickled by this process, by organisation, with the stamp of their training: scoring a text
# then reads only the small stamp from the cache, not the model (megabytes for a busy organisation).
_loaded: dict[int, tuple[str, SpamModel | None]] = {}


def model_for(organisation: Organisation) -> SpamModel | None:
    """The organisation's trained model, or None (not enough decisions yet, or not in the cache: then a
    retraining is requested once the current transaction commits, and the rules score meanwhile)."""
    organisation_id = organisation.pk
    stamp = cache.get(_stamp_key(organisation_id))
    loaded = _loaded.get(organisation_id)
    if stamp is not None and loaded is not None and loaded[0] == stamp:
        return loaded[1]
    entry = cache.get(_model_key(organisation_id)) if stamp is not None else None
    if entry is None or entry.get("stamp") != stamp:
        transaction.on_commit(lambda: request_retrain(organisation_id))
        return None
    model = entry.get("model")
    model = model if isinstance(model, SpamModel) else None
    _loaded[organisation_id] = (stamp, model)
    return model


def training_examples(organisation: Organisation) -> tuple[list[Example], dict[str, int]]:
    """The labelled texts of the organisation, and how many of each kind."""
    hidden = selectors.moderated_texts(
        organisation=organisation, state=Moderation.State.HIDDEN, limit=MAX_DECIDED
    )
    restored = selectors.moderated_texts(
        organisation=organisation, state=Moderation.State.RESTORED, limit=MAX_DECIDED
    )
    unflagged = selectors.unflagged_comment_texts(
        organisation=organisation, before=timezone.now() - UNFLAGGED_AFTER, limit=MAX_UNFLAGGED
    )
    examples = (
        [Example(t, True) for t in hidden]
        + [Example(t, False, RESTORED_WEIGHT) for t in restored]
        + [Example(t, False) for t in unflagged]
    )
    return examples, {"hidden": len(hidden), "restored": len(restored), "unflagged": len(unflagged)}


def retrain(organisation: Organisation) -> SpamModel | None:
    """Train the organisation's model from its decisions and put it in the cache (None: not enough yet)."""
    examples, counts = training_examples(organisation)
    model: SpamModel | None = None
    if counts["hidden"] >= MIN_HIDDEN and counts["restored"] + counts["unflagged"] >= MIN_ACCEPTED:
        decisions = counts["hidden"] + counts["restored"]
        try:
            model = train(examples, trust=min(1.0, decisions / FULL_TRUST_DECISIONS), **counts)
        except ValueError:  # e.g. texts without a single word of two letters: nothing to learn
            logger.warning(
                "spam model of organisation %s could not be trained", organisation.pk, exc_info=True
            )
        else:
            model.meta["trained_at"] = timezone.now().isoformat()
    stamp = uuid.uuid4().hex
    entry = {"model": model, "stamp": stamp, **counts}
    cache.set_many({_model_key(organisation.pk): entry, _stamp_key(organisation.pk): stamp}, MODEL_TTL)
    logger.info("spam model of organisation %s: %s", organisation.pk, counts if model else "rules only")
    return model


def forget(organisation: Organisation) -> None:
    """Drop the cached model (the next text scored asks for a retraining)."""
    cache.delete_many([_model_key(organisation.pk), _stamp_key(organisation.pk)])


def request_retrain(organisation_id: int) -> None:
    """Queue a retraining, unless one is already waiting (it will read every decision committed by then)."""
    from parlons.dialogue.tasks import retrain_spam_model

    if cache.add(_queued_key(organisation_id), True, RETRAIN_DEBOUNCE):
        retrain_spam_model(organisation_id)


def retrain_task(organisation_id: int) -> bool:
    """The task's body: let later decisions queue the next run, then retrain (False: organisation gone)."""
    cache.delete(_queued_key(organisation_id))
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        return False
    retrain(organisation)
    return True


def learn_from_decision(organisation: Organisation) -> None:
    """Call after a moderation decision: the model is retrained once the decision is committed."""
    organisation_id = organisation.pk
    transaction.on_commit(lambda: request_retrain(organisation_id))
