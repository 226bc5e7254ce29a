"""Pool policy as data, and the pure rules of filing a loan (资金池管理办法 / 入池报送校验).

Rule sets (one ``PoolPolicy`` per document and effective date, shipped in
``data/pool_policies.json``; the names are those of ``eligibility``):

* ``gz-techpool-2015``: 《广州市科技型中小企业信贷风险补偿资金池管理办法》 (广州市科学技术局, 2015;
  number not found): 单个企业 ≤2000万元, 贷款期限 ≤2年.
* ``gz-techpool-2019``: its 2019 revision (number not found): 单个企业年度贷款总额 ≤3000万元,
  贷款期限 ≤3年, 年度预算 ≤2亿元.
* ``gz-techpool-2021``: 《广州市科技型中小企业信贷风险损失补偿资金池管理办法》 (穗科规字〔2021〕2号,
  dated 2021-07-01): 50% of the principal loss, 单一企业风险损失补偿比例累计最高不超过该笔不良贷款余额的50%.
* ``gz-credit-risk-comp-2025``: 《广州市信贷风险补偿机制管理办法》 (穗金管规字〔2025〕1号, 广州市地方
  金融管理局, 2025-10-01 to 2028-09-30): 政银 and 政担 modes (第二条), 市级补偿 + 叠加补偿 (第三条),
  tiers, add-ons, budget and stop lines (article numbers not readable: the document is cited).

District overlays (叠加补偿) are their own versioned rule sets (``DistrictOverlay``):
黄埔区/广州开发区 (440112) +40%, public total ≤90%; 南沙区 (440115) +25%, ≤75%.

Every value not confirmed against the official text is marked ``"status": "U"`` in the data
file with a note; the loader keeps those notes in ``PoolPolicy.provenance`` (``[U]`` in the
comments below). A loan is judged by the version in force on its disbursement date
(``PolicyBook.in_force``); which version governs a loan disbursed before 2025-10-01 but claimed
later is that of its disbursement date [U: the 2025 transition clause was not readable].

``validate_filing`` checks one filed loan (one row of a bank's batch) against the policy and a
context the caller prepares (eligibility verdict, the enterprise's total across all banks, the
bank's status), and returns every problem at once, each with a severity.
"""

from __future__ import annotations

import bisect
import calendar
import json
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import TypeVar

from techfin.domain.lpr import LprTable
from techfin.domain.money import yuan_from_wan
from techfin.domain.reasons import DetailValue, Reason, Verdict
from techfin.domain.versioning import NoRuleSetInForce, select_in_force

FAMILY = "pool-policy"
OVERLAY_FAMILY = "district-overlay"
HUNDRED = Decimal(100)
T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)


class GuaranteeType(StrEnum):
    """担保方式 (glossary codes)."""

    CREDIT = "credit"  # 信用 (纯信用)
    GUARANTEE = "guarantee"  # 保证
    MORTGAGE = "mortgage"  # 抵押
    PLEDGE = "pledge"  # 质押
    IP_PLEDGE = "ip_pledge"  # 知识产权质押
    RECEIVABLES_PLEDGE = "receivables_pledge"  # 应收账款质押
    ENVIRONMENTAL_RIGHTS = "environmental_rights"  # 环境权益抵质押
    GUARANTEE_INSURANCE = "guarantee_insurance"  # 贷款保证保险
    OTHER = "other"  # 其他

    @property
    def label_zh(self) -> str:
        return GUARANTEE_TYPE_ZH[self]


GUARANTEE_TYPE_ZH: Mapping[GuaranteeType, str] = MappingProxyType({
    GuaranteeType.CREDIT: "信用",
    GuaranteeType.GUARANTEE: "保证",
    GuaranteeType.MORTGAGE: "抵押",
    GuaranteeType.PLEDGE: "质押",
    GuaranteeType.IP_PLEDGE: "知识产权质押",
    GuaranteeType.RECEIVABLES_PLEDGE: "应收账款质押",
    GuaranteeType.ENVIRONMENTAL_RIGHTS: "环境权益抵质押",
    GuaranteeType.GUARANTEE_INSURANCE: "贷款保证保险",
    GuaranteeType.OTHER: "其他",
})
_GUARANTEE_BY_LABEL = {**{label: kind for kind, label in GUARANTEE_TYPE_ZH.items()},
                       **{kind.value: kind for kind in GuaranteeType}, "纯信用": GuaranteeType.CREDIT}


def guarantee_type_from_label(text: str) -> GuaranteeType | None:
    """A template cell (信用, 知识产权质押, … or the code itself) → ``GuaranteeType``; None if unknown."""
    return _GUARANTEE_BY_LABEL.get(unicodedata.normalize("NFKC", text).strip())


class CompensationMode(StrEnum):
    """补偿模式 (穗金管规字〔2025〕1号 第二条). The tech pool has the bank mode only."""

    BANK = "bank"  # 政银模式: the bank claims its principal loss
    GUARANTOR = "guarantor"  # 政担模式: the guarantor claims the principal it paid out (代偿)

    @property
    def label_zh(self) -> str:
        return "政银" if self is CompensationMode.BANK else "政担"


def compensation_mode_from_label(text: str) -> CompensationMode | None:
    """政银 / 政担 / bank / guarantor → mode; an empty cell is the default, 政银."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if not cleaned:
        return CompensationMode.BANK
    return {"政银": CompensationMode.BANK, "政银模式": CompensationMode.BANK, "bank": CompensationMode.BANK,
            "政担": CompensationMode.GUARANTOR, "政担模式": CompensationMode.GUARANTOR,
            "guarantor": CompensationMode.GUARANTOR}.get(cleaned)


class CapBasis(StrEnum):
    """What the per-enterprise cap is measured on."""

    YEARLY_FILED_TOTAL = "yearly_filed_total"  # 单个企业年度贷款总额, all banks, calendar year [U]
    OUTSTANDING = "outstanding"  # principal outstanding on the disbursement date, all banks

    @property
    def label_zh(self) -> str:
        return "年度贷款总额" if self is CapBasis.YEARLY_FILED_TOTAL else "贷款余额"

    @property
    def label_en(self) -> str:
        return "yearly total filed" if self is CapBasis.YEARLY_FILED_TOTAL else "outstanding principal"


class TierMethod(StrEnum):
    """How loan-amount bands give the city's share (穗金管规字〔2025〕1号; semantics [U])."""

    WHOLE_LOAN = "whole_loan"  # the band the loan amount falls in applies to the whole loan
    MARGINAL = "marginal"  # each band's rate applies to the part of the loan amount in it (blended)


class StopMetric(StrEnum):
    BANK_PRINCIPAL_LOSS_RATIO = "bank_principal_loss_ratio"  # 年度不良本金损失 / 当年入库贷款本金总额
    GUARANTOR_PAYOUT_RATE = "guarantor_payout_rate"  # 年度担保代偿率


class Severity(StrEnum):
    ERROR = "error"  # the filing is rejected
    WARNING = "warning"  # the filing waits for the fund manager's review


ADD_ON_CONDITIONS = frozenset({"key_support", "ip_pledge", "policy_tool"})
"""Conditions an add-on may name: 重点支持名录 membership, an IP-pledge loan, a monetary-policy tool."""

DOCUMENT_KINDS: Mapping[str, str] = MappingProxyType({
    "claim_application": "补偿申请表",
    "loan_contract": "借款合同",
    "disbursement_voucher": "放款凭证",
    "npl_evidence": "逾期/不良认定材料",
    "recovery_evidence": "催收、诉讼或追偿材料",
    "loss_statement": "本金损失计算表",
    "guarantee_contract": "担保合同",
    "payout_voucher": "代偿凭证",
})


# --- the policy dataclasses ------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentRef:
    """The document a rule set comes from (文件): title, number (文号), issuer, date, source."""

    title: str
    number: str | None
    issuer: str
    issued_on: date | None = None
    source: str | None = None

    def cite(self, article: str | None = None) -> str:
        """E.g. ``《广州市信贷风险补偿机制管理办法》(穗金管规字〔2025〕1号) 第三条``."""
        number = f"({self.number})" if self.number else "(文号未确认)"
        return f"《{self.title}》{number}" + (f" {article}" if article else "")


@dataclass(frozen=True)
class Provenance:
    """A parameter not (fully) confirmed: its dotted path, status (U or S-weak) and why."""

    path: str
    status: str
    note: str


@dataclass(frozen=True)
class Band:
    """A loan-amount band: loans up to ``up_to`` yuan get ``rate`` percent of the principal loss."""

    up_to: Decimal
    rate: Decimal


@dataclass(frozen=True)
class Tiers:
    bands: tuple[Band, ...]  # ascending
    method: TierMethod = TierMethod.WHOLE_LOAN
    upper_inclusive: bool = True  # "500万元及以下": exactly 500万 falls in the 40% band

    def __post_init__(self) -> None:
        if not self.bands:
            raise ValueError("tiers need at least one band")
        bounds = [band.up_to for band in self.bands]
        if any(b <= a for a, b in zip(bounds, bounds[1:], strict=False)) or bounds[0] <= 0:
            raise ValueError("band bounds must be positive and strictly increasing")

    @property
    def top(self) -> Decimal:
        return self.bands[-1].up_to

    def band_for(self, amount: Decimal) -> Band | None:
        """The band an amount falls in (whole-loan reading); None above the top band."""
        for band in self.bands:
            if amount < band.up_to or (self.upper_inclusive and amount == band.up_to):
                return band
        return None


@dataclass(frozen=True)
class AddOn:
    """Percentage points added to the city's share when any of ``when`` holds (加计)."""

    code: str
    points: Decimal
    when: frozenset[str]
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class StopLine:
    """暂缓补偿: compensation is suspended when ``metric`` exceeds ``threshold_percent`` in a year."""

    metric: StopMetric
    threshold_percent: Decimal
    consequence: str = "claims_suspended"


@dataclass(frozen=True)
class ClaimConditions:
    """When a claim may be made (补偿申请条件)."""

    min_overdue_days: int
    claim_window_days: int  # after default (bank) or payout (guarantor)
    required_documents: tuple[str, ...]
    # Whether the bank may deduct its recovery costs (诉讼费等) before sharing a recovery. No
    # source found for any version [U]: absent from the policy data means no deduction.
    recovery_costs_deductible: bool = False


@dataclass(frozen=True)
class ModeRule:
    """The sharing rule of one compensation mode under one policy.

    The city's share of the loss in percent is ``base_rate`` or, with ``tiers``, the band's
    rate; plus the add-ons that apply; at most ``rate_cap``. ``balance_cap_rate`` caps the city's
    cumulative compensation on a loan at that percentage of the bad loan's balance (穗科规字〔2021〕
    2号). ``third_party_max_share`` admits the "5+X" mode: a third party bears up to that many
    percent of the loss; None = not admitted.
    """

    mode: CompensationMode
    article: str | None
    guarantee_types: frozenset[GuaranteeType]
    base_rate: Decimal | None
    tiers: Tiers | None
    add_ons: tuple[AddOn, ...]
    rate_cap: Decimal | None
    balance_cap_rate: Decimal | None
    third_party_max_share: Decimal | None
    annual_budget_cap: Decimal | None
    stop_line: StopLine | None
    claim: ClaimConditions
    supports_policy_tool: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if (self.base_rate is None) == (self.tiers is None):
            raise ValueError(f"mode {self.mode}: exactly one of base_rate and tiers")
        object.__setattr__(self, "supports_policy_tool",
                           any("policy_tool" in add_on.when for add_on in self.add_ons))


@dataclass(frozen=True)
class PoolPolicy:
    """One version of the pool's 管理办法, in force from ``effective_from`` (inclusive)."""

    name: str
    document: DocumentRef
    effective_from: date
    effective_to: date | None
    enterprise_cap: Decimal  # yuan
    cap_basis: CapBasis
    max_term_months: int | None
    filing_deadline_days: int
    rate_ceiling_spread: Decimal | None  # percentage points over the 1-year LPR; None: no ceiling
    status_report_day: int  # day of the following month
    annual_budget: Decimal | None  # yuan
    overlay_article: str | None  # the article admitting district overlays (叠加补偿), when known
    modes: tuple[ModeRule, ...]
    provenance: tuple[Provenance, ...] = ()
    # Days before the status report deadline the platform reminds banks; optional in the data
    # (no document sets it): None leaves it to the reminder command's documented default.
    status_reminder_days: int | None = None
    _by_mode: Mapping[str, ModeRule] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        by_mode = {rule.mode.value: rule for rule in self.modes}
        if len(by_mode) != len(self.modes) or not by_mode:
            raise ValueError(f"policy {self.name}: one rule per mode, at least one")
        object.__setattr__(self, "_by_mode", MappingProxyType(by_mode))

    def mode_rule(self, mode: str) -> ModeRule | None:
        return self._by_mode.get(mode)

    @property
    def mode_names(self) -> tuple[str, ...]:
        return tuple(self._by_mode)

    def note(self, path: str) -> Provenance | None:
        """The provenance note of a parameter (e.g. ``"filing_deadline_days"``), None if confirmed."""
        return next((p for p in self.provenance if p.path == path), None)

    def cite(self, article: str | None = None) -> str:
        return self.document.cite(article)


@dataclass(frozen=True)
class DistrictOverlay:
    """A district pool's share stacked on the city share (叠加补偿, 穗金管规字〔2025〕1号 第三条).

    The district adds ``add_rate`` percent of the loss, but city and district together bear at
    most ``public_total_cap`` percent.
    """

    name: str
    district_code: str
    district_name: str
    document: DocumentRef
    effective_from: date
    effective_to: date | None
    add_rate: Decimal
    public_total_cap: Decimal
    modes: frozenset[CompensationMode]
    fund_size: Decimal | None
    provenance: tuple[Provenance, ...] = ()

    @property
    def payer(self) -> str:
        return f"district_pool:{self.district_code}"


# --- choosing a version ----------------------------------------------------------------------


def policy_in_force(policies: Sequence[PoolPolicy], on: date) -> PoolPolicy:
    """The version in force on ``on``; ``NoRuleSetInForce`` outside every version."""
    return select_in_force(policies, on, FAMILY)


def overlay_in_force(overlays: Sequence[DistrictOverlay], district_code: str | None,
                     on: date) -> DistrictOverlay | None:
    """The overlay of ``district_code`` in force on ``on``, or None."""
    if not district_code:
        return None
    mine = [overlay for overlay in overlays if overlay.district_code == district_code]
    if not mine:
        return None
    try:
        return select_in_force(mine, on, OVERLAY_FAMILY)
    except NoRuleSetInForce:
        return None


@dataclass(frozen=True)
class PolicyBook:
    """Policies indexed by start date, for the per-row lookups of a 100,000-row batch.

    Same answer as ``policy_in_force`` (tested), in O(log n) without building lists.
    """

    policies: tuple[PoolPolicy, ...]
    _starts: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.policies, key=lambda p: p.effective_from))
        starts = tuple(p.effective_from for p in ordered)
        if len(set(starts)) != len(starts) or len({p.name for p in ordered}) != len(ordered):
            raise ValueError("policies need distinct names and distinct start dates")
        object.__setattr__(self, "policies", ordered)
        object.__setattr__(self, "_starts", starts)

    def find(self, on: date) -> PoolPolicy | None:
        index = bisect.bisect_right(self._starts, on)
        if index == 0:
            return None
        policy = self.policies[index - 1]
        if index == len(self.policies) and policy.effective_to is not None and on > policy.effective_to:
            return None
        return policy

    def in_force(self, on: date) -> PoolPolicy:
        policy = self.find(on)
        if policy is None:
            raise NoRuleSetInForce(FAMILY, on)
        return policy


def cap_period(policy: PoolPolicy, disbursed_on: date) -> tuple[date, date]:
    """The dates over which the caller sums the enterprise's loans for the cap (all banks).

    ``yearly_filed_total``: loans disbursed in the calendar year of ``disbursed_on`` [U: 年度 read
    as the calendar year]. ``outstanding``: principal outstanding on ``disbursed_on`` (both ends).
    """
    if policy.cap_basis is CapBasis.YEARLY_FILED_TOTAL:
        return date(disbursed_on.year, 1, 1), date(disbursed_on.year, 12, 31)
    return disbursed_on, disbursed_on


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamped to the month's end (01-31 + 1 → 02-28)."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- loading the shipped data ----------------------------------------------------------------


class PolicyDataError(ValueError):
    """Malformed policy data. ``code`` is stable (``policy.data_invalid``); the message names the path."""

    code = "policy.data_invalid"

    def __init__(self, message: str) -> None:
        super().__init__(f"{self.code}: {message}")


_STATUSES = frozenset({"U", "S-weak"})


class _Obj:
    """A JSON object being read: records which keys were used and the provenance of marked values."""

    def __init__(self, raw: object, path: str, notes: list[Provenance]) -> None:
        if not isinstance(raw, dict):
            raise PolicyDataError(f"{path or 'top'}: expected an object")
        self.raw: dict[str, object] = raw
        self.path = path
        self.notes = notes
        self.used: set[str] = set()

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str) -> object:
        """The value of ``key``, unwrapped from ``{"value", "status", "note"}`` (whose note is kept)."""
        if key not in self.raw:
            raise PolicyDataError(f"{self.at(key)}: missing")
        self.used.add(key)
        value = self.raw[key]
        if isinstance(value, dict) and "status" in value and "value" in value:
            status, note = value.get("status"), value.get("note")
            extra = set(value) - {"value", "status", "note"}
            if status not in _STATUSES or not isinstance(note, str) or not note.strip() or extra:
                raise PolicyDataError(f"{self.at(key)}: a marked value needs status U or S-weak and a note")
            self.notes.append(Provenance(self.at(key), str(status), note))
            return value["value"]
        return value

    def obj(self, key: str) -> _Obj:
        return _Obj(self.get(key), self.at(key), self.notes)

    def opt_obj(self, key: str) -> _Obj | None:
        value = self.get(key)
        return None if value is None else _Obj(value, self.at(key), self.notes)

    def items(self, key: str) -> list[_Obj]:
        value = self.get(key)
        if not isinstance(value, list):
            raise PolicyDataError(f"{self.at(key)}: expected a list")
        return [_Obj(item, f"{self.at(key)}[{i}]", self.notes) for i, item in enumerate(value)]

    def req(self, key: str, convert: Callable[[object, str], T]) -> T:
        return convert(self.get(key), self.at(key))

    def opt(self, key: str, convert: Callable[[object, str], T]) -> T | None:
        value = self.get(key)
        return None if value is None else convert(value, self.at(key))

    def done(self) -> None:
        unknown = {key for key in self.raw if not key.startswith("_")} - self.used
        if unknown:
            raise PolicyDataError(f"{self.path or 'top'}: unknown keys {sorted(unknown)}")


def _text(value: object, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PolicyDataError(f"{path}: expected a non-empty string")
    return value


def _count(value: object, path: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise PolicyDataError(f"{path}: expected a non-negative integer")
    return value


def _flag(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise PolicyDataError(f"{path}: expected true or false")
    return value


def _decimal(value: object, path: str) -> Decimal:
    if not isinstance(value, str):
        raise PolicyDataError(f"{path}: decimals are written as strings")
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise PolicyDataError(f"{path}: not a decimal: {value!r}") from exc
    if not number.is_finite() or number < 0:
        raise PolicyDataError(f"{path}: expected a finite non-negative decimal")
    return number


def _percent(value: object, path: str) -> Decimal:
    number = _decimal(value, path)
    if number > HUNDRED:
        raise PolicyDataError(f"{path}: a percentage above 100")
    return number


def _wan(value: object, path: str) -> Decimal:
    return yuan_from_wan(_decimal(value, path))


def _day(value: object, path: str) -> date:
    text = _text(value, path)
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise PolicyDataError(f"{path}: not an ISO date: {text!r}") from exc


def _strings(value: object, path: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise PolicyDataError(f"{path}: expected a list of strings")
    return [str(item) for item in value]


def _enum(kind: type[E]) -> Callable[[object, str], E]:
    def convert(value: object, path: str) -> E:
        try:
            return kind(_text(value, path))
        except ValueError as exc:
            if isinstance(exc, PolicyDataError):
                raise
            allowed = ", ".join(member.value for member in kind)
            raise PolicyDataError(f"{path}: {value!r} is not one of {allowed}") from exc
    return convert


def _enums(kind: type[E]) -> Callable[[object, str], frozenset[E]]:
    one = _enum(kind)

    def convert(value: object, path: str) -> frozenset[E]:
        return frozenset(one(item, path) for item in _strings(value, path))
    return convert


def _document(node: _Obj) -> DocumentRef:
    doc = DocumentRef(title=node.req("title", _text), number=node.opt("number", _text),
                      issuer=node.req("issuer", _text), issued_on=node.opt("issued_on", _day),
                      source=node.opt("source", _text))
    node.done()
    return doc


def _tiers(node: _Obj) -> Tiers:
    bands = []
    for band_node in node.items("bands"):
        bands.append(Band(up_to=band_node.req("up_to_wan", _wan), rate=band_node.req("rate", _percent)))
        band_node.done()
    method = node.req("method", _enum(TierMethod))
    inclusive = node.req("upper_inclusive", _flag)
    node.done()
    try:
        return Tiers(bands=tuple(bands), method=method, upper_inclusive=inclusive)
    except ValueError as exc:
        raise PolicyDataError(f"{node.path}: {exc}") from exc


def _mode_rule(node: _Obj) -> ModeRule:
    mode = node.req("mode", _enum(CompensationMode))
    tiers_node = node.opt_obj("tiers")
    add_ons = []
    for add_node in node.items("add_ons"):
        when = frozenset(add_node.req("when", _strings))
        if not when or not when <= ADD_ON_CONDITIONS:
            raise PolicyDataError(f"{add_node.path}.when: conditions must be among {sorted(ADD_ON_CONDITIONS)}")
        add_ons.append(AddOn(code=add_node.req("code", _text), points=add_node.req("points", _percent), when=when,
                             label_zh=add_node.req("label_zh", _text), label_en=add_node.req("label_en", _text)))
        add_node.done()
    stop_node = node.opt_obj("stop_line")
    stop = None
    if stop_node is not None:
        stop = StopLine(metric=stop_node.req("metric", _enum(StopMetric)),
                        threshold_percent=stop_node.req("threshold_percent", _percent),
                        consequence=stop_node.req("consequence", _text))
        stop_node.done()
    claim_node = node.obj("claim")
    documents = tuple(claim_node.req("required_documents", _strings))
    if not set(documents) <= set(DOCUMENT_KINDS):
        raise PolicyDataError(f"{claim_node.path}.required_documents: unknown kinds "
                              f"{sorted(set(documents) - set(DOCUMENT_KINDS))}")
    claim = ClaimConditions(min_overdue_days=claim_node.req("min_overdue_days", _count),
                            claim_window_days=claim_node.req("claim_window_days", _count),
                            required_documents=documents,
                            recovery_costs_deductible=bool(claim_node.opt("recovery_costs_deductible", _flag))
                            if "recovery_costs_deductible" in claim_node.raw else False)
    claim_node.done()
    values = {
        "mode": mode, "article": node.opt("article", _text),
        "guarantee_types": node.req("guarantee_types", _enums(GuaranteeType)),
        "base_rate": node.opt("base_rate", _percent),
        "tiers": _tiers(tiers_node) if tiers_node is not None else None, "add_ons": tuple(add_ons),
        "rate_cap": node.opt("rate_cap", _percent), "balance_cap_rate": node.opt("balance_cap_rate", _percent),
        "third_party_max_share": node.opt("third_party_max_share", _percent),
        "annual_budget_cap": node.opt("annual_budget_cap_wan", _wan), "stop_line": stop, "claim": claim,
    }
    node.done()
    try:
        return ModeRule(**values)  # type: ignore[arg-type]
    except ValueError as exc:
        raise PolicyDataError(f"{node.path}: {exc}") from exc


def _policy(node: _Obj) -> PoolPolicy:
    name = node.req("name", _text)
    node.path = f"policies[{name}]"
    notes_start = len(node.notes)
    values: dict[str, object] = {
        "name": name, "document": _document(node.obj("document")),
        "effective_from": node.req("effective_from", _day), "effective_to": node.opt("effective_to", _day),
        "enterprise_cap": node.req("enterprise_cap_wan", _wan), "cap_basis": node.req("cap_basis", _enum(CapBasis)),
        "max_term_months": node.opt("max_term_months", _count),
        "filing_deadline_days": node.req("filing_deadline_days", _count),
        "rate_ceiling_spread": node.opt("rate_ceiling_spread", _decimal),
        "status_report_day": node.req("status_report_day", _count),
        "annual_budget": node.opt("annual_budget_wan", _wan),
        "overlay_article": node.opt("overlay_article", _text),
        "status_reminder_days": node.opt("status_reminder_days", _count) if "status_reminder_days" in node.raw
        else None,
    }
    modes = tuple(_mode_rule(mode_node) for mode_node in node.items("modes"))
    node.done()
    if not 1 <= int(str(values["status_report_day"])) <= 28:
        raise PolicyDataError(f"{node.path}.status_report_day: must be 1-28 (every month has that day)")
    end, start = values["effective_to"], values["effective_from"]
    if isinstance(end, date) and isinstance(start, date) and end < start:
        raise PolicyDataError(f"{node.path}: effective_to before effective_from")
    # Paths relative to the policy, modes by name: "modes.bank.claim.min_overdue_days".
    provenance = []
    for note in node.notes[notes_start:]:
        path = note.path.removeprefix(node.path + ".").replace("_wan", "")  # data key → field name
        for index, rule in enumerate(modes):
            path = path.replace(f"modes[{index}]", f"modes.{rule.mode.value}")
        provenance.append(Provenance(path, note.status, note.note))
    try:
        return PoolPolicy(**values, modes=modes, provenance=tuple(provenance))  # type: ignore[arg-type]
    except ValueError as exc:
        raise PolicyDataError(f"{node.path}: {exc}") from exc


def _overlay(node: _Obj) -> DistrictOverlay:
    name = node.req("name", _text)
    node.path = f"overlays[{name}]"
    notes_start = len(node.notes)
    code = node.req("district_code", _text)
    if len(code) != 6 or not code.isdigit():
        raise PolicyDataError(f"{node.path}.district_code: a 6-digit GB/T 2260 code")
    values: dict[str, object] = {
        "name": name, "district_code": code, "district_name": node.req("district_name", _text),
        "document": _document(node.obj("document")), "effective_from": node.req("effective_from", _day),
        "effective_to": node.opt("effective_to", _day), "add_rate": node.req("add_rate", _percent),
        "public_total_cap": node.req("public_total_cap", _percent),
        "modes": node.req("modes", _enums(CompensationMode)), "fund_size": node.opt("fund_size_wan", _wan),
    }
    node.done()
    provenance = tuple(Provenance(p.path.removeprefix(node.path + ".").replace("_wan", ""), p.status, p.note)
                       for p in node.notes[notes_start:])
    return DistrictOverlay(**values, provenance=provenance)  # type: ignore[arg-type]


def parse_policy_data(text: str) -> tuple[tuple[PoolPolicy, ...], tuple[DistrictOverlay, ...]]:
    """Read the JSON data (format 1), checking every value; ``PolicyDataError`` names the path."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicyDataError(f"not JSON: {exc}") from exc
    top = _Obj(raw, "", [])
    if top.get("format") != 1:
        raise PolicyDataError("format: only format 1 is understood")
    policies = tuple(_policy(node) for node in top.items("policies"))
    overlays = tuple(_overlay(node) for node in top.items("overlays"))
    top.done()
    if len({p.name for p in policies}) != len(policies) or len({o.name for o in overlays}) != len(overlays):
        raise PolicyDataError("rule set names must be unique")
    try:
        PolicyBook(policies)
    except ValueError as exc:
        raise PolicyDataError(str(exc)) from exc
    return policies, overlays


@cache
def _shipped() -> tuple[tuple[PoolPolicy, ...], tuple[DistrictOverlay, ...]]:
    text = resources.files("techfin.domain.data").joinpath("pool_policies.json").read_text(encoding="utf-8")
    return parse_policy_data(text)


def load_shipped_policies() -> tuple[PoolPolicy, ...]:
    """The Guangzhou history shipped in ``data/pool_policies.json``, oldest first (read once)."""
    return _shipped()[0]


def load_shipped_overlays() -> tuple[DistrictOverlay, ...]:
    """The district overlays shipped in ``data/pool_policies.json`` (read once)."""
    return _shipped()[1]


@cache
def shipped_book() -> PolicyBook:
    return PolicyBook(load_shipped_policies())


# --- filing validation -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class FilingReason(Reason):
    """A problem with a filed loan: a ``Reason`` (always ``ok=False``) with a severity and the
    template column it concerns (``None`` when it concerns the row as a whole)."""

    severity: Severity = Severity.ERROR
    column: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.ok:
            raise ValueError(f"filing reason {self.code}: a problem cannot be ok")


@dataclass(frozen=True, slots=True)
class FilingInput:
    """One filed loan as read from a bank's row (入池报送), already parsed to types.

    A required value the parser could not read is None: the check then reports it missing
    (``filing.required``) and skips the rules that need it. ``third_party_share`` is a percentage
    of the principal loss (0–50, "5+X"). ``compensation_mode`` None means 政银 (``bank``).
    """

    contract_no: str
    uscc: str
    enterprise_name: str | None
    credit_amount: Decimal | None
    loan_amount: Decimal | None
    disbursed_on: date | None
    maturity_on: date | None
    annual_rate: Decimal | None  # percent per annum
    guarantee_type: str | None  # GuaranteeType value
    branch: str | None = None
    purpose: str | None = None
    first_loan: bool | None = None
    third_party: str | None = None
    third_party_share: Decimal | None = None
    compensation_mode: str | None = None  # CompensationMode value; None = bank
    policy_tool: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FilingContext:
    """What the caller knows about the row's world, gathered before the check.

    * ``book``: the policies; the one in force on the row's disbursement date is used.
    * ``filed_on``: the date the contract was first filed (for an amendment, the original
      filing date, so correcting a typo later does not make the loan late).
    * ``bank_status``: the filing bank's status on ``filed_on`` (``active``, ``suspended``, ``exited``).
    * ``eligibility``: ``eligibility.pool_eligibility`` for the enterprise on the disbursement date
      under the rule set of the same name; None when it could not be evaluated (unknown USCC).
    * ``enterprise_total``: the enterprise's total across ALL banks on the policy's ``cap_basis``
      over ``cap_period``, excluding this contract when it is an amendment; None if unknown.
    * ``registered_name``: the registry's name for the USCC, for the name check.
    * ``lpr``: the LPR table, needed only when a policy sets a rate ceiling.
    """

    book: PolicyBook
    today: date
    filed_on: date
    bank_status: str
    eligibility: Verdict | None = None
    enterprise_total: Decimal | None = None
    registered_name: str | None = None
    lpr: LprTable | None = None


@dataclass(frozen=True)
class FilingVerdict:
    """The outcome of checking one filing: every problem, errors and warnings (校验结果).

    ``accepted``: no error (warnings send the filing to the fund manager's review queue).
    ``rule_set``: the policy applied, None when no policy was in force on the disbursement date.
    """

    rule_set: str | None
    problems: tuple[FilingReason, ...]

    @property
    def errors(self) -> tuple[FilingReason, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[FilingReason, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.WARNING)

    @property
    def accepted(self) -> bool:
        return all(p.severity is not Severity.ERROR for p in self.problems)

    @property
    def needs_review(self) -> bool:
        return self.accepted and bool(self.problems)

    @property
    def status(self) -> str:
        """``clean`` (accept automatically), ``review`` (warnings only) or ``rejected``."""
        if not self.problems:
            return "clean"
        return "review" if self.accepted else "rejected"

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.problems)


_CLEAN: dict[str | None, FilingVerdict] = {}

_COLUMN_ZH = {
    "contract_no": "借款合同编号", "uscc": "统一社会信用代码", "enterprise_name": "企业名称",
    "credit_amount": "授信金额", "loan_amount": "放款金额", "disbursed_on": "放款日期", "maturity_on": "到期日期",
    "annual_rate": "年利率", "guarantee_type": "担保方式",
}


def _problem(code: str, column: str | None, zh: str, en: str, detail: Mapping[str, DetailValue] | None = None,
             severity: Severity = Severity.ERROR, unknown: bool = False) -> FilingReason:
    return FilingReason(code=code, ok=False, unknown=unknown, message_zh=zh, message_en=en,
                        detail=detail or {}, severity=severity, column=column)


_MISSING = {column: _problem("filing.required", column, f"{label}为必填项，缺失或无法识别",
                             f"{column} is required and is missing or unreadable", {"column": column})
            for column, label in _COLUMN_ZH.items()}

_GUARANTEE_VALUES = frozenset(kind.value for kind in GuaranteeType)
_MODE_VALUES = frozenset(mode.value for mode in CompensationMode)
_FIFTY = Decimal(50)


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _norm_name(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())


def validate_filing(row: FilingInput, ctx: FilingContext) -> FilingVerdict:
    """Check one filed loan against the policy in force on its disbursement date.

    Returns every problem at once; never raises for bad row data. Errors reject the filing;
    warnings (name differs from the registry, eligibility or cap undecidable) send it to review.
    """
    out: list[FilingReason] = []
    add = out.append
    credit, loan = row.credit_amount, row.loan_amount
    disbursed, maturity, rate = row.disbursed_on, row.maturity_on, row.annual_rate
    guarantee = row.guarantee_type

    if not row.contract_no or row.contract_no.isspace():
        add(_MISSING["contract_no"])
    for value, column in ((credit, "credit_amount"), (loan, "loan_amount"), (disbursed, "disbursed_on"),
                          (maturity, "maturity_on"), (rate, "annual_rate"), (guarantee, "guarantee_type")):
        if value is None:
            add(_MISSING[column])

    policy: PoolPolicy | None = None
    if disbursed is not None:
        policy = ctx.book.find(disbursed)
        if policy is None:
            add(_problem("filing.no_policy", "disbursed_on",
                         f"放款日期{disbursed.isoformat()}不在任何资金池管理办法的有效期内",
                         f"no pool policy was in force on the disbursement date {disbursed.isoformat()}",
                         {"disbursed_on": disbursed}))

    # Amounts.
    if credit is not None and credit <= 0:
        add(_problem("filing.credit_amount_positive", "credit_amount", "授信金额必须大于0",
                     "credit amount must be greater than 0", {"credit_amount": credit}))
    if loan is not None:
        if loan <= 0:
            add(_problem("filing.loan_amount_positive", "loan_amount", "放款金额必须大于0",
                         "loan amount must be greater than 0", {"loan_amount": loan}))
        elif credit is not None and credit > 0 and loan > credit:
            add(_problem("filing.loan_exceeds_credit", "loan_amount",
                         f"放款金额{_money(loan)}元超过授信金额{_money(credit)}元",
                         f"loan amount {_money(loan)} exceeds the credit amount {_money(credit)}",
                         {"loan_amount": loan, "credit_amount": credit}))

    # Dates and term.
    disbursed_in_future = disbursed is not None and disbursed > ctx.today
    if disbursed_in_future and disbursed is not None:
        add(_problem("filing.disbursed_in_future", "disbursed_on",
                     f"放款日期{disbursed.isoformat()}晚于今天（{ctx.today.isoformat()}）：须先放款、后备案",
                     f"disbursement date {disbursed.isoformat()} is in the future (today {ctx.today.isoformat()})",
                     {"disbursed_on": disbursed, "today": ctx.today}))
    if disbursed is not None and maturity is not None:
        if maturity <= disbursed:
            add(_problem("filing.maturity_before_disbursement", "maturity_on",
                         f"到期日期{maturity.isoformat()}须晚于放款日期{disbursed.isoformat()}",
                         f"maturity {maturity.isoformat()} must be after disbursement {disbursed.isoformat()}",
                         {"disbursed_on": disbursed, "maturity_on": maturity}))
        elif policy is not None and policy.max_term_months is not None:
            latest = add_months(disbursed, policy.max_term_months)
            if maturity > latest:
                months = policy.max_term_months
                add(_problem("filing.term_too_long", "maturity_on",
                             f"贷款期限超过{months}个月（到期日最晚为{latest.isoformat()}；{policy.cite()}）",
                             f"term exceeds {months} months (latest maturity {latest.isoformat()}, {policy.name})",
                             {"max_term_months": months, "latest_maturity": latest, "maturity_on": maturity,
                              "rule_set": policy.name}))

    # Rate.
    if rate is not None:
        if rate <= 0:
            add(_problem("filing.rate_positive", "annual_rate", "年利率必须大于0",
                         "annual rate must be greater than 0", {"annual_rate": rate}))
        elif policy is not None and policy.rate_ceiling_spread is not None and disbursed is not None:
            ceiling_problem = _rate_ceiling(rate, disbursed, policy, ctx.lpr)
            if ceiling_problem is not None:
                add(ceiling_problem)
        else:
            implausible = rate_implausible(rate, disbursed, ctx.lpr)
            if implausible is not None:
                add(implausible)

    # Mode, guarantee type, third party, policy tool.
    mode = row.compensation_mode or CompensationMode.BANK.value
    rule: ModeRule | None = None
    if mode not in _MODE_VALUES:
        add(_problem("filing.compensation_mode_unknown", "compensation_mode",
                     f"补偿模式“{mode}”无法识别（政银或政担）", f"unknown compensation mode {mode!r} (bank or guarantor)",
                     {"compensation_mode": mode}))
    elif policy is not None:
        rule = policy.mode_rule(mode)
        if rule is None:
            allowed = "、".join(CompensationMode(m).label_zh for m in policy.mode_names)
            add(_problem("filing.compensation_mode_not_allowed", "compensation_mode",
                         f"{policy.cite()}不设{CompensationMode(mode).label_zh}模式（可选：{allowed}）",
                         f"{policy.name} has no {mode} mode (allowed: {', '.join(policy.mode_names)})",
                         {"compensation_mode": mode, "rule_set": policy.name}))
    if guarantee is not None:
        if guarantee not in _GUARANTEE_VALUES:
            add(_problem("filing.guarantee_type_unknown", "guarantee_type", f"担保方式“{guarantee}”无法识别",
                         f"unknown guarantee type {guarantee!r}", {"guarantee_type": guarantee}))
        elif rule is not None and guarantee not in rule.guarantee_types:
            allowed_types = sorted(rule.guarantee_types)
            add(_problem("filing.guarantee_type_not_allowed", "guarantee_type",
                         f"{CompensationMode(mode).label_zh}模式不接受{GuaranteeType(guarantee).label_zh}贷款（可选："
                         + "、".join(GuaranteeType(t).label_zh for t in allowed_types) + f"；{policy_cite(policy, rule)}）",
                         f"{guarantee} loans are not admitted in {mode} mode under {_name(policy)} "
                         f"(allowed: {', '.join(allowed_types)})",
                         {"guarantee_type": guarantee, "compensation_mode": mode, "rule_set": _name(policy)}))
    _third_party(row, mode, rule, policy, add)
    if row.policy_tool and policy is not None and (rule is None or not rule.supports_policy_tool):
        add(_problem("filing.policy_tool_not_allowed", "policy_tool",
                     f"货币政策工具加计仅适用于《广州市信贷风险补偿机制管理办法》政银模式，本笔适用{policy.cite()}",
                     f"the monetary-policy-tool add-on exists only in the 2025 rules' bank mode; this loan is "
                     f"under {policy.name} ({mode} mode)", {"rule_set": policy.name, "compensation_mode": mode}))

    # Filing deadline (先放款、后备案).
    if disbursed is not None and not disbursed_in_future:
        if ctx.filed_on < disbursed:
            add(_problem("filing.filed_before_disbursement", "disbursed_on",
                         f"备案日期{ctx.filed_on.isoformat()}早于放款日期{disbursed.isoformat()}：须先放款、后备案",
                         f"filed on {ctx.filed_on.isoformat()}, before the disbursement on {disbursed.isoformat()}",
                         {"filed_on": ctx.filed_on, "disbursed_on": disbursed}))
        elif policy is not None:
            days = (ctx.filed_on - disbursed).days
            if days > policy.filing_deadline_days:
                add(_problem("filing.filed_late", "disbursed_on",
                             f"放款后{days}天才备案，超过{policy.filing_deadline_days}天的备案期限",
                             f"filed {days} days after disbursement, beyond the {policy.filing_deadline_days}-day "
                             f"deadline of {policy.name}",
                             {"days": days, "deadline_days": policy.filing_deadline_days, "rule_set": policy.name}))

    # Eligibility of the enterprise on the disbursement date.
    eligibility = ctx.eligibility
    if eligibility is None:
        add(_problem("filing.eligibility_missing", "uscc", "无法判定企业入池资格（企业库中无此统一社会信用代码）",
                     "the enterprise's eligibility could not be evaluated (code not in the registry)",
                     {"uscc": row.uscc}))
    else:
        if policy is not None and eligibility.rule_set != policy.name:
            # A caller bug (two different dates or rule families), not a problem of the bank's row.
            raise ValueError(f"eligibility evaluated under {eligibility.rule_set}, the loan is under {policy.name}")
        for reason in eligibility.reasons:
            if not reason.ok:
                out.append(FilingReason(
                    code=reason.code, ok=False, unknown=reason.unknown, message_zh=reason.message_zh,
                    message_en=reason.message_en, detail=reason.detail, column="uscc",
                    severity=Severity.ERROR if reason.failed else Severity.WARNING))

    # The enterprise's total across all banks.
    if policy is not None and loan is not None and loan > 0:
        total = ctx.enterprise_total
        cap = policy.enterprise_cap
        if total is None:
            add(_problem("filing.enterprise_total_unknown", "loan_amount",
                         "无法取得该企业在各合作银行的贷款合计，未能核对单个企业贷款上限",
                         "the enterprise's total across all banks is unknown; the per-enterprise cap was not checked",
                         {"cap": cap, "rule_set": policy.name}, Severity.WARNING, unknown=True))
        elif total + loan > cap:
            add(_problem("filing.enterprise_cap_exceeded", "loan_amount",
                         f"该企业在各合作银行的{policy.cap_basis.label_zh}{_money(total)}元加本笔{_money(loan)}元，"
                         f"超过单个企业上限{_money(cap)}元（{policy.cite()}）",
                         f"the enterprise's {policy.cap_basis.label_en} across all banks, {_money(total)}, plus this "
                         f"loan, {_money(loan)}, exceeds the cap of {_money(cap)} ({policy.name})",
                         {"enterprise_total": total, "loan_amount": loan, "cap": cap,
                          "cap_basis": policy.cap_basis.value, "rule_set": policy.name}))

    if ctx.bank_status != "active":
        add(_problem("filing.bank_not_active", None,
                     f"备案日{ctx.filed_on.isoformat()}合作银行状态为“{_BANK_STATUS_ZH.get(ctx.bank_status, ctx.bank_status)}”，"
                     "不能备案", f"the bank is {ctx.bank_status} on the filing date {ctx.filed_on.isoformat()}",
                     {"bank_status": ctx.bank_status, "filed_on": ctx.filed_on}))

    registered = ctx.registered_name
    name = row.enterprise_name
    if registered is not None and name is not None and name != registered and _norm_name(name) != _norm_name(registered):
        add(_problem("filing.enterprise_name_mismatch", "enterprise_name",
                     f"企业名称“{name}”与企业库登记名称“{registered}”不一致",
                     f"enterprise name {name!r} differs from the registry's {registered!r}",
                     {"enterprise_name": name, "registered_name": registered}, Severity.WARNING))

    rule_set = policy.name if policy is not None else None
    if not out:
        clean = _CLEAN.get(rule_set)
        if clean is None:
            clean = _CLEAN[rule_set] = FilingVerdict(rule_set, ())
        return clean
    return FilingVerdict(rule_set, tuple(out))


_BANK_STATUS_ZH = {"suspended": "暂停", "exited": "已退出", "active": "正常"}


def _name(policy: PoolPolicy | None) -> str:
    return policy.name if policy is not None else "-"


def policy_cite(policy: PoolPolicy | None, rule: ModeRule | None = None) -> str:
    """The citation of a policy, with the mode's article when known."""
    if policy is None:
        return "-"
    return policy.cite(rule.article if rule is not None else None)


def _rate_ceiling(rate: Decimal, disbursed: date, policy: PoolPolicy, lpr: LprTable | None) -> FilingReason | None:
    spread = policy.rate_ceiling_spread
    assert spread is not None
    if lpr is None or disbursed < lpr.fixings[0].published_on:
        return _problem("filing.rate_ceiling_unknown", "annual_rate",
                        f"放款日{disbursed.isoformat()}无可用LPR，未能核对利率上限（LPR+{spread}个百分点）",
                        f"no LPR for {disbursed.isoformat()}; the rate ceiling (LPR + {spread} points) was not checked",
                        {"annual_rate": rate, "spread": spread}, Severity.WARNING, unknown=True)
    base = lpr.rate_on(disbursed, "1y")
    ceiling = base + spread
    if rate <= ceiling:
        return None
    return _problem("filing.rate_above_ceiling", "annual_rate",
                    f"年利率{rate}%超过上限{ceiling}%（放款日1年期LPR {base}% + {spread}个百分点；{policy.cite()}）",
                    f"annual rate {rate}% exceeds the ceiling {ceiling}% (1-year LPR {base}% on the disbursement "
                    f"date + {spread} points, {policy.name})",
                    {"annual_rate": rate, "lpr_1y": base, "spread": spread, "ceiling": ceiling,
                     "rule_set": policy.name})


# No rule set confirms a rate ceiling [U], so a rate is only held for review when it cannot be
# meant: under 1% (a fraction typed for a percentage: 0.035 for 3.5%), or above four times the
# 1-year LPR, the line of judicial protection for lending rates (最高人民法院关于审理民间借贷案件适用
# 法律若干问题的规定, 法释〔2020〕17号, 第二十五条), which no bank loan in the pool should pass.
RATE_FRACTION_BELOW = Decimal("1")
RATE_LPR_MULTIPLE = Decimal("4")


def rate_implausible(rate: Decimal, on: date | None, lpr: LprTable | None, *, prefix: str = "filing",
                     column: str = "annual_rate", rate_zh: str = "年利率", rate_en: str = "annual rate",
                     day_zh: str = "放款日", day_en: str = "the disbursement date") -> FilingReason | None:
    """A warning for a rate that cannot be meant (see above), or None: under 1%, or above four
    times the 1-year LPR in force on `on`. The filing and the continuation (项目延续) each name
    their own rate and day (a continuation's rate is judged on the day it starts)."""
    if rate < RATE_FRACTION_BELOW:
        return _problem(f"{prefix}.rate_looks_like_fraction", column,
                        f"{rate_zh}{rate}%低于1%，请确认是否误将小数填为百分数（如3.5%应填3.5，而非0.035）",
                        f"{rate_en} {rate}% is under 1%: is it a fraction typed for a percentage "
                        f"(3.5% is written 3.5, not 0.035)?",
                        {column: rate}, Severity.WARNING)
    if lpr is None or on is None or on < lpr.fixings[0].published_on:
        return None
    base = lpr.rate_on(on, "1y")
    line = base * RATE_LPR_MULTIPLE
    if rate <= line:
        return None
    return _problem(f"{prefix}.rate_above_four_lpr", column,
                    f"{rate_zh}{rate}%超过{day_zh}1年期LPR {base}%的四倍（{line}%，法释〔2020〕17号第二十五条），请核实",
                    f"{rate_en} {rate}% is above four times the 1-year LPR of {base}% on {day_en} "
                    f"({line}%, the judicial protection line of 法释〔2020〕17号 art. 25): please check",
                    {column: rate, "lpr_1y": base, "line": line}, Severity.WARNING)


def _third_party(row: FilingInput, mode: str, rule: ModeRule | None, policy: PoolPolicy | None,
                 add: Callable[[FilingReason], None]) -> None:
    """"5+X": a guarantor or insurer bears ``third_party_share`` percent of the loss (0–50)."""
    party = row.third_party.strip() if row.third_party else None
    share = row.third_party_share
    if mode == CompensationMode.GUARANTOR.value and rule is not None:
        if not party:
            add(_problem("filing.guarantor_missing", "third_party",
                         "政担模式须在“第三方分担机构”列填写合作担保机构",
                         "guarantor mode needs the cooperating guarantor in the third_party column", {}))
        if share is not None:
            add(_problem("filing.third_party_share_not_allowed", "third_party_share",
                         "政担模式不适用第三方分担比例（5+X）", "a third-party share (5+X) does not apply in guarantor mode",
                         {"third_party_share": share}))
        return
    if share is None:
        if party and rule is not None and rule.third_party_max_share is not None:
            add(_problem("filing.third_party_share_missing", "third_party_share",
                         f"已填写第三方分担机构“{party}”，须填写第三方分担比例（0–{rule.third_party_max_share}%）",
                         f"third party {party!r} given without its share (0–{rule.third_party_max_share}%)",
                         {"third_party": party}))
        return
    if not party:
        add(_problem("filing.third_party_share_without_party", "third_party_share",
                     "填写了第三方分担比例但未填写第三方分担机构", "a third-party share was given without a third party",
                     {"third_party_share": share}))
    if rule is not None and rule.third_party_max_share is None:
        add(_problem("filing.third_party_share_not_allowed", "third_party_share",
                     f"{policy_cite(policy)}未设第三方分担（5+X）模式", f"{_name(policy)} has no third-party (5+X) share",
                     {"third_party_share": share, "rule_set": _name(policy)}))
        return
    limit = rule.third_party_max_share if rule is not None and rule.third_party_max_share is not None else _FIFTY
    if share < 0 or share > limit:
        add(_problem("filing.third_party_share_range", "third_party_share",
                     f"第三方分担比例须在0至{limit}%之间（占本金损失的百分比）",
                     f"third-party share must be between 0 and {limit} percent of the loss",
                     {"third_party_share": share, "max": limit}))

