"""Pages of the conversations module: voting one statement at a time, the opinion map, the officials' report.

Every page works without JavaScript: votes and new statements are plain forms; HTMX swaps the statement card
in place and polls the map while the conversation is open; ``static/conversations/vote.js`` adds the keys
A / D / P to vote.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parlons.common.errors import DomainError, NotFound
from parlons.core import permissions
from parlons.core.models import Component
from parlons.core.routing import component_or_404
from parlons.modules.conversations import selectors, services
from parlons.modules.conversations.models import Conversation, Statement

GROUP_NAMES = "ABCDE"
MAP_SIZE = 400
MAP_MARGIN = 24
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def _component(request: HttpRequest, process_slug: str, component_id: int) -> Component:
    return component_or_404(
        request, process_slug=process_slug, component_id=component_id, module_key="conversations"
    )


def _conversation(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> Conversation:
    component = _component(request, process_slug, component_id)
    try:
        return selectors.access_conversation(component=component, public_id=public_id)
    except NotFound as exc:
        raise Http404 from exc


def _url(name: str, conversation: Conversation, **kwargs: Any) -> str:
    component = conversation.component
    return reverse(
        f"conversations:{name}",
        kwargs={
            "process_slug": component.process.slug,
            "component_id": component.pk,
            "public_id": conversation.public_id,
            **kwargs,
        },
    )


def _can_moderate(request: HttpRequest, conversation: Conversation) -> bool:
    return bool(permissions.can_perform(request.user, conversation.component, "moderate"))


def _base(request: HttpRequest, conversation: Conversation) -> dict[str, Any]:
    return {
        "conversation": conversation,
        "component": conversation.component,
        "process": conversation.component.process,
        "can_moderate": _can_moderate(request, conversation),
        "detail_url": _url("detail", conversation),
        "results_url": _url("results", conversation),
        "report_url": _url("report", conversation),
        "login_url": f"{reverse('account_login')}?next={request.path}",
    }


def index(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    conversations = list(selectors.conversation_list(component=component))
    for conversation in conversations:
        conversation.component = component
    return render(
        request,
        "conversations/index.html",
        {
            "component": component,
            "process": component.process,
            "items": [(c, _url("detail", c)) for c in conversations],
            "can_moderate": bool(permissions.can_perform(request.user, component, "moderate")),
            "new_url": reverse(
                "conversations:new", kwargs={"process_slug": process_slug, "component_id": component_id}
            ),
        },
    )


@require_POST
def new(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    if not permissions.can_perform(request.user, component, "moderate"):
        raise Http404
    try:
        conversation = services.conversation_create(
            component=component,
            by=request.user,
            question=request.POST.get("question", ""),
            description=request.POST.get("description", ""),
            allow_statements=bool(request.POST.get("allow_statements")),
        )
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect(
            reverse(
                "conversations:index", kwargs={"process_slug": process_slug, "component_id": component_id}
            )
        )
    return redirect(_url("report", conversation))


def _vote_context(request: HttpRequest, conversation: Conversation) -> dict[str, Any]:
    participant = selectors.participant_of(conversation=conversation, user=request.user)
    statement = selectors.next_statement(conversation=conversation, participant=participant)
    done, total = selectors.progress(conversation=conversation, participant=participant)
    vote = permissions.can_perform(request.user, conversation.component, "vote", conversation)
    add = permissions.can_perform(request.user, conversation.component, "add_statement", conversation)
    return {
        "statement": statement,
        "done": done,
        "total": total,
        "vote_decision": vote,
        "add_decision": add,
        "vote_url": _url("vote", conversation, statement_id=statement.public_id) if statement else "",
        "add_url": _url("add", conversation),
    }


def detail(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    """The vote page: the question, then one statement at a time."""
    conversation = _conversation(request, process_slug, component_id, public_id)
    context = {**_base(request, conversation), **_vote_context(request, conversation)}
    return render(request, "conversations/detail.html", context)


@require_POST
def vote(
    request: HttpRequest, process_slug: str, component_id: int, public_id: str, statement_id: str
) -> HttpResponse:
    conversation = _conversation(request, process_slug, component_id, public_id)
    try:
        statement = selectors.access_statement(conversation=conversation, public_id=statement_id)
    except NotFound as exc:
        raise Http404 from exc
    error = ""
    try:
        value = int(request.POST.get("value", ""))
    except ValueError:
        value = 99
    try:
        services.vote_cast(statement=statement, by=request.user, value=value)
    except DomainError as exc:
        error = str(exc)
    if request.headers.get("HX-Request"):
        context = {**_base(request, conversation), **_vote_context(request, conversation), "error": error}
        return render(request, "conversations/_vote_card.html", context, status=200)
    if error:
        messages.error(request, error)
    return redirect(_url("detail", conversation))


@require_POST
def add(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    conversation = _conversation(request, process_slug, component_id, public_id)
    try:
        statement = services.statement_add(
            conversation=conversation, by=request.user, text=request.POST.get("text", "")
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        if statement.status == Statement.Status.ACCEPTED:
            messages.success(request, _("Your statement is published."))
        else:
            messages.success(
                request, _("Thank you: your statement will appear once a moderator has read it.")
            )
    return redirect(_url("detail", conversation))


def _scale(points: list[tuple[float, float]]) -> Any:
    extent = max((max(abs(x), abs(y)) for x, y in points), default=1.0) or 1.0
    half = (MAP_SIZE - 2 * MAP_MARGIN) / 2

    def to_svg(x: float, y: float) -> tuple[float, float]:
        # SVG's y axis points down: flip it so that "up" on the map is the positive second axis.
        return (round(MAP_SIZE / 2 + x / extent * half, 1), round(MAP_SIZE / 2 - y / extent * half, 1))

    return to_svg


def _statement_texts(conversation: Conversation) -> dict[int, Statement]:
    return {s.number: s for s in Statement.objects.filter(conversation=conversation)}


def _map_context(request: HttpRequest, conversation: Conversation) -> dict[str, Any]:
    """The stored result shaped for the templates: scatter points, group cards, consensus, raw counts."""
    result = selectors.opinion_result(conversation=conversation)
    texts = _statement_texts(conversation)
    participant = selectors.participant_of(conversation=conversation, user=request.user)
    context: dict[str, Any] = {"result": result, "poll": conversation.is_open, "map_size": MAP_SIZE}
    if result is None:
        return context
    data = result.data
    counts = [
        {**c, "text": texts[c["statement"]].text if c["statement"] in texts else "", "number": c["statement"]}
        for c in data.get("counts", [])
    ]
    context.update(
        {"ok": result.ok, "counts": counts, "computed_at": result.computed_at, "seconds": result.seconds}
    )
    if not result.ok:
        context.update(
            {
                "reason": data.get("reason"),
                "participants": data.get("participants", 0),
                "needed": data.get("participants_needed", 0),
                "in_conversation": data.get("in_conversation_count", 0),
            }
        )
        return context
    groups = {int(p): g for p, g in data["groups"].items()}
    points = {int(p): tuple(xy) for p, xy in data["points"].items() if int(p) in groups}
    to_svg = _scale(list(points.values()))
    me = participant.number if participant else None
    dots = [
        {
            "x": to_svg(*xy)[0],
            "y": to_svg(*xy)[1],
            "group": groups[p],
            "name": GROUP_NAMES[groups[p]],
            "me": p == me,
        }
        for p, xy in sorted(points.items())
    ]
    my_point = data["points"].get(str(me)) if me is not None else None
    you = None
    if my_point is not None:
        x, y = to_svg(*my_point)
        you = {
            "x": x,
            "y": y,
            "group": groups.get(me) if me is not None else None,
            "name": GROUP_NAMES[groups[me]] if me is not None and me in groups else None,
        }
    cards = []
    for g, stats in enumerate(data["repness"]):
        cards.append(
            {
                "name": GROUP_NAMES[g],
                "index": g,
                "size": data["group_sizes"][g],
                "statements": [
                    {
                        "text": texts[s["statement"]].text if s["statement"] in texts else "",
                        "number": s["statement"],
                        "direction": s["direction"],
                        "percent": round(100 * s["n_success"] / s["n_trials"]) if s["n_trials"] else 0,
                    }
                    for s in stats
                ],
            }
        )
    shared = [
        {
            "text": texts[n].text if n in texts else "",
            "number": n,
            "percents": [
                round(100 * a / (a + d + p)) if (a + d + p) else 0
                for a, d, p in data["group_votes"].get(str(n), [])
            ],
        }
        for n in data["shared"]
    ]
    consensus = [
        {"text": texts[s["statement"]].text if s["statement"] in texts else "", **s}
        for direction in ("agree", "disagree")
        for s in data["consensus"][direction]
    ]
    context.update(
        {
            "dots": dots,
            "you": you,
            "cards": cards,
            "shared": shared,
            "consensus": consensus,
            "k": data["k"],
            "in_conversation_count": len(data["in_conversation"]),
            "participants": data["participants"],
            "votes": data["votes"],
            "centres": [
                {"name": GROUP_NAMES[g], "x": to_svg(*c)[0], "y": to_svg(*c)[1]}
                for g, c in enumerate(data["group_centres"])
            ],
        }
    )
    return context


def results(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    """The opinion map, group cards and what everyone shares; the map part is polled by HTMX."""
    conversation = _conversation(request, process_slug, component_id, public_id)
    if not conversation.component.settings.get("show_map", True) and not _can_moderate(request, conversation):
        raise Http404
    context = {**_base(request, conversation), **_map_context(request, conversation)}
    context["map_url"] = _url("results", conversation)
    if request.headers.get("HX-Request"):
        return render(request, "conversations/_map.html", context)
    return render(request, "conversations/results.html", context)


def report(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    """The officials' report: figures, groups, consensus, every statement's votes, moderation, import/export."""
    conversation = _conversation(request, process_slug, component_id, public_id)
    if not _can_moderate(request, conversation):
        raise Http404
    context = {**_base(request, conversation), **_map_context(request, conversation)}
    result = context.get("result")
    if result is not None and result.ok:
        group_votes = result.data.get("group_votes", {})
        for row in context["counts"]:
            row["groups"] = [
                {"name": GROUP_NAMES[g], "agree": v[0], "disagree": v[1], "pass": v[2]}
                for g, v in enumerate(group_votes.get(str(row["number"]), []))
            ]
    context.update(
        {
            "poll": False,
            "pending": [
                (s, _url("moderate", conversation, statement_id=s.public_id))
                for s in selectors.pending_statements(conversation=conversation)
            ],
            "import_url": _url("import_polis", conversation),
            "export_url": _url("export_polis", conversation),
            "stats": selectors.conversation_stats(component=conversation.component),
        }
    )
    return render(request, "conversations/report.html", context)


@require_POST
def moderate(
    request: HttpRequest, process_slug: str, component_id: int, public_id: str, statement_id: str
) -> HttpResponse:
    conversation = _conversation(request, process_slug, component_id, public_id)
    if not _can_moderate(request, conversation):
        raise Http404
    try:
        statement = selectors.access_statement(conversation=conversation, public_id=statement_id)
        services.statement_moderate(
            statement=statement, by=request.user, accept=request.POST.get("decision") == "accept"
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(_url("report", conversation))


@require_POST
def import_polis(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    conversation = _conversation(request, process_slug, component_id, public_id)
    if not _can_moderate(request, conversation):
        raise Http404
    files: dict[str, str] = {}
    try:
        for name in ("comments.csv", "votes.csv"):
            upload = request.FILES.get(name.replace(".csv", ""))
            if upload is None:
                continue
            if upload.size and upload.size > MAX_UPLOAD_BYTES:
                raise services.ImportInvalid(_("%(file)s is too large.") % {"file": name})
            try:
                files[name] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise services.ImportInvalid(_("%(file)s is not UTF-8 text.") % {"file": name}) from exc
        statements, votes = services.conversation_import_polis(
            conversation=conversation, by=request.user, files=files
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Imported %(statements)d statements and %(votes)d votes.")
            % {"statements": statements, "votes": votes},
        )
    return redirect(_url("report", conversation))


def export_polis(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    conversation = _conversation(request, process_slug, component_id, public_id)
    if not _can_moderate(request, conversation):
        raise Http404
    response = HttpResponse(
        selectors.export_polis_zip(conversation=conversation), content_type="application/zip"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="conversation-{conversation.public_id}-polis.zip"'
    )
    return response
