"""Public pages and files of the transparency log, under ``/ledger/<org-slug>/``.

- C2SP tlog-tiles: ``checkpoint``, ``tile/<L>/<N>[.p/<W>]``, ``tile/entries/<N>[.p/<W>]``
- JSON: ``proof/inclusion/<index>/<size>``, ``proof/consistency/<size1>/<size2>``, ``entries?start=&end=``
- receipts: ``receipt/<code>`` (JSON download), ``receipt/<code>.tlog-proof``, ``receipts/<code>`` (the page,
  "being recorded" until the sequencer integrates the entry), ``receipts/<code>/print``; ``verify`` (check page)
- ``census/<vote>?pseudonym=``: a census inclusion proof
- the transparency page itself.

The slug must be the organisation of the request's host (or ``/o/<slug>/`` prefix): a town's log is never
served on another town's site.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from parlons.common.errors import DomainError
from parlons.core.models import Organisation
from parlons.ledger import audit, census, merkle, note, receipts, selectors, services
from parlons.ledger.entries import decode_entry, normalise_code
from parlons.ledger.models import LedgerEntry
from parlons.ledger.tiles import parse_path
from parlons.ledger.verifier import Problem

IMMUTABLE = "public, max-age=31536000, immutable"
MAX_RECEIPT_BYTES = 256 * 1024


def _organisation(request: HttpRequest, slug: str) -> Organisation:
    org = getattr(request, "organisation", None)
    if org is None or org.slug != slug:
        raise Http404
    return org


def _json_error(exc: DomainError) -> JsonResponse:
    return JsonResponse({"error": {"code": exc.code, "message": str(exc)}}, status=exc.status)


def _cors(response: HttpResponse) -> HttpResponse:
    # Public, read-only data meant for independent verifiers, including ones running in a browser.
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- tlog-tiles ------------------------------------------------------------------------------------------------


@require_GET
def checkpoint(request: HttpRequest, org_slug: str) -> HttpResponse:
    org = _organisation(request, org_slug)
    latest = selectors.checkpoint_latest(organisation=org)
    if latest is None:
        raise Http404
    response = HttpResponse(services.checkpoint_served_note(latest), content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=5"
    return _cors(response)


@require_GET
def tile(request: HttpRequest, org_slug: str, path: str) -> HttpResponse:
    org = _organisation(request, org_slug)
    try:
        ref = parse_path(f"tile/{path}")
    except ValueError as exc:
        raise Http404 from exc
    data = selectors.tile_bytes(organisation=org, ref=ref)
    if data is None:
        raise Http404
    response = HttpResponse(data, content_type="application/octet-stream")
    # A tile's bytes never change; a partial one may be replaced by the full tile, hence the shorter life.
    response["Cache-Control"] = IMMUTABLE if ref.is_full else "public, max-age=60"
    return _cors(response)


# --- JSON ----------------------------------------------------------------------------------------------------------


def _b64s(hashes: list[bytes]) -> list[str]:
    return [note.b64(h) for h in hashes]


@require_GET
def inclusion_proof(request: HttpRequest, org_slug: str, index: int, size: int) -> JsonResponse:
    org = _organisation(request, org_slug)
    try:
        proof = selectors.inclusion_proof_get(organisation=org, index=index, size=size)
        root = selectors.root_at(organisation=org, size=size)
    except DomainError as exc:
        return _json_error(exc)
    leaf = selectors.node_fetcher(org.pk)([(0, index)])[(0, index)]
    return _cors(
        JsonResponse(
            {
                "index": index,
                "tree_size": size,
                "leaf_hash": note.b64(leaf),
                "root_hash": note.b64(root),
                "inclusion_proof": _b64s(proof),
            }
        )
    )  # type: ignore[return-value]


@require_GET
def consistency_proof(request: HttpRequest, org_slug: str, size1: int, size2: int) -> JsonResponse:
    org = _organisation(request, org_slug)
    try:
        proof = selectors.consistency_proof_get(organisation=org, size1=size1, size2=size2)
        root1 = selectors.root_at(organisation=org, size=size1)
        root2 = selectors.root_at(organisation=org, size=size2)
    except DomainError as exc:
        return _json_error(exc)
    return _cors(
        JsonResponse(
            {
                "size1": size1,
                "size2": size2,
                "root1": note.b64(root1),
                "root2": note.b64(root2),
                "consistency_proof": _b64s(proof),
            }
        )
    )  # type: ignore[return-value]


def _int_param(request: HttpRequest, name: str, default: int) -> int:
    try:
        return int(request.GET.get(name, default))
    except ValueError:
        return -1


@require_GET
def entries(request: HttpRequest, org_slug: str) -> JsonResponse:
    org = _organisation(request, org_slug)
    start = _int_param(request, "start", 0)
    end = _int_param(request, "end", start + 100)
    try:
        rows = list(selectors.entry_list(organisation=org, start=start, end=end))
    except DomainError as exc:
        return _json_error(exc)
    items = [
        {
            "index": e.index,
            "kind": e.kind,
            "ref": e.ref,
            "entry": note.b64(bytes(e.data)),
            "document": decode_entry(e.data),
        }
        for e in rows
    ]
    return _cors(JsonResponse({"start": start, "end": end, "entries": items}))  # type: ignore[return-value]


# --- Receipts ----------------------------------------------------------------------------------------------------


def _stored_entry(org: Organisation, code: str) -> LedgerEntry | None:
    """The log entry with this receipt code; a queued one is integrated now (a receipt needs its index)."""
    code = normalise_code(code)
    entry = selectors.entry_by_code(organisation=org, code=code)
    if entry is None and selectors.pending_by_code(organisation=org, code=code) is not None:
        services.ledger_integrate_all(organisation=org)
        entry = selectors.entry_by_code(organisation=org, code=code)
    return entry


def _entry_for_code(org: Organisation, code: str) -> LedgerEntry:
    entry = _stored_entry(org, code)
    if entry is None:
        raise Http404
    return entry


# A queued entry older than this is integrated by the receipt page itself (the worker is late or stopped).
PENDING_PATIENCE = dt.timedelta(seconds=5)


def _receipt_context(request: HttpRequest, org: Organisation, code: str) -> dict[str, Any]:
    code = normalise_code(code)
    context: dict[str, Any] = {"organisation": org, "slug": org.slug, "code": code}
    entry = selectors.entry_by_code(organisation=org, code=code)
    if entry is None:
        pending = selectors.pending_by_code(organisation=org, code=code)
        if pending is None:
            raise Http404
        if timezone.now() - pending.created_at < PENDING_PATIENCE:
            context.update(
                pending=pending,
                ahead=selectors.pending_ahead(organisation=org, pending=pending),
                log_size=selectors.log_size(organisation=org),
            )
            return context
        entry = _entry_for_code(org, code)
    context.update(
        entry=entry,
        document=decode_entry(entry.data),
        checkpoint=selectors.checkpoint_covering(organisation=org, index=entry.index),
        verify_url=request.build_absolute_uri(reverse("ledger:verify", args=[org.slug])),
    )
    return context


@require_GET
def receipt_page(request: HttpRequest, org_slug: str, code: str) -> HttpResponse:
    """A receipt's page: "being recorded" with the queue's progress (polled by HTMX) until the entry is in the
    log, then the entry, its index and the downloads."""
    org = _organisation(request, org_slug)
    context = _receipt_context(request, org, code)
    if request.headers.get("HX-Request"):
        return render(request, "ledger/_receipt_status.html", context)
    return render(request, "ledger/receipt.html", context)


@require_GET
def receipt_print(request: HttpRequest, org_slug: str, code: str) -> HttpResponse:
    """A printable receipt (an in-person ballot: the agent hands it to the voter): the short code, where and
    how to check it, what it does not prove. Nothing personal. Integrates a queued entry now."""
    org = _organisation(request, org_slug)
    entry = _entry_for_code(org, code)
    context = {
        "organisation": org,
        "slug": org.slug,
        "entry": entry,
        "document": decode_entry(entry.data),
        "verify_url": request.build_absolute_uri(reverse("ledger:verify", args=[org.slug])),
    }
    return render(request, "ledger/receipt_print.html", context)


@require_GET
def census_proof(request: HttpRequest, org_slug: str, ref: str) -> JsonResponse:
    """``census/<vote>?pseudonym=…``: the proof that a pseudonym was in the vote's census at its opening."""
    org = _organisation(request, org_slug)
    pseudonym = request.GET.get("pseudonym", "").strip()
    if not pseudonym:
        return JsonResponse(
            {"error": {"code": "pseudonym", "message": _("Give your pseudonym.")}}, status=400
        )
    try:
        proof = selectors.census_proof(organisation=org, ref=ref, pseudonym=pseudonym)
    except DomainError as exc:
        return _json_error(exc)
    return _cors(JsonResponse(proof))  # type: ignore[return-value]


@require_GET
def receipt_download(request: HttpRequest, org_slug: str, code: str) -> HttpResponse:
    org = _organisation(request, org_slug)
    receipt = receipts.receipt_for(_entry_for_code(org, code))
    response = HttpResponse(
        json.dumps(receipt, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="receipt-{org.slug}-{receipt["index"]}.json"'
    return response


@require_GET
def receipt_tlog_proof(request: HttpRequest, org_slug: str, code: str) -> HttpResponse:
    org = _organisation(request, org_slug)
    receipt = receipts.receipt_for(_entry_for_code(org, code))
    response = HttpResponse(receipt["tlog_proof"], content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="receipt-{org.slug}-{receipt["index"]}.tlog-proof"'
    )
    return response


def problem_message(problem: Problem) -> str:
    """A citizen-readable sentence for each stable problem code of the verifier."""
    messages = {
        "format": _("This file is not a Parlons receipt."),
        "malformed": _("The receipt is incomplete or damaged."),
        "entry_malformed": _("The recorded entry is not readable."),
        "entry_altered": _(
            "The entry was changed after the receipt was issued: it no longer matches its fingerprint."
        ),
        "code_mismatch": _("The short code does not belong to this entry."),
        "public_key": _("The public key in the receipt is malformed."),
        "checkpoint_signature": _("The checkpoint is not signed by this town's key."),
        "size_mismatch": _("The receipt and its checkpoint disagree on the size of the log."),
        "not_included": _("The proof does not show this entry in the signed log."),
        "tlog_proof_mismatch": _("The two copies of the proof inside the receipt disagree."),
        "no_key": _("This town has no log key yet."),
        "other_log": _("This receipt belongs to another town's log."),
        "future_size": _("The receipt refers to a log larger than this town's log."),
        "history_rewritten": _("The log today is not an extension of the log the receipt was issued for."),
        "key_not_pinned": _(
            "Compare the receipt's public key with the one published on the transparency page."
        ),
    }
    return str(messages.get(problem.code, problem.code))


def _census_check(org: Organisation, entry: dict[str, Any]) -> dict[str, Any] | None:
    """For a ballot whose vote committed a census: was the ballot's pseudonym in it (proof checked here)?"""
    payload = entry.get("payload")
    voter, ref = (payload.get("voter"), entry.get("ref")) if isinstance(payload, dict) else (None, None)
    if not isinstance(voter, str) or not isinstance(ref, str):
        return None
    record = selectors.census_get(organisation=org, ref=ref)
    if record is None:
        return None
    try:
        proof = selectors.census_proof(organisation=org, ref=ref, pseudonym=voter)
        census.verify_member(
            voter, index=proof["index"], count=proof["count"], proof=proof["proof"], root=proof["root"]
        )
    except (DomainError, merkle.ProofError):
        return {"included": False, "count": record.count}
    return {"included": True, "count": record.count}


@require_http_methods(["GET", "POST"])
def receipt_verify(request: HttpRequest, org_slug: str) -> HttpResponse:
    org = _organisation(request, org_slug)
    context: dict[str, Any] = {"organisation": org, "slug": org.slug}
    receipt: Any = None
    code = request.GET.get("code", "").strip()
    if request.method == "POST":
        upload = request.FILES.get("receipt_file")
        text = request.POST.get("receipt_text", "").strip()
        raw = upload.read(MAX_RECEIPT_BYTES + 1) if upload else text.encode()
        if len(raw) > MAX_RECEIPT_BYTES:
            context["error"] = _("This file is too large to be a receipt.")
        elif not raw:
            context["error"] = _("Choose a receipt file or paste its content.")
        else:
            try:
                receipt = json.loads(raw.decode())
            except (UnicodeDecodeError, ValueError):
                context["error"] = _("This file is not a Parlons receipt.")
    elif code:
        entry = _stored_entry(org, code)
        if entry is None:
            context["error"] = _("No entry of this log has the code %(code)s.") % {"code": code}
        else:
            receipt = receipts.receipt_for(entry)
    if receipt is not None:
        result = receipts.receipt_check_online(organisation=org, receipt=receipt)
        context["result"] = result
        context["problems"] = [problem_message(p) for p in result.problems]
        context["warnings"] = [problem_message(p) for p in result.warnings if p.code != "key_not_pinned"]
        if result.included and result.entry:
            context["census"] = _census_check(org, result.entry)
    context["code"] = code
    status = 400 if context.get("error") else 200
    return render(request, "ledger/verify.html", context, status=status)


# --- The transparency page --------------------------------------------------------------------------------------


@require_GET
def transparency(request: HttpRequest, org_slug: str) -> HttpResponse:
    org = _organisation(request, org_slug)
    log = selectors.log_get(organisation=org)
    key = selectors.active_key(organisation=org)
    latest = selectors.checkpoint_latest(organisation=org)
    decisions = [
        {"entry": e, "document": decode_entry(e.data)}
        for e in selectors.decision_entries(organisation=org, limit=50)
    ]
    context = {
        "organisation": org,
        "slug": org.slug,
        "log": log,
        "vkey": services.verifier_for(key).vkey() if key else "",
        "latest": latest,
        "latest_note": services.checkpoint_served_note(latest) if latest else "",
        "checkpoints": selectors.checkpoint_list(organisation=org, limit=30),
        "decisions": decisions,
        "closed_votes": audit.closed_votes(organisation=org),
        "prefix": request.build_absolute_uri(reverse("ledger:transparency", args=[org.slug])).rstrip("/"),
    }
    return render(request, "ledger/transparency.html", context)


@require_GET
def recount(request: HttpRequest, org_slug: str, vote_id: str) -> HttpResponse:
    """Recompute one closed vote from the log (needs a module that registered a recount hook)."""
    org = _organisation(request, org_slug)
    context: dict[str, Any] = {"organisation": org, "slug": org.slug, "vote_id": vote_id}
    try:
        result = audit.recount_vote(vote_id=vote_id)
    except DomainError as exc:
        context["error"] = str(exc)
        return render(request, "ledger/recount.html", context, status=exc.status)
    context["result"] = result
    return render(request, "ledger/recount.html", context)
