"""Demo claims (补偿): defaults of the demo loans claimed, reviewed, approved, paid, some recovered,
one debt transferred and a few left waiting for budget — all through the compensation services.

The shape follows the 2025 case article (seed 000): "资金池运作至今，累计补偿176笔，涉及企业149家，
资金池贷款项目不良率为0.32%". The non-performing ratio comes from the loans (`techfin.demo.loans`);
here, of the loans that turned non-performing early enough to be paid by the article's data date
(`ARTICLE_DATE`, as the loans module's 1506亿), `choose_claims` picks `176 × scale` for
`149 × scale` enterprises (an enterprise with two bad loans is compensated twice), where scale is
the demo's share of the 13,281 pool enterprises. Every later default is claimed too, as far as
the demo's date allows (recent claims at every stage). The small demo takes at least `MINIMUM`
claims so that each step shows.

Timeline of a claim, from the first month its loan was reported non-performing (D): submitted at
D+60 days (within the one-year window [U]), recommended at D+75, approved at D+90 on that year's
budget, paid 20 days later; a step after the demo's date is not taken. The city's budget of every
year from the pool's first loan to the demo's date is the pool's 2亿元 ("每年以最高2亿元预算为28家
合作银行提供风险分担", 2025 seed article), so leverage (loans ÷ public money committed) reads as the
programme's; the year of the last approvals is funded instead with what they need, short by the
last `queued` claims, which wait for budget. District pools are funded with what their overlays need. Every third paid claim reports a recovery 200
days after payment (confirmed 15 days later); the oldest paid claim is transferred to an asset
manager a year after payment.

Deterministic and idempotent: a loan that has a claim is left as it is, budget allocations and
recoveries carry fixed keys and voucher references.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Min

from techfin.accounts.models import Role, User
from techfin.compensation import recoveries as recovery_services
from techfin.compensation import services as claim_services
from techfin.compensation.models import Claim, ClaimShare, ClaimStatus, Recovery, RecoveryKind, RecoveryStatus
from techfin.demo.loans import FULL_ENTERPRISES
from techfin.domain.policy import CompensationMode
from techfin.enterprises.models import District, Enterprise
from techfin.filings.models import Filing, FilingStatus, LoanStatus, StatusReport
from techfin.ledger import services as ledger
from techfin.ledger.models import Transfer

ARTICLE_DATE = dt.date(2025, 5, 31)
CITY_BUDGET = Decimal("200000000.00")  # 每年以最高2亿元预算 (2025 seed article; 管理办法 2019 art. 2)
PUBLISHED_CLAIMS = 176  # 累计补偿176笔
PUBLISHED_ENTERPRISES = 149  # 涉及企业149家
MINIMUM = 4
SUBMIT_AFTER, RECOMMEND_AFTER, APPROVE_AFTER, PAY_AFTER = 60, 75, 90, 110
RECOVERY_AFTER, CONFIRM_AFTER, TRANSFER_AFTER = 200, 15, 365
DOCUMENTS = ("claim_application", "loan_contract", "disbursement_voucher", "npl_evidence", "recovery_evidence",
             "loss_statement")
# A minimal PDF: the demo's documents are placeholders, judged by content like any upload.
PLACEHOLDER_PDF = b"%PDF-1.4\n%demo\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CHECKLIST = {item.code: True for item in claim_services.CHECKLIST}
FEN = Decimal("0.01")


@dataclass(frozen=True)
class Candidate:
    """A non-performing demo loan that can be claimed."""

    filing_id: int
    enterprise_id: int
    default_on: dt.date  # first month reported non-performing
    loss: Decimal  # principal outstanding (claimed in full)


@dataclass(frozen=True)
class ClaimPlan:
    candidate: Candidate
    submit_on: dt.date
    recommend_on: dt.date
    approve_on: dt.date
    pay_on: dt.date
    recovery_share: Decimal | None = None  # of the loss, for a claim that reports a recovery
    transfer_price_share: Decimal | None = None  # of the loss, for the one debt transfer
    short: bool = False  # approved in the last year on a budget funded short: it waits


@dataclass
class ClaimsReport:
    counts: Counter[str] = field(default_factory=Counter)


def _hash(*parts: Any) -> int:
    return zlib.crc32(":".join(str(p) for p in parts).encode())


def choose_claims(candidates: Sequence[Candidate], *, claims: int, enterprises: int, seed: int) -> list[Candidate]:
    """`claims` loans over as close to `enterprises` enterprises as the candidates allow (pure).

    One loan for each of `enterprises` enterprises, and the `claims − enterprises` others from
    enterprises with more than one bad loan; enterprises are taken in a seeded order. With too
    few enterprises holding two bad loans, more enterprises are taken to reach `claims`."""
    by_enterprise: dict[int, list[Candidate]] = defaultdict(list)
    for c in sorted(candidates, key=lambda c: (c.default_on, c.filing_id)):
        by_enterprise[c.enterprise_id].append(c)
    order = sorted(by_enterprise, key=lambda e: _hash(seed, "claims", e))
    several = [e for e in order if len(by_enterprise[e]) > 1]
    extra_wanted = max(0, claims - enterprises)
    chosen: dict[int, list[Candidate]] = {}
    for e in several:
        if extra_wanted <= 0 or len(chosen) >= enterprises:
            break
        take = min(len(by_enterprise[e]) - 1, extra_wanted)
        chosen[e] = by_enterprise[e][:take + 1]
        extra_wanted -= take
    for e in order:
        if sum(len(v) for v in chosen.values()) >= claims:
            break
        if e not in chosen:
            chosen[e] = by_enterprise[e][:1]
    # Every enterprise taken and still short: more of their bad loans.
    for e in several:
        missing = claims - sum(len(v) for v in chosen.values())
        if missing <= 0:
            break
        have = len(chosen.get(e, []))
        chosen[e] = by_enterprise[e][:have + missing]
    result = [c for loans in chosen.values() for c in loans]
    return sorted(result[:claims], key=lambda c: (c.default_on, c.filing_id))


def plan_claims(candidates: Sequence[Candidate], *, scale: float, seed: int, as_of: dt.date,
                minimum: int = MINIMUM, queued: int | None = None) -> list[ClaimPlan]:
    """The demo's claims (pure): which loans, the dates of each step, which recover, which is
    transferred, which wait for budget."""
    def days(on: dt.date, n: int) -> dt.date:
        return on + dt.timedelta(days=n)

    early = [c for c in candidates if days(c.default_on, PAY_AFTER) <= ARTICLE_DATE]
    late = [c for c in candidates if days(c.default_on, PAY_AFTER) > ARTICLE_DATE]
    target = max(round(PUBLISHED_CLAIMS * scale), min(minimum, len(early)))
    spread = max(1, round(PUBLISHED_ENTERPRISES * scale)) if target > minimum else target
    chosen = choose_claims(early, claims=target, enterprises=spread, seed=seed) + sorted(
        late, key=lambda c: (c.default_on, c.filing_id))
    chosen = [c for c in chosen if days(c.default_on, SUBMIT_AFTER) <= as_of]
    plans = [ClaimPlan(c, days(c.default_on, SUBMIT_AFTER), days(c.default_on, RECOMMEND_AFTER),
                       days(c.default_on, APPROVE_AFTER), days(c.default_on, PAY_AFTER)) for c in chosen]
    approved = [p for p in plans if p.approve_on <= as_of]
    if not approved:
        return plans
    last_year = max(p.approve_on.year for p in approved)
    waiting = queued if queued is not None else (3 if scale >= 0.5 else 1)
    short = {id(p) for p in sorted((p for p in approved if p.approve_on.year == last_year),
                                   key=lambda p: (p.approve_on, p.candidate.filing_id))[-waiting:]} if waiting else set()
    result: list[ClaimPlan] = []
    paid_index = 0
    transfer_done = False
    for plan in plans:
        is_short = id(plan) in short
        recovery = transfer = None
        if not is_short and plan.pay_on <= as_of:
            if not transfer_done:
                transfer, transfer_done = Decimal("0.08"), True
            elif paid_index % 3 == 1:
                recovery = Decimal(5 + _hash(seed, "recovery", plan.candidate.filing_id) % 30) / 100
            paid_index += 1
        result.append(ClaimPlan(plan.candidate, plan.submit_on, plan.recommend_on, plan.approve_on, plan.pay_on,
                                recovery_share=recovery, transfer_price_share=transfer, short=is_short))
    return result


def candidates_from_plan(loans: Sequence[Any], *, last: dt.date) -> list[Candidate]:
    """The same candidates from a loan plan (pure; ``filing_id`` is the loan's index in the plan)."""
    result = []
    for index, loan in enumerate(loans):
        if loan.outcome != "default":
            continue
        bad = next((s for s in loan.states(last) if s.status == LoanStatus.NON_PERFORMING.value), None)
        if bad is not None:
            result.append(Candidate(index, loan.borrower.enterprise_id, bad.period, bad.outstanding.quantize(FEN)))
    return result


def candidates_from_loans(*, until: dt.date | None = None) -> list[Candidate]:
    """The accepted, non-performing bank-mode loans and the first month each was reported so."""
    filings = {f.pk: f for f in Filing.objects.filter(status=FilingStatus.ACCEPTED,
                                                      loan_status=LoanStatus.NON_PERFORMING,
                                                      compensation_mode=CompensationMode.BANK)}
    first: dict[int, dt.date] = {}
    for filing_id, period in StatusReport.objects.filter(filing__in=list(filings),
                                                         loan_status=LoanStatus.NON_PERFORMING) \
            .order_by("filing_id", "period").values_list("filing_id", "period"):
        first.setdefault(filing_id, period)
    return [Candidate(f.pk, f.enterprise_id, first[f.pk], Decimal(f.outstanding_principal).quantize(FEN))
            for f in filings.values() if f.pk in first and (until is None or first[f.pk] <= until)]


def _amount(loss: Decimal, share: Decimal) -> Decimal:
    # An odd fen on purpose, so the returns do not divide evenly.
    return ((loss * share).quantize(Decimal(1), rounding=ROUND_HALF_UP) + Decimal("0.03")).quantize(FEN)


def file_demo_claims(*, plans: Sequence[ClaimPlan], as_of: dt.date, scale: float = 1.0,
                     say: Callable[[str], None] | None = None) -> dict[str, int]:
    """Take each planned claim through the services as far as `as_of` allows, year by year of
    approval, funding each year's budgets first."""
    say = say or (lambda _msg: None)
    counts: Counter[str] = Counter()
    manager = User.objects.filter(username="manager").first()
    supervisor = User.objects.filter(username="supervisor").first()
    officers = {u.bank_id: u for u in User.objects.filter(role=Role.BANK, username__startswith="bank_")}
    claimed = set(Claim.objects.filter(filing__in=[p.candidate.filing_id for p in plans])
                  .values_list("filing_id", flat=True))
    todo = [p for p in plans if p.candidate.filing_id not in claimed]
    by_year: dict[int, list[ClaimPlan]] = defaultdict(list)
    for plan in todo:
        by_year[plan.approve_on.year].append(plan)
    short_years = {p.approve_on.year for p in plans if p.short}
    # Scaled like the loans, so a small demo's leverage reads as the full one's.
    city_budget = max(Decimal(1), (CITY_BUDGET * Decimal(str(scale)) / 10000).quantize(Decimal(1))) * 10000
    first = Filing.objects.aggregate(first=Min("disbursed_on"))["first"]
    if first is not None and manager is not None:
        for year in range(first.year, as_of.year + 1):
            if year not in short_years:
                _fund_city(year, city_budget, manager=manager, counts=counts)
    for year in sorted(by_year):
        with transaction.atomic():
            made = []
            for plan in by_year[year]:
                claim = _prepare(plan, as_of=as_of, officers=officers, manager=manager, counts=counts)
                if claim is not None:
                    made.append((plan, claim))
            ready = [(p, c) for p, c in made if c.status == ClaimStatus.RECOMMENDED and p.approve_on <= as_of]
            _fund(year, ready, short_years, manager=manager, counts=counts)
            for plan, claim in ready:
                claim = claim_services.claim_approve(actor=supervisor, claim=claim, on=plan.approve_on)
                if claim.status == ClaimStatus.APPROVED and plan.pay_on <= as_of:
                    claim = claim_services.claim_pay(actor=manager, claim=claim, paid_on=plan.pay_on,
                                                     reference=f"ZF{plan.pay_on:%Y%m%d}{claim.pk:05d}")
                _after_payment(plan, claim, as_of=as_of, officers=officers, manager=manager, counts=counts)
        say(f"claims approved in {year}: {len(by_year[year])}")
    for status, n in Counter(Claim.objects.values_list("status", flat=True)).items():
        counts[f"claims {status}"] = n
    return dict(counts)


def _prepare(plan: ClaimPlan, *, as_of: dt.date, officers: dict[int, Any], manager: Any,
             counts: Counter[str]) -> Claim | None:
    filing = Filing.objects.select_related("bank").get(pk=plan.candidate.filing_id)
    officer = officers.get(filing.bank_id)
    claim = claim_services.claim_open(actor=officer, filing=filing, principal_loss=plan.candidate.loss,
                                      statement="借款人逾期未还本金，已采取催收及诉讼措施。")
    for kind in DOCUMENTS:
        claim_services.claim_document_add(actor=officer, claim=claim, kind=kind, content=PLACEHOLDER_PDF,
                                          filename=f"{kind}.pdf")
    claim = claim_services.claim_submit(actor=officer, claim=claim, on=plan.submit_on)
    counts["claims opened"] += 1
    if plan.recommend_on <= as_of:
        claim = claim_services.claim_recommend(actor=manager, claim=claim, checklist=CHECKLIST,
                                               on=plan.recommend_on)
    return claim


def _fund(year: int, ready: list[tuple[ClaimPlan, Claim]], short_years: set[int], *, manager: Any,
          counts: Counter[str]) -> None:
    """Fund the year's district budgets with what its approvals need, and the city's in a year with
    claims planned short (other years have the full budget): those are left out, so they wait."""
    needs: dict[str | None, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for plan, claim in ready:
        for share in claim.shares.filter(payer_kind__in=[ClaimShare.PayerKind.CITY, ClaimShare.PayerKind.DISTRICT]):
            source = share.district.code if share.district_id else None
            if source is None and plan.short:
                continue  # left out of the budget: it waits
            needs[source] += share.amount
    districts = {d.code: d for d in District.objects.filter(code__in=[c for c in needs if c])}
    cap = claim_services.annual_budget_cap(year)
    for source, amount in sorted(needs.items(), key=lambda item: item[0] or ""):
        key = f"demo-budget-{year}-{source or 'city'}"
        if source is None and year not in short_years:
            # The year's budget is funded already; a small demo's scaled budget is topped up.
            amount -= ledger.available(ledger.budget_account(actor=manager, year=year))
            key += "-topup"
        if source is None and cap is not None:
            amount = min(amount, cap)  # the policy's yearly budget: claims beyond it wait
        if amount <= 0:
            continue
        claim_services.budget_fund(actor=manager, year=year, amount=amount, district=districts.get(source or ""),
                                   key=key, booked_on=dt.date(year, 1, 5),
                                   memo=f"{year}年度风险补偿预算（演示）")
        counts["budget allocations"] += 1


def _fund_city(year: int, amount: Decimal, *, manager: Any, counts: Counter[str]) -> None:
    key = f"demo-budget-{year}-city"
    if Transfer.objects.filter(key=key).exists():
        return  # funded by an earlier run
    cap = claim_services.annual_budget_cap(year)
    claim_services.budget_fund(actor=manager, year=year, amount=min(amount, cap) if cap is not None else amount,
                               key=key, booked_on=dt.date(year, 1, 5),
                               memo=f"{year}年度风险补偿预算（演示）")
    counts["budget allocations"] += 1


def _after_payment(plan: ClaimPlan, claim: Claim, *, as_of: dt.date, officers: dict[int, Any], manager: Any,
                   counts: Counter[str]) -> None:
    if claim.status != ClaimStatus.PAID:
        return
    officer = officers.get(claim.bank_id)
    found: Recovery | None = None
    if plan.recovery_share is not None:
        on = plan.pay_on + dt.timedelta(days=RECOVERY_AFTER)
        if on <= as_of:
            found = recovery_services.recovery_report(
                actor=officer, claim=claim, amount=_amount(claim.principal_loss, plan.recovery_share), recovered_on=on,
                source="法院强制执行回款", reference=f"HK{on:%Y%m%d}{claim.pk:05d}")
            counts["recoveries"] += 1
    elif plan.transfer_price_share is not None:
        on = plan.pay_on + dt.timedelta(days=TRANSFER_AFTER)
        if on <= as_of:
            found = recovery_services.debt_transfer_record(
                actor=officer, claim=claim, price=_amount(claim.principal_loss, plan.transfer_price_share),
                agreed_on=on, buyer_name="广东粤财资产管理有限公司（演示）", reference=f"ZR{on:%Y%m%d}{claim.pk:05d}")
            counts["debt transfers"] += 1
    if found is not None and found.recovered_on + dt.timedelta(days=CONFIRM_AFTER) <= as_of:
        recovery_services.recovery_confirm(actor=manager, recovery=found,
                                           on=found.recovered_on + dt.timedelta(days=CONFIRM_AFTER))


def claim_figures(*, until: dt.date = ARTICLE_DATE) -> dict[str, Any]:
    """The published figures, computed from the claims as loaded: compensations paid by `until`
    and the enterprises they went to, and what the demo holds in all."""
    paid = Claim.objects.filter(status=ClaimStatus.PAID)
    by_then = paid.filter(paid_on__lte=until)
    active = Recovery.objects.filter(status__in=[RecoveryStatus.REPORTED, RecoveryStatus.CONFIRMED])
    return {
        "compensations_by_article_date": by_then.count(),
        "enterprises_by_article_date": by_then.values("filing__enterprise").distinct().count(),
        "compensations": paid.count(),
        "enterprises": paid.values("filing__enterprise").distinct().count(),
        "compensation_paid_yuan": sum((c.public_amount for c in paid.only("public_amount")), Decimal("0.00")),
        "claims_by_status": dict(Counter(Claim.objects.values_list("status", flat=True))),
        "recoveries": active.filter(kind=RecoveryKind.RECOVERY).count(),
        "returned_yuan": sum((r.returned_amount for r in active.filter(status=RecoveryStatus.CONFIRMED)),
                             Decimal("0.00")),
        "debt_transfers": active.filter(kind=RecoveryKind.DEBT_TRANSFER).count(),
    }


def scale_of(borrowers: int) -> float:
    return borrowers / FULL_ENTERPRISES


def claim_character() -> Enterprise | None:
    """The demo character of a bad loan: the enterprise of the first paid claim with a confirmed
    recovery (the whole path: default, claim, payment, money back), else of the first paid one."""
    paid = Claim.objects.filter(status=ClaimStatus.PAID).select_related("filing__enterprise").order_by("paid_on", "pk")
    recovered = paid.filter(recoveries__kind=RecoveryKind.RECOVERY, recoveries__status=RecoveryStatus.CONFIRMED)
    claim = recovered.first() or paid.first()
    return claim.filing.enterprise if claim is not None else None
