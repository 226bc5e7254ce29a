"""Filing loans into the pool (入池报送): one code path for the form, the API, the page's batch
upload and `techfin import-loans`.

The whole check and write of a batch happens in one transaction, after the rows of every
enterprise in it are locked: a crash leaves nothing half-written, and two batches filed at the
same time cannot push one enterprise over its cap together (the second sees the first's loans).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from techfin.audit.services import PendingEvent, new_record_changes, record_events, to_json_value
from techfin.banks.models import Bank, Branch, ThirdParty
from techfin.db import insert_rows, new_instance, reserve_ids, update_rows
from techfin.domain import policy as rules
from techfin.domain.policy import FilingContext, FilingInput, Severity
from techfin.enterprises.models import Enterprise
from techfin.filings.continuations import continuation_cap_amounts, renamed_contracts
from techfin.filings.eligibility import EligibilityOracle
from techfin.filings.hooks import loans_changed
from techfin.filings.models import ConfirmationCounter, Filing, FilingStatus, LoanStatus
from techfin.filings.policies import PolicySet, current_policy_set

FILED_FIELDS = (
    "contract_no", "uscc", "enterprise_name", "branch", "credit_amount", "loan_amount", "disbursed_on",
    "maturity_on", "annual_rate", "guarantee_type", "purpose", "first_loan", "third_party",
    "third_party_share", "compensation_mode", "policy_tool",
)
# Filings that count towards an enterprise's cap: waiting for review or accepted.
ACTIVE = (FilingStatus.SUBMITTED, FilingStatus.ACCEPTED)
OUTSTANDING = "outstanding"
_UNKNOWN_ENTERPRISE_ECHOES = frozenset({"filing.eligibility_missing", "filing.enterprise_total_unknown"})
INSERT_BATCH = 1000
EXISTING_BATCH = 5000


@dataclass
class FilingRow:
    """One loan as filed (a form, an API call or a row of a bank's file), parsed to types.

    ``values`` holds the template's keys; a value the parser could not read is None and its
    problem is in ``errors`` (dicts with code, column, message_zh, message_en).
    """

    row_number: int
    values: dict[str, Any]
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RowOutcome:
    row_number: int
    contract_no: str
    action: str  # created | amended | unchanged | rejected
    status: str = ""  # accepted | submitted (for created or amended rows)
    problems: list[dict[str, Any]] = field(default_factory=list)
    filing_id: int | None = None


@dataclass
class FilingReport:
    """What a filing run did (报送结果): counts and every row's problems."""

    outcomes: list[RowOutcome] = field(default_factory=list)
    aborted: bool = False  # all-or-nothing and some row was rejected: nothing written

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def rows(self) -> int:
        return len(self.outcomes)

    @property
    def accepted(self) -> int:
        return sum(1 for o in self.outcomes if o.action in ("created", "amended") and o.status == "accepted")

    @property
    def submitted(self) -> int:
        return sum(1 for o in self.outcomes if o.action in ("created", "amended") and o.status == "submitted")

    @property
    def rejected(self) -> int:
        return self.count("rejected")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def amended(self) -> int:
        return self.count("amended")

    @property
    def warnings(self) -> int:
        return sum(1 for o in self.outcomes if o.action != "rejected"
                   and any(p.get("severity") == "warning" for p in o.problems))

    def summary(self) -> dict[str, int]:
        """The counts the properties above give, in one pass over the outcomes (a batch has
        100,000 of them, and its page, job and command each ask)."""
        counts = dict.fromkeys(("rows", "accepted", "submitted", "rejected", "unchanged", "amended", "warnings"), 0)
        for outcome in self.outcomes:
            action = outcome.action
            counts["rows"] += 1
            if action in ("created", "amended"):
                if outcome.status in ("accepted", "submitted"):
                    counts[outcome.status] += 1
                if action == "amended":
                    counts["amended"] += 1
            elif action in ("rejected", "unchanged"):
                counts[action] += 1
            if action != "rejected" and outcome.problems and any(
                    p.get("severity") == "warning" for p in outcome.problems):
                counts["warnings"] += 1
        return counts


def _problem(reason: rules.FilingReason) -> dict[str, Any]:
    return {"code": reason.code, "column": reason.column or "", "severity": reason.severity.value,
            "message_zh": reason.message_zh, "message_en": reason.message_en}


def cell_problem(code: str, column: str, zh: str, en: str, severity: str = "error") -> dict[str, Any]:
    return {"code": code, "column": column, "severity": severity, "message_zh": zh, "message_en": en}


# "contract_no={}\x1fuscc={}\x1f…": the fingerprint's text, filled in with one format call.
_FINGERPRINT_TEXT = "\x1f".join(f"{key}={{}}" for key in FILED_FIELDS)


# Values whose text (format(value, "")) is already to_json_value's text: a parsed row's are.
_AS_TEXT = frozenset({str, type(None), bool, int, Decimal, dt.date})


def _fingerprint(values: dict[str, Any]) -> str:
    """A hash of the filed values, so a row filed again unchanged is recognised: SHA-256 of
    "key=value" for each filed field, joined by \x1f (values as the audit log writes them)."""
    filed = list(map(values.get, FILED_FIELDS))
    if not _AS_TEXT.issuperset(map(type, filed)):
        filed = list(map(to_json_value, filed))
    return hashlib.sha256(_FINGERPRINT_TEXT.format(*filed).encode()).hexdigest()


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


class _Filed(NamedTuple):
    """A filed contract as far as recognising an unchanged row needs."""

    pk: int
    enterprise_id: int
    fingerprint: str
    status: str


class _World:
    """What checking a set of rows needs, read in bulk inside the transaction."""

    def __init__(self, bank: Bank, rows: Sequence[FilingRow], policy_set: PolicySet) -> None:
        self.bank = bank
        self.policy_set = policy_set
        self._cap_keys: dict[dt.date, Any] = {}
        codes = {_text(r.values.get("uscc")) for r in rows if r.values.get("uscc")}
        # Lock every enterprise concerned, in primary-key order (no deadlock between two batches),
        # before reading the totals the caps are checked against.
        self.enterprises = {
            e.uscc: e for e in Enterprise.objects.select_for_update().filter(uscc__in=codes).order_by("pk")
        }
        self.oracle = EligibilityOracle(self.enterprises.values())
        # The bank's filings, a few columns each (no objects), say which rows are filed already and
        # which of those are unchanged (the fingerprint): a file uploaded again after correcting a
        # few rows is mostly unchanged. Only the filings the file changes are read whole. A query
        # naming 100,000 contracts costs more than reading the bank's.
        contracts = {_text(r.values.get("contract_no")) for r in rows}
        self.existing: dict[str, Filing | _Filed] = {
            contract_no: _Filed(pk, enterprise_id, fingerprint, status)
            for contract_no, pk, enterprise_id, fingerprint, status in Filing.objects.filter(bank=bank).values_list(
                "contract_no", "pk", "enterprise_id", "fingerprint", "status").iterator(chunk_size=10_000)
            if contract_no in contracts}
        self.fingerprints: dict[str, str] = {}  # a filed contract's row (its first) → its fingerprint
        changed = []
        for row in rows:
            contract_no = _text(row.values.get("contract_no"))
            filed = self.existing.get(contract_no)
            if filed is None or contract_no in self.fingerprints:
                continue
            fingerprint = self.fingerprints[contract_no] = _fingerprint(row.values)
            if fingerprint != filed.fingerprint or row.errors:
                changed.append(filed.pk)
        for first in range(0, len(changed), EXISTING_BATCH):
            self.existing.update((f.contract_no, f) for f in Filing.objects.filter(pk__in=changed[first:first + EXISTING_BATCH]))
        self.renamed = renamed_contracts(bank.pk, contracts - self.existing.keys())
        # Branches and third parties are read only when a row names one.
        named_branch = any(r.values.get("branch") for r in rows)
        self.branches = {b.name: b for b in Branch.objects.filter(bank=bank)} if named_branch else {}
        self.third_parties: dict[str, ThirdParty] = {}
        for party in ThirdParty.objects.all() if any(r.values.get("third_party") for r in rows) else ():
            self.third_parties[party.name] = party
            self.third_parties[party.code] = party
        # The enterprise totals across ALL banks, by cap period (单个企业年度贷款总额).
        self.totals: dict[tuple[int, Any], Decimal] = defaultdict(Decimal)
        ids = [e.pk for e in self.enterprises.values()]
        for enterprise_id, disbursed_on, amount, outstanding, loan_status in Filing.objects.filter(
            enterprise_id__in=ids, status__in=ACTIVE
        ).values_list("enterprise_id", "disbursed_on", "loan_amount", "outstanding_principal",
                      "loan_status").iterator(chunk_size=5000):
            self.totals[(enterprise_id, self.cap_key(disbursed_on))] += amount
            if loan_status != LoanStatus.SETTLED:
                self.totals[(enterprise_id, OUTSTANDING)] += outstanding
        # Continuations (项目延续) count in the year they start; the outstanding basis already has the balance.
        for enterprise_id, starts_on, amount in continuation_cap_amounts(ids):
            if (key := self.cap_key(starts_on)) != OUTSTANDING:
                self.totals[(enterprise_id, key)] += amount

    def whole(self, contract_no: str) -> Filing:
        """The filed contract as a whole `Filing` (read now if only its few columns were)."""
        found = self.existing[contract_no]
        if not isinstance(found, Filing):
            found = self.existing[contract_no] = Filing.objects.get(pk=found.pk)
        return found

    def cap_key(self, disbursed_on: dt.date) -> Any:
        """Which total a loan counts in: its calendar year under the yearly basis (年度贷款总额),
        or the enterprise's outstanding principal under the outstanding basis."""
        found = self._cap_keys.get(disbursed_on)
        if found is None:
            policy = self.policy_set.book.find(disbursed_on)
            if policy is not None and policy.cap_basis is rules.CapBasis.OUTSTANDING:
                found = OUTSTANDING
            else:
                found = disbursed_on.year
            self._cap_keys[disbursed_on] = found
        return found

    def counted_amount(self, filing: Filing, key: Any) -> Decimal:
        return filing.outstanding_principal if key == OUTSTANDING else filing.loan_amount


def _filing_input(values: dict[str, Any]) -> FilingInput:
    return FilingInput(
        contract_no=_text(values.get("contract_no")), uscc=_text(values.get("uscc")),
        enterprise_name=values.get("enterprise_name") or None, credit_amount=values.get("credit_amount"),
        loan_amount=values.get("loan_amount"), disbursed_on=values.get("disbursed_on"),
        maturity_on=values.get("maturity_on"), annual_rate=values.get("annual_rate"),
        guarantee_type=values.get("guarantee_type"), branch=values.get("branch") or None,
        purpose=values.get("purpose") or None, first_loan=values.get("first_loan"),
        third_party=values.get("third_party") or None, third_party_share=values.get("third_party_share"),
        compensation_mode=values.get("compensation_mode") or None, policy_tool=values.get("policy_tool"),
    )


def _model_values(values: dict[str, Any], world: _World, enterprise: Enterprise) -> dict[str, Any]:
    branch_name = _text(values.get("branch"))
    party_name = _text(values.get("third_party"))
    return {
        "enterprise": enterprise, "enterprise_name": _text(values.get("enterprise_name")),
        "branch": world.branches.get(branch_name) if branch_name else None,
        "credit_amount": values["credit_amount"], "loan_amount": values["loan_amount"],
        "disbursed_on": values["disbursed_on"], "maturity_on": values["maturity_on"],
        "annual_rate": values["annual_rate"], "guarantee_type": values["guarantee_type"],
        "purpose": _text(values.get("purpose")), "first_loan": bool(values.get("first_loan")),
        "third_party": world.third_parties.get(party_name) if party_name else None,
        "third_party_share": values.get("third_party_share"),
        "compensation_mode": values.get("compensation_mode") or rules.CompensationMode.BANK.value,
        "policy_tool": bool(values.get("policy_tool")),
    }


AUDITED = ("enterprise", "enterprise_name", "branch", "credit_amount", "loan_amount", "disbursed_on", "maturity_on",
           "annual_rate", "guarantee_type", "purpose", "first_loan", "third_party", "third_party_share",
           "compensation_mode", "policy_tool", "status", "rule_set")


# Foreign keys are read by their id column: the same value as the related object's pk, without
# loading the object (a query per row for a filing read from the database).
_AUDIT_ATTRS = tuple((name, Filing._meta.get_field(name).attname) for name in AUDITED)
_FOREIGN_KEYS = ("enterprise", "branch", "third_party")


_cache_enterprise = Filing._meta.get_field("enterprise").set_cached_value
_AUDIT_VALUES = attrgetter(*(attname for _name, attname in _AUDIT_ATTRS))
_CREATED_CHANGES = new_record_changes(AUDITED)  # a new filing's event: {field: [None, value]}


def _audited(filing: Filing) -> dict[str, Any]:
    """The audited fields' values as the audit log records them (foreign keys as ids)."""
    return dict(zip(AUDITED, map(to_json_value, _AUDIT_VALUES(filing)), strict=True))


def file_loans(
    *,
    actor: Any,
    bank: Bank,
    rows: Sequence[FilingRow],
    all_or_nothing: bool = False,
    batch: Any = None,
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FilingReport:
    """Check and file loans for one bank; returns what happened to every row.

    New contracts are created; a changed row for a filed contract is an amendment (audited with
    before and after); an identical row is unchanged. Clean rows are accepted with a
    confirmation number (贷款确认书), rows with warnings wait for review, rows with errors are
    rejected. With ``all_or_nothing`` a single rejected row leaves everything as it was.
    """
    today = today or timezone.localdate()
    report = FilingReport()
    with transaction.atomic():
        bank = Bank.objects.select_for_update().get(pk=bank.pk)
        world = _World(bank, rows, current_policy_set())
        creates: list[tuple[RowOutcome, Filing]] = []
        updates: list[tuple[RowOutcome, Filing, dict[str, list[Any]]]] = []
        seen: set[str] = set()
        for index, row in enumerate(rows, start=1):
            outcome = _check_row(row, world, today, seen, creates, updates)
            report.outcomes.append(outcome)
            if progress is not None and index % 2000 == 0:
                progress(index, len(rows))
        if all_or_nothing and report.rejected:
            report.aborted = True
            for outcome in report.outcomes:
                if outcome.action != "rejected":
                    outcome.action, outcome.status = "not_written", ""
            transaction.set_rollback(True)
            return report
        _write(actor, bank, batch, creates, updates)
        if progress is not None:
            progress(len(rows), len(rows))
    return report


def _check_row(row: FilingRow, world: _World, today: dt.date, seen: set[str],
               creates: list[Any], updates: list[Any]) -> RowOutcome:
    values = row.values
    contract_no = _text(values.get("contract_no"))
    problems = list(row.errors)
    outcome = RowOutcome(row.row_number, contract_no, "rejected", problems=problems)
    if contract_no and contract_no in seen:
        # A file's reader has already said so, naming the first row ("row.duplicate").
        if not any(p["code"] == "row.duplicate" for p in problems):
            problems.append(cell_problem("filing.duplicate_contract", "contract_no",
                                         f"借款合同编号 {contract_no} 在本次报送中重复",
                                         f"contract {contract_no} appears twice in this filing"))
        return outcome
    seen.add(contract_no)
    uscc = _text(values.get("uscc"))
    enterprise = world.enterprises.get(uscc)
    if uscc and enterprise is None and not any(p["column"] == "uscc" for p in problems):
        problems.append(cell_problem("filing.enterprise_unknown", "uscc",
                                     f"统一社会信用代码 {uscc} 不在企业库中，请先登记企业",
                                     f"no enterprise with credit code {uscc} is registered"))
    branch = _text(values.get("branch"))
    if branch and branch not in world.branches:
        problems.append(cell_problem("filing.branch_unknown", "branch", f"经办支行“{branch}”不是本行登记的支行",
                                     f"branch '{branch}' is not a registered branch of this bank"))
    party = _text(values.get("third_party"))
    if party and party not in world.third_parties:
        problems.append(cell_problem("filing.third_party_unknown", "third_party",
                                     f"第三方分担机构“{party}”未登记",
                                     f"third party '{party}' is not registered"))
    existing = world.existing.get(contract_no)
    if existing is None and contract_no in world.renamed:
        original = world.renamed[contract_no]
        problems.append(cell_problem("filing.contract_continued", "contract_no",
                                     f"借款合同编号 {contract_no} 是合同 {original} 项目延续后的新编号，该贷款已在池中，"
                                     f"请按月报送其状态，勿作为新贷款报送",
                                     f"contract {contract_no} is the new number a continuation gave contract "
                                     f"{original}: that loan is already in the pool; report its status monthly, "
                                     f"do not file it as a new loan"))
    if existing is not None and existing.enterprise_id != getattr(enterprise, "pk", existing.enterprise_id):
        problems.append(cell_problem("filing.enterprise_changed", "uscc",
                                     "已报送合同的借款企业不能更改，请撤回后重新报送",
                                     "the borrower of a filed contract cannot change; withdraw it and file anew"))
    fingerprint = world.fingerprints.get(contract_no) or _fingerprint(values)
    if existing is not None and existing.fingerprint == fingerprint and not problems:
        outcome.action, outcome.status, outcome.filing_id = "unchanged", existing.status, existing.pk
        return outcome
    if existing is not None:
        existing = world.whole(contract_no)
    filing_input = _filing_input(values)
    disbursed_on = values.get("disbursed_on")
    policy = world.policy_set.book.find(disbursed_on) if disbursed_on else None
    rule_set = policy.name if policy is not None else None
    total = None
    key = None
    if enterprise is not None and disbursed_on is not None:
        key = (enterprise.pk, world.cap_key(disbursed_on))
        total = world.totals[key]
        if existing is not None and existing.status in ACTIVE and key == (
            existing.enterprise_id, world.cap_key(existing.disbursed_on)
        ):
            total -= world.counted_amount(existing, key[1])
    ctx = FilingContext(
        book=world.policy_set.book, today=today,
        filed_on=existing.filed_on if existing is not None else today, bank_status=world.bank.status,
        eligibility=world.oracle.check(enterprise.pk, disbursed_on, rule_set)
        if enterprise is not None and disbursed_on is not None else None,
        enterprise_total=total, registered_name=enterprise.name if enterprise is not None else None,
        lpr=world.policy_set.lpr,
    )
    verdict = rules.validate_filing(filing_input, ctx)
    # With no enterprise on record, "eligibility unknown" and "total unknown" only repeat the
    # one problem already reported on the credit code.
    redundant = _UNKNOWN_ENTERPRISE_ECHOES if enterprise is None else frozenset()
    # A cell the reader could not read ("300万" for an amount) has its own error; the rules'
    # "required and missing" on the same column would only repeat it.
    unreadable = {p["column"] for p in row.errors} if row.errors else ()
    problems.extend(_problem(reason) for reason in verdict.problems if reason.code not in redundant
                    and not (reason.code == "filing.required" and reason.column in unreadable))
    if any(p["severity"] == Severity.ERROR.value for p in problems) or enterprise is None:
        return outcome
    status = FilingStatus.ACCEPTED if not problems else FilingStatus.SUBMITTED
    fields = _model_values(values, world, enterprise)
    amount: Decimal = values["loan_amount"]
    if existing is None:
        # Foreign keys given by id: a related object set through its descriptor costs more than the
        # rest of the row.
        for name in _FOREIGN_KEYS:
            related = fields.pop(name)
            fields[f"{name}_id"] = related.pk if related is not None else None
        filing = new_instance(Filing, {
            "bank_id": world.bank.pk, "contract_no": contract_no, "rule_set": rule_set or "", "status": status,
            "problems": problems, "filed_on": today, "fingerprint": fingerprint, "outstanding_principal": amount,
            **fields})
        # The enterprise the batch locked, cached on the filing as a related object: what the
        # statistics hook reads for a new loan's fact, without a query (`hooks.loans_changed`).
        _cache_enterprise(filing, enterprise)
        creates.append((outcome, filing))
        outcome.action = "created"
    else:
        before = _audited(existing)
        if existing.status in ACTIVE:
            old_key = (existing.enterprise_id, world.cap_key(existing.disbursed_on))
            world.totals[old_key] -= world.counted_amount(existing, old_key[1])
        never_reported = existing.outstanding_principal == existing.loan_amount
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.status, existing.problems, existing.rule_set = status, problems, rule_set or ""
        existing.fingerprint = fingerprint
        if never_reported:
            existing.outstanding_principal = amount  # no status report yet: follows the amended amount
        after = _audited(existing)
        changes = {k: [before[k], after[k]] for k in AUDITED if before[k] != after[k]}
        updates.append((outcome, existing, changes))
        outcome.action, outcome.filing_id = "amended", existing.pk
    outcome.status = status.value
    if key is not None:
        # A new loan counts its whole amount in either basis until a status report says otherwise.
        world.totals[key] += amount
    return outcome


def _write(actor: Any, bank: Bank, batch: Any, creates: list[tuple[RowOutcome, Filing]],
           updates: list[tuple[RowOutcome, Filing, dict[str, list[Any]]]]) -> None:
    now_user = actor if getattr(actor, "pk", None) else None
    accepted = [f for _o, f in creates if f.status == FilingStatus.ACCEPTED]
    accepted += [f for _o, f, _c in updates if f.status == FilingStatus.ACCEPTED and not f.confirmation_no]
    _number_confirmations(accepted)
    for _outcome, filing in creates:
        filing.filed_by_id, filing.batch_id = getattr(now_user, "pk", None), getattr(batch, "pk", None)
    _insert([f for _o, f in creates])
    if updates:
        # One prepared UPDATE per 1,000 rows (`bulk_update` compiles a CASE per field and row).
        names = [*(n for n in AUDITED if n not in ("enterprise",)), "problems", "fingerprint", "confirmation_no",
                 "outstanding_principal"]
        update_rows(Filing, [(f, names) for _o, f, _c in updates], batch_size=INSERT_BATCH)
    for outcome, filing in creates:
        outcome.filing_id = filing.pk

    note = f"batch {batch.pk}" if batch is not None else ""

    def events() -> Iterable[PendingEvent]:
        for _outcome, filing in creates:
            yield PendingEvent(
                action="create", object_type="filings.filing", object_id=filing.pk, object_repr=str(filing),
                changes=_CREATED_CHANGES(_AUDIT_VALUES(filing)),
                parent_type="banks.bank", parent_id=bank.pk, note=note,
            )
        for _outcome, filing, changes in updates:
            yield PendingEvent(
                action="amend", object_type="filings.filing", object_id=filing.pk, object_repr=str(filing),
                changes=changes, parent_type="banks.bank", parent_id=bank.pk, note=note,
            )

    record_events(actor=actor, events=events())
    # Statistics and other derived tables follow in the same transaction, once for the batch; the
    # new loans as the objects written (a listener need not read them back).
    loans_changed([f.pk for _o, f, _c in updates], created=[f for _o, f in creates])


def _insert(filings: list[Filing]) -> None:
    """INSERT the new filings with ids reserved first (no reading them back by contract number),
    one prepared statement per 1,000 rows on SQLite (`bulk_create` compiles a multi-row INSERT
    per 31 rows there, most of a 100,000-row batch's time), COPY on PostgreSQL."""
    for filing, pk in zip(filings, reserve_ids(Filing, len(filings)), strict=True):
        filing.pk = pk
    insert_rows(Filing, filings, batch_size=INSERT_BATCH)


def _number_confirmations(filings: list[Filing]) -> None:
    """Give accepted filings their confirmation number (贷款确认书编号), e.g. TF2025-0000123, from
    one counter per year, reserved in one locked update per year."""
    by_year: dict[int, list[Filing]] = defaultdict(list)
    for filing in filings:
        by_year[filing.disbursed_on.year].append(filing)
    for year, group in sorted(by_year.items()):
        counter, _ = ConfirmationCounter.objects.select_for_update().get_or_create(year=year)
        ConfirmationCounter.objects.filter(pk=counter.pk).update(last=F("last") + len(group))
        for offset, filing in enumerate(group, start=counter.last + 1):
            filing.confirmation_no = f"TF{year}-{offset:07d}"
