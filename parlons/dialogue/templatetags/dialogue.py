"""``{% comments obj %}`` renders the discussion of any registered contribution, with its form;
``{% follow_button obj %}`` and ``{% flag_form obj %}`` do the same for follows and flags; ``|rich_text`` shows
user text safely (escaped, paragraphs, links made clickable with rel=nofollow); ``|spam_reasons`` and
``|spam_terms`` explain a spam score to the moderators."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import escape, urlize
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import normalize_newlines
from django.utils.translation import gettext_lazy as _

from parlons.dialogue import selectors
from parlons.dialogue.models import FlagReason
from parlons.dialogue.thread_context import target_key, thread_context

register = template.Library()

# Everything django.utils.html.urlize turns into a link contains one of these (scheme, www., e-mail, or one of
# the bare domains it recognises); see its simple_url_re, simple_url_2_re and e-mail handling.
_URLIZE_TRIGGERS = ("http", "www.", "@", ".com", ".edu", ".gov", ".int", ".mil", ".net", ".org")


@register.inclusion_tag("dialogue/_thread.html", takes_context=True)
def comments(
    context: dict[str, Any], obj: Any, title: str = "", decision: Any = None, blocked: Any = None
) -> dict[str, Any]:
    """``decision``: the page's own ``can_perform`` result for commenting, to spare the check; ``blocked``:
    whether the person is blocked in the organisation, when the page already knows it (e.g. annotated)."""
    return thread_context(context["request"], obj, title=title, decision=decision, blocked=blocked)


@register.inclusion_tag("dialogue/_follow.html", takes_context=True)
def follow_button(context: dict[str, Any], obj: Any, following: Any = None) -> dict[str, Any]:
    """``following``: already known by the page (e.g. annotated on the object), to spare a query."""
    request = context["request"]
    return {
        "request": request,
        "user": request.user,
        "key": target_key(obj),
        "following": selectors.is_following(user=request.user, target=obj)
        if following is None
        else following,
        "next": request.get_full_path(),
    }


@register.inclusion_tag("dialogue/_flag.html", takes_context=True)
def flag_form(context: dict[str, Any], obj: Any, label: str = "") -> dict[str, Any]:
    request = context["request"]
    return {
        "request": request,
        "user": request.user,
        "key": target_key(obj),
        "reasons": FlagReason.choices,
        "next": request.get_full_path(),
        "label": label,
        "uid": f"{obj._meta.model_name}-{obj.pk}",
    }


@register.filter(is_safe=True)
def rich_text(value: str) -> SafeString:
    """Escaped paragraphs with clickable links; nothing the author typed can become markup."""
    value = normalize_newlines(value or "")
    paragraphs = [p for p in value.split("\n\n") if p.strip()]
    html = []
    for paragraph in paragraphs:
        # urlize is the slow part of a long thread; text without any of its triggers only needs escaping.
        lowered = paragraph.lower()
        if any(trigger in lowered for trigger in _URLIZE_TRIGGERS):
            linked = urlize(paragraph, nofollow=True, autoescape=True)
        else:
            linked = escape(paragraph)
        html.append("<p>" + linked.replace("\n", "<br>") + "</p>")
    return mark_safe("\n".join(html))  # noqa: S308 - every piece was escaped above


# The stable codes of ``parlons.dialogue.spam`` in words a moderator reads.
SPAM_REASONS = {
    "many_links": _("many links"),
    "link": _("a link"),
    "new_account_with_link": _("a link from an account less than a day old"),
    "advertising_words": _("advertising words"),
    "abusive_words": _("insults"),
    "shouting": _("written in capitals"),
    "repeated_characters": _("repeated characters"),
    "many_mentions": _("many mentions"),
    "repeated_text": _("the same text posted again"),
    "like_hidden_content": _("like content the moderators hid"),
    "like_accepted_content": _("like content the moderators accepted"),
}


@register.filter
def spam_reasons(codes: Any) -> list[str]:
    """The reasons of a spam score, in words (unknown codes as they are)."""
    return [str(SPAM_REASONS.get(code, code)) for code in codes or []]


@register.filter
def spam_terms(terms: Any) -> dict[str, list[tuple[str, str]]]:
    """The words that drove a spam score, split into those that raised it and those that lowered it, each
    with its weight formatted with a sign (``[["casino", 0.25], ...]`` as stored on the case)."""
    raised: list[tuple[str, str]] = []
    lowered: list[tuple[str, str]] = []
    for item in terms or []:
        try:
            word, weight = str(item[0]), float(item[1])
        except (TypeError, ValueError, IndexError):
            continue
        (raised if weight > 0 else lowered).append((word, f"{weight:+.2f}"))
    return {"raised": raised, "lowered": lowered}
