"""How the shared dialogue sees proposals and debates: permissions, positions, closing, moderation."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from parlons.dialogue import targets


def _component(obj: Any) -> Any:
    return obj.component


def _proposal_closed(proposal: Any) -> Any:
    from parlons.modules.consultations.models import Status

    if proposal.status == Status.MERGED:
        return _("This proposal was merged: the discussion continues on the merged proposal.")
    if proposal.status != Status.PUBLISHED:
        return _("This proposal is not open for discussion.")
    return None


def _debate_closed(debate: Any) -> Any:
    return _("This debate is closed.") if debate.is_closed else None


def _proposal_comments_changed(object_id: str) -> None:
    from parlons.modules.consultations import list_cache
    from parlons.modules.consultations.models import Proposal

    component_id = Proposal.objects.filter(pk=object_id).values_list("component_id", flat=True).first()
    if component_id is not None:
        list_cache.bump(component_id)


def register() -> None:
    from parlons.modules.consultations import services
    from parlons.modules.consultations.settings import settings_of

    targets.register(
        targets.Target(
            label="consultations.proposal",
            component_of=_component,
            url_of=lambda p: p.get_absolute_url(),
            title_of=lambda p: p.title,
            author_of=lambda p: p.author,
            alignment=lambda p: settings_of(p.component).alignment_on_proposals,
            closed_reason=_proposal_closed,
            set_hidden=services.set_hidden,
            hide_after=lambda p: settings_of(p.component).flags_to_hide,
            text_of=lambda p: f"{p.title}\n\n{p.body}",
            comments_changed=_proposal_comments_changed,
        )
    )
    targets.register(
        targets.Target(
            label="consultations.amendment",
            component_of=lambda a: a.proposal.component,
            url_of=lambda a: a.proposal.get_absolute_url() + "#amendments",
            title_of=lambda a: a.title,
            author_of=lambda a: a.author,
            # Amendments are moderated (flags, spam check, appeals) but discussed on their proposal.
            closed_reason=lambda a: _("Amendments are discussed on their proposal."),
            set_hidden=services.set_amendment_hidden,
            hide_after=lambda a: settings_of(a.proposal.component).flags_to_hide,
            text_of=lambda a: f"{a.title}\n\n{a.body}",
        )
    )
    targets.register(
        targets.Target(
            label="consultations.debate",
            component_of=_component,
            url_of=lambda d: d.get_absolute_url(),
            title_of=lambda d: d.title,
            author_of=lambda d: d.author,
            alignment=lambda d: True,
            closed_reason=_debate_closed,
            set_hidden=services.set_debate_hidden,
            hide_after=lambda d: settings_of(d.component).flags_to_hide,
            text_of=lambda d: f"{d.title}\n\n{d.body}",
        )
    )
