"""Pages of risk compensation: claims (list, new, one claim with its split and documents, each
workflow step), the queue, yearly rounds and budgets. Thin: parse, call a service, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from techfin.accounts.models import Role
from techfin.accounts.scoping import get_or_404
from techfin.compensation import rounds, services
from techfin.compensation.models import (
    ACTIVE_RECOVERY_STATUSES,
    DOCUMENT_KIND_CHOICES,
    Claim,
    ClaimRound,
    ClaimStatus,
)
from techfin.compensation.queries import (
    budget_rows,
    budgets_for_user,
    claims_behind,
    claims_for_user,
    documents_for_user,
    rounds_for_user,
    shares_of,
)
from techfin.compensation.recoveries import closed_by_transfer, costs_deductible, recovery_totals
from techfin.domain.policy import DOCUMENT_KINDS
from techfin.enterprises.models import District
from techfin.filings.models import FilingStatus, LoanStatus
from techfin.filings.queries import filings_for_user
from techfin.pages import list_template, paginate, require
from techfin.tabular.exports import export_response

CLAIM_HEADERS = ["编号 Number", "银行 Bank", "企业 Enterprise", "借款合同编号 Contract", "所在区 District", "模式 Mode",
                 "本金损失 Principal loss", "补偿金额 Compensation", "状态 Status", "适用办法 Rule set",
                 "预算年度 Budget year", "核准顺序 Approval order", "支付日期 Paid on", "支付凭证 Payment reference"]
BUDGET_HEADERS = ["年度 Year", "资金来源 Source", "账户 Account", "已拨付 Allocated", "已预留 Reserved", "已支付 Paid",
                  "可用 Available", "排队待付 Waiting in queue", "补偿笔数 Claims", "追偿返还 Returned"]


def _is(user: Any, *roles: str) -> bool:
    return bool(user.is_superuser or user.role in roles)


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


def _filtered(request: HttpRequest) -> QuerySet[Claim]:
    claims = claims_for_user(request.user)
    q = request.GET.get("q", "").strip()
    if q:
        claims = claims.filter(Q(filing__contract_no__icontains=q) | Q(filing__enterprise__name__icontains=q))
    if request.GET.get("status") in ClaimStatus.values:
        claims = claims.filter(status=request.GET["status"])
    if request.GET.get("year", "").isdigit():
        claims = claims.filter(budget_year=int(request.GET["year"]))
    return claims


@login_required
def claim_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Claim, "view")
    claims = _filtered(request)
    fmt = request.GET.get("export")
    if fmt in {"csv", "xlsx"}:
        rows = ([c.number, c.bank.short_name or c.bank.name, c.filing.enterprise.name, c.filing.contract_no,
                 c.district.name_zh, "政担" if c.mode == "guarantor" else "政银", c.principal_loss, c.public_amount,
                 c.get_status_display(), c.rule_set, c.budget_year or "", c.approval_no or "", c.paid_on or "",
                 c.payment_reference] for c in claims.iterator(chunk_size=2000))
        return export_response(fmt, "claims", CLAIM_HEADERS, rows)
    context = {"page": paginate(request, claims), "params": request.GET, "statuses": ClaimStatus.choices,
               "can_open": _is(request.user, Role.MANAGER, Role.BANK)}
    return render(request, list_template(request, "compensation/claim_list.html", "compensation/_claim_table.html"),
                  context)


def _claimable(user: Any) -> QuerySet[Any]:
    return filings_for_user(user).filter(status=FilingStatus.ACCEPTED, loan_status=LoanStatus.NON_PERFORMING)


@login_required
@require_http_methods(["GET", "POST"])
def claim_create(request: HttpRequest) -> HttpResponse:
    """A bank officer opens a claim on one of its accepted, non-performing loans."""
    if not _is(request.user, Role.MANAGER, Role.BANK):
        raise PermissionDenied
    loans = _claimable(request.user)
    errors: list[str] = []
    values = {"filing": request.POST.get("filing") or request.GET.get("filing", ""),
              "principal_loss": request.POST.get("principal_loss", ""), "statement": request.POST.get("statement", "")}
    if request.method == "POST":
        filing = loans.filter(pk=values["filing"]).first() if values["filing"].isdigit() else None
        if filing is None:
            errors.append(_("Choose one of your accepted, non-performing loans."))
        else:
            try:
                claim = services.claim_open(actor=request.user, filing=filing, principal_loss=values["principal_loss"],
                                            statement=values["statement"])
            except ValidationError as exc:
                errors += exc.messages
            else:
                messages.success(request, _("Claim opened. Attach the documents, then submit it."))
                return redirect("claim-detail", pk=claim.pk)
    return render(request, "compensation/claim_form.html", {"loans": loans[:500], "values": values, "errors": errors})


def _missing_documents(claim: Claim) -> list[str]:
    context = services.claim_assess(claim, check_documents=True)
    return [DOCUMENT_KINDS.get(code, code) for code in context.check.missing_documents()]


@login_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_or_404(claims_for_user(request.user), request.user, pk=pk)
    user = request.user
    editable = claim.status in services.EDITABLE and _is(user, Role.MANAGER, Role.BANK)
    preview = services.claim_assess(claim) if editable else None
    shares = list(shares_of(claim)) if not editable else []
    split_lines, split_note = _split_lines(claim, shares, preview)
    context = {
        "claim": claim, "filing": claim.filing, "split_lines": split_lines, "split_note": split_note,
        "preview": preview, "required_labels": [],
        "documents": claim.documents.all(), "document_kinds": DOCUMENT_KIND_CHOICES,
        "required": preview.context.rule.claim.required_documents if preview and preview.context else (),
        "editable": editable,
        "can_review": _is(user, Role.MANAGER) and claim.status == ClaimStatus.SUBMITTED,
        "can_decide": _is(user, Role.SUPERVISOR) and claim.status in (ClaimStatus.RECOMMENDED, ClaimStatus.QUEUED,
                                                                     ClaimStatus.APPROVED),
        "can_approve": _is(user, Role.SUPERVISOR) and claim.status == ClaimStatus.RECOMMENDED,
        "can_pay": _is(user, Role.MANAGER) and claim.status == ClaimStatus.APPROVED,
        "can_cancel": _is(user, Role.MANAGER, Role.SUPERVISOR) and claim.status in (ClaimStatus.APPROVED,
                                                                                   ClaimStatus.QUEUED),
        "can_withdraw": _is(user, Role.MANAGER, Role.BANK) and claim.status in (
            *services.EDITABLE, ClaimStatus.SUBMITTED, ClaimStatus.RECOMMENDED, ClaimStatus.QUEUED),
        "checklist": services.CHECKLIST, "ahead": services.queued_ahead(claim),
        "transfers": services.transfers_of(claim) if user.sees_everything or user.role == Role.BANK else [],
        "recoveries": claim.recoveries.order_by("id") if claim.status == ClaimStatus.PAID or claim.corrections
        else [],
        "recovery_rows": _recovery_rows(claim, shares) if claim.status == ClaimStatus.PAID else [],
        "transferred": closed_by_transfer(claim) if claim.status == ClaimStatus.PAID else None,
        "can_recover": _is(user, Role.MANAGER, Role.BANK) and claim.status == ClaimStatus.PAID,
        "can_reverse_payment": _is(user, Role.MANAGER) and claim.status == ClaimStatus.PAID
        and not claim.recoveries.filter(status__in=ACTIVE_RECOVERY_STATUSES).exists(),
        "costs_deductible": costs_deductible(claim) if claim.status == ClaimStatus.PAID else False,
        "today": dt.date.today(),
    }
    context["required_labels"] = [DOCUMENT_KINDS.get(k, k) for k in context["required"]]
    return render(request, "compensation/claim_detail.html", context)


def _recovery_rows(claim: Claim, shares: list[Any]) -> list[dict[str, Any]]:
    """Per payer: what it paid, what confirmed recoveries returned and what reported ones will."""
    totals = recovery_totals(claim)
    return [{"label": _payer_label(s.payer, claim), "paid": s.amount,
             "confirmed": totals["confirmed"].get(s.payer, 0), "reported": totals["reported"].get(s.payer, 0)}
            for s in shares if s.payer_kind != "claimant" and s.amount]


def _payer_label(payer: str, claim: Claim) -> str:
    if payer == "city_pool":
        return _("City pool")
    if payer.startswith("district_pool:"):
        district = District.objects.filter(code=payer.removeprefix("district_pool:")).first()
        return _("%(district)s pool") % {"district": district.name_zh if district else payer}
    if payer == "bank":
        return _("%(bank)s (bears the rest)") % {"bank": claim.bank.short_name or claim.bank.name}
    code = payer.removeprefix("third_party:")
    party = claim.third_party if claim.third_party and claim.third_party.code == code else None
    if party is None and claim.filing.third_party_id:
        party = claim.filing.third_party
    return party.name if party else code


def _split_lines(claim: Claim, shares: list[Any], preview: Any) -> tuple[list[dict[str, Any]], str]:
    """The split as shown: the frozen lines, or for a draft the preview of what would be frozen."""
    english = (get_language() or "zh").startswith("en")
    if shares:
        return [{"label": _payer_label(s.payer, claim), "rate": s.rate, "amount": s.amount,
                 "explanation": s.explanation, "document": s.document} for s in shares], _(
            "Frozen when the claim was submitted or recommended.")
    if preview is not None and preview.split is not None:
        return [{"label": _payer_label(line.payer, claim), "rate": line.rate, "amount": line.amount,
                 "explanation": line.explanation_en if english else line.explanation_zh, "document": line.document}
                for line in preview.split.lines], _("Preview: computed again and frozen on submission.")
    return [], ""


def _run(request: HttpRequest, step: Any, success: str) -> None:
    try:
        step()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)


@login_required
@require_POST
def claim_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    claim = get_or_404(claims_for_user(request.user), request.user, pk=pk)
    user, post = request.user, request.POST
    reason = post.get("reason", "").strip()
    steps: dict[str, tuple[Any, str]] = {
        "update": (lambda: services.claim_update(actor=user, claim=claim, principal_loss=post.get("principal_loss"),
                                                 statement=post.get("statement", "")), _("Saved.")),
        "submit": (lambda: services.claim_submit(actor=user, claim=claim),
                   _("Submitted to the fund manager.")),
        "withdraw": (lambda: services.claim_withdraw(actor=user, claim=claim, reason=reason), _("Claim withdrawn.")),
        "return": (lambda: services.claim_return(actor=user, claim=claim, note=reason),
                   _("Returned to the bank.")),
        "recommend": (lambda: services.claim_recommend(
            actor=user, claim=claim, note=reason,
            checklist={item.code: post.get(f"check_{item.code}") == "on" for item in services.CHECKLIST}),
            _("Recommended for approval.")),
        "approve": (lambda: services.claim_approve(actor=user, claim=claim), _("Decision recorded.")),
        "reject": (lambda: services.claim_reject(actor=user, claim=claim, reason=reason), _("Claim rejected.")),
        "cancel": (lambda: services.claim_cancel(actor=user, claim=claim, reason=reason), _("Approval cancelled.")),
        "pay": (lambda: services.claim_pay(actor=user, claim=claim, paid_on=_date(post.get("paid_on", ""))
                                           or dt.date.today(), reference=post.get("reference", "")),
                _("Payment recorded.")),
    }
    steps["reverse-payment"] = (lambda: services.claim_payment_reverse(actor=user, claim=claim, reason=reason),
                                _("Payment reversed; the compensation is reserved again. Record the right payment."))
    if action in ("recover", "transfer"):
        return _report_recovery(request, claim, action)
    if action not in steps:
        return HttpResponse(status=404)
    step, success = steps[action]
    _run(request, step, success)
    return redirect("claim-detail", pk=pk)


def _report_recovery(request: HttpRequest, claim: Claim, action: str) -> HttpResponse:
    """The bank reports a recovery (or records a debt transfer) from the claim page."""
    from techfin.compensation import recoveries

    post = request.POST
    on = _date(post.get("recovered_on", ""))
    try:
        if on is None:
            raise ValidationError({"recovered_on": [_("Give the date.")]})
        if action == "transfer":
            found = recoveries.debt_transfer_record(
                actor=request.user, claim=claim, price=post.get("amount", ""), agreed_on=on,
                buyer_name=post.get("buyer_name", ""), buyer_id=post.get("buyer_id", ""),
                reference=post.get("reference", ""))
        else:
            found = recoveries.recovery_report(
                actor=request.user, claim=claim, amount=post.get("amount", ""), recovered_on=on,
                source=post.get("source", ""), reference=post.get("reference", ""), costs=post.get("costs") or None)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("claim-detail", pk=claim.pk)
    messages.success(request, _("Reported; the fund manager confirms receipt of the returns."))
    return redirect("recovery-detail", pk=found.pk)


@login_required
@require_POST
def claim_document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_or_404(claims_for_user(request.user), request.user, pk=pk)
    if not _is(request.user, Role.MANAGER, Role.BANK):
        raise PermissionDenied
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file."))
    else:
        _run(request, lambda: services.claim_document_add(
            actor=request.user, claim=claim, kind=request.POST.get("kind", ""), content=upload.read(),
            filename=upload.name or ""), _("Document attached."))
    return redirect("claim-detail", pk=pk)


@login_required
def claim_document(request: HttpRequest, pk: int) -> FileResponse:
    document = get_or_404(documents_for_user(request.user), request.user, pk=pk)
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.original_name,
                        content_type=document.content_type)


@login_required
def claim_queue(request: HttpRequest) -> HttpResponse:
    """Approved claims waiting for budget (等待预算), in approval order, with the reason."""
    require(request.user, Claim, "view")
    queued = claims_for_user(request.user).filter(status=ClaimStatus.QUEUED).order_by("queue_position")
    context = {"claims": queued, "can_serve": _is(request.user, Role.MANAGER),
               "year": dt.date.today().year}
    return render(request, "compensation/queue.html", context)


@login_required
@require_POST
def claim_queue_serve(request: HttpRequest) -> HttpResponse:
    if not _is(request.user, Role.MANAGER):
        raise PermissionDenied
    year = int(request.POST["year"]) if request.POST.get("year", "").isdigit() else dt.date.today().year
    served = services.budget_queue_serve(actor=request.user, year=year)
    messages.info(request, _("%(n)s claim(s) approved from the %(year)s budgets.") % {"n": len(served), "year": year})
    return redirect("claim-queue")


@login_required
@require_http_methods(["GET", "POST"])
def round_list(request: HttpRequest) -> HttpResponse:
    require(request.user, ClaimRound, "view")
    if request.method == "POST":
        if not _is(request.user, Role.MANAGER):
            raise PermissionDenied
        year = request.POST.get("year", "")
        try:
            created = rounds.round_open(actor=request.user, year=int(year) if year.isdigit() else 0,
                                        note=request.POST.get("note", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            return redirect("round-detail", pk=created.pk)
    context = {"rounds": rounds_for_user(request.user), "can_open": _is(request.user, Role.MANAGER),
               "next_year": dt.date.today().year - 1}
    return render(request, "compensation/round_list.html", context)


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim_round = get_or_404(rounds_for_user(request.user), request.user, pk=pk)
    user = request.user
    context = {
        "round": claim_round, "totals": rounds.round_totals(claim_round),
        "claims": claim_round.claims.select_related("bank", "filing__enterprise").order_by("pk"),
        "candidates": claims_for_user(user).filter(round__isnull=True, status__in=rounds.ATTACHABLE)
        if _is(user, Role.MANAGER) and claim_round.status == "open" else [],
        "can_approve": _is(user, Role.SUPERVISOR) and claim_round.claims.filter(
            status=ClaimStatus.RECOMMENDED).exists(),
    }
    return render(request, "compensation/round_detail.html", context)


@login_required
@require_POST
def round_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    claim_round = get_or_404(rounds_for_user(request.user), request.user, pk=pk)
    user = request.user
    if action == "attach":
        chosen = claims_for_user(user).filter(pk__in=[v for v in request.POST.getlist("claims") if v.isdigit()])
        _run(request, lambda: rounds.round_attach(actor=user, claim_round=claim_round, claims=list(chosen)),
             _("Claims attached."))
    elif action == "approve":
        _run(request, lambda: rounds.round_approve(actor=user, claim_round=claim_round),
             _("The round's claims are decided."))
    else:
        return HttpResponse(status=404)
    return redirect("round-detail", pk=pk)


@login_required
def budget_list(request: HttpRequest) -> HttpResponse:
    """Budgets per year and funding source: allocated, reserved, paid, available, and the queue."""
    accounts = budgets_for_user(request.user)
    if not _is(request.user, Role.MANAGER, Role.SUPERVISOR, Role.DISTRICT):
        raise PermissionDenied
    if request.GET.get("year", "").isdigit():
        accounts = accounts.filter(year=int(request.GET["year"]))
    rows = budget_rows(accounts)
    fmt = request.GET.get("export")
    if fmt in {"csv", "xlsx"}:
        return export_response(fmt, "budgets", BUDGET_HEADERS, (
            [r.account.year, r.account.district.name_zh if r.account.district else "市级资金池", r.account.code,
             r.allocated, r.reserved, r.paid, r.available, r.waiting, r.claims, r.returned] for r in rows))
    context = {"rows": rows, "params": request.GET, "can_fund": _is(request.user, Role.MANAGER),
               "districts": District.objects.filter(active=True), "this_year": dt.date.today().year}
    return render(request, "compensation/budget_list.html", context)


@login_required
@require_POST
def budget_fund(request: HttpRequest) -> HttpResponse:
    if not _is(request.user, Role.MANAGER):
        raise PermissionDenied
    post = request.POST
    district = District.objects.filter(pk=post.get("district")).first() if post.get("district", "").isdigit() else None
    try:
        amount = services.parse_loss(post.get("amount", ""))
        year = int(post.get("year", ""))
        reference = post.get("reference", "").strip()
        if not reference:
            raise ValueError
        services.budget_fund(actor=request.user, year=year, amount=amount, district=district, memo=reference[:100],
                             key=services.budget_fund_key(year=year, district=district, reference=reference))
    except (ValueError, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [_("Give a year, an amount and a reference.")])))
    else:
        messages.success(request, _("Budget funded; the queue was served from it."))
    return redirect("budget-list")


@login_required
def budget_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_or_404(budgets_for_user(request.user), request.user, pk=pk)
    row = budget_rows(budgets_for_user(request.user).filter(pk=account.pk))[0]
    claims = claims_behind(account, request.user)
    queued = claims_for_user(request.user).filter(status=ClaimStatus.QUEUED, budget_year__lte=account.year,
                                                  shares__payer=_payer(account)).distinct().order_by("queue_position")
    if request.GET.get("export") in {"csv", "xlsx"}:
        return export_response(request.GET["export"], f"budget-{account.code}", CLAIM_HEADERS, (
            [c.number, c.bank.short_name or c.bank.name, c.filing.enterprise.name, c.filing.contract_no,
             c.district.name_zh, "政担" if c.mode == "guarantor" else "政银", c.principal_loss, c.public_amount,
             c.get_status_display(), c.rule_set, c.budget_year or "", c.approval_no or "", c.paid_on or "",
             c.payment_reference] for c in claims))
    return render(request, "compensation/budget_detail.html",
                  {"account": account, "row": row, "claims": claims, "queued": queued})


def _payer(account: Any) -> str:
    return f"district_pool:{account.district.code}" if account.district_id else "city_pool"
