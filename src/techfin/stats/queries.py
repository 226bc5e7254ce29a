"""The statistics service (数据驾驶舱): every figure for a period and filter, read from the
summary tables (never from the loan table), scoped to the caller.

`stats_summary` answers the API's `/api/stats/summary/`, the dashboard and `techfin stats`;
`stats_yearly` the yearly series. Periods are whole months (the tables are monthly): `from`
is the first month counted, `to` the last.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from pyroaring import BitMap

from techfin.accounts.models import Role
from techfin.banks.models import Bank
from techfin.domain import stats as rules
from techfin.domain.policy import GuaranteeType
from techfin.enterprises.models import District
from techfin.stats import claims as claim_stats
from techfin.stats.facts import TAG_FILTERS, in_period_and_bank, narrowed
from techfin.stats.maintenance import CELL_MEASURES, bitmap
from techfin.stats.models import ALL_TYPES, BankMonthCell, EnterpriseGroup, EnterpriseSet, LoanCell

INDUSTRY_TAGS = tuple(TAG_FILTERS)
TAG_LABELS = {"iab": gettext_lazy("IAB"), "nem": gettext_lazy("NEM"),
              "iab_it": gettext_lazy("New-generation IT"), "iab_ai": gettext_lazy("Artificial intelligence"),
              "iab_bio": gettext_lazy("Biomedicine"), "nem_energy": gettext_lazy("New energy"),
              "nem_materials": gettext_lazy("New materials")}
GUARANTEE_TYPES = tuple(g.value for g in GuaranteeType)
_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


@dataclass(frozen=True)
class StatsFilter:
    """A period of whole months (YYYYMM, None: unbounded) and the optional narrowing."""

    month_from: int | None = None
    month_to: int | None = None
    bank_id: int | None = None
    district_id: int | None = None
    industry_tag: str | None = None
    guarantee_type: str | None = None

    @property
    def needs_enterprise_cells(self) -> bool:
        return self.district_id is not None or self.industry_tag is not None

    def shifted(self, months: int) -> StatsFilter:
        return replace(self, month_from=rules.add_months_key(self.month_from, months) if self.month_from else None,
                       month_to=rules.add_months_key(self.month_to, months) if self.month_to else None)

    def as_dict(self) -> dict[str, Any]:
        return {"bank": self.bank_id, "district": self.district_id, "industry_tag": self.industry_tag,
                "guarantee_type": self.guarantee_type}


def parse_month(value: str, *, end: bool, field: str) -> int:
    """`2025-05` (either bound), or a date: `2025-05-01` for `from`, `2025-05-31` for `to`."""
    match = _MONTH.match(value.strip())
    problem = None
    if match is None:
        problem = _("Write a month as 2025-05 (or a date as 2025-05-01).")
    else:
        year, month, day = int(match.group(1)), int(match.group(2)), match.group(3)
        try:
            first = dt.date(year, month, 1)
            if day is not None:
                on = dt.date(year, month, int(day))
                last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
                if not end and on != first:
                    problem = _("Statistics are kept by month: 'from' must be the first day of a month.")
                if end and on != last:
                    problem = _("Statistics are kept by month: 'to' must be the last day of a month.")
        except ValueError:
            problem = _("%(value)s is not a valid month or date.") % {"value": value}
    if problem:
        raise ValidationError({field: [problem]})
    return rules.month_key(first)


def parse_year(value: Any) -> int:
    """A calendar year of the pool (2015 to next year), else a ValidationError on `year`."""
    text = str(value or "").strip()
    if not (text.isdigit() and 2015 <= int(text) <= timezone.localdate().year + 1):
        raise ValidationError({"year": [_("Give a year from 2015 on, e.g. 2024.")]})
    return int(text)


def build_filter(*, month_from: str | None = None, month_to: str | None = None, bank: Any = None,
                 district: Any = None, industry_tag: str | None = None,
                 guarantee_type: str | None = None) -> StatsFilter:
    """Check raw parameters (API query, command options) and make a filter; every problem at once.

    `bank` and `district` are ids, or a bank code / district division code."""
    errors: dict[str, list[str]] = {}
    start = end = None
    for field, value, is_end in (("from", month_from, False), ("to", month_to, True)):
        if value:
            try:
                key = parse_month(value, end=is_end, field=field)
            except ValidationError as exc:
                errors.update(exc.message_dict)
                continue
            start, end = (start, key) if is_end else (key, end)
    if start and end and start > end:
        errors.setdefault("to", []).append(_("'to' is before 'from'."))
    bank_id = _lookup(Bank, bank, "code", "bank", _("No partner bank %(value)s."), errors)
    district_id = _lookup(District, district, "code", "district", _("No district %(value)s."), errors)
    if industry_tag and industry_tag not in INDUSTRY_TAGS:
        errors["industry_tag"] = [_("Industry tag must be one of %(tags)s.") % {"tags": ", ".join(INDUSTRY_TAGS)}]
    if guarantee_type and guarantee_type not in GUARANTEE_TYPES:
        errors["guarantee_type"] = [_("Guarantee type must be one of %(types)s.")
                                    % {"types": ", ".join(GUARANTEE_TYPES)}]
    if errors:
        raise ValidationError(errors)
    return StatsFilter(start, end, bank_id, district_id, industry_tag or None, guarantee_type or None)


def _lookup(model: Any, value: Any, code_field: str, field: str, message: str, errors: dict[str, list[str]]) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    found = None
    if text.isdigit() and len(text) <= 18:
        found = model.objects.filter(pk=int(text)).values_list("pk", flat=True).first()
    if found is None:
        found = model.objects.filter(**{code_field: text}).values_list("pk", flat=True).first()
    if found is None:
        errors[field] = [message % {"value": text}]
    return found


def stats_scope(user: Any, wanted: StatsFilter) -> StatsFilter:
    """Narrow a filter to what the user may see: a bank officer its own bank, a district
    official its own district (asking for another: 404, as for any record out of scope);
    enterprise users and commissioners see no statistics here (403)."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied
    if user.is_superuser or user.role in (Role.MANAGER, Role.SUPERVISOR):
        return wanted
    if user.role == Role.BANK and user.bank_id:
        if wanted.bank_id not in (None, user.bank_id):
            raise Http404
        return replace(wanted, bank_id=user.bank_id)
    if user.role == Role.DISTRICT and user.district_id:
        if wanted.district_id not in (None, user.district_id):
            raise Http404
        return replace(wanted, district_id=user.district_id)
    raise PermissionDenied


def may_see_statistics(user: Any) -> bool:
    return bool(user and user.is_authenticated and (
        user.is_superuser or user.role in (Role.MANAGER, Role.SUPERVISOR)
        or (user.role == Role.BANK and user.bank_id) or (user.role == Role.DISTRICT and user.district_id)))


# --- reading the tables ---------------------------------------------------------------------

def _cells(f: StatsFilter, *, force_enterprise_cells: bool = False) -> QuerySet[Any]:
    model = LoanCell if f.needs_enterprise_cells or force_enterprise_cells else BankMonthCell
    return narrowed(model.objects.all(), f)


def _measures(row: dict[str, Any]) -> rules.Measures:
    return rules.Measures(**{n: int(row.get(n) or 0) for n in CELL_MEASURES})


# Within `shared_reads()` (one dashboard answer), what several figures read is read once.
_MEMO: ContextVar[dict[Any, Any] | None] = ContextVar("stats_memo", default=None)


@contextmanager
def shared_reads() -> Iterator[None]:
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def _memo(key: Any, compute: Callable[[], Any]) -> Any:
    memo = _MEMO.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def measures_by_year(f: StatsFilter) -> dict[int, rules.Measures]:
    def compute() -> dict[int, rules.Measures]:
        sums = {n: Sum(n) for n in CELL_MEASURES}
        rows = _cells(f).annotate(year=F("month") / 100).values("year").annotate(**sums).order_by("year")
        return {int(r["year"]): _measures(r) for r in rows}
    result: dict[int, rules.Measures] = _memo(("by_year", f), compute)
    return result


def compensation_measures(f: StatsFilter, by: str | None = None) -> dict[Any, rules.CompensationMeasures]:
    """The paid claims of the period and filter, in total (key None) or per `by` (see `claims`)."""
    result: dict[Any, rules.CompensationMeasures] = _memo(("compensation", by, f),
                                                          lambda: claim_stats.compensation_measures(f, by))
    return result


def public_funds(f: StatsFilter, by: str = "year") -> dict[Any, int] | None:
    """Public money committed to the pools (fen) per budget year or district pool (see `claims`)."""
    result: dict[Any, int] | None = _memo(("funds", by, f), lambda: claim_stats.public_funds(f, by))
    return result


def _compensation_figures(c: rules.CompensationMeasures, loan_fen: int, funds: int | None) -> dict[str, object]:
    return rules.compensation_figures(c, loan_fen=loan_fen, public_funds_fen=funds)


def total_measures(f: StatsFilter) -> rules.Measures:
    return _measures(_cells(f).aggregate(**{n: Sum(n) for n in CELL_MEASURES}))


Unions = tuple[BitMap, BitMap, BitMap]  # enterprises, of them high-tech, with a credit loan


def _union_sets(f: StatsFilter, group: Callable[[int, int, str], Any], *,
                all_types: bool = False) -> dict[Any, Unions]:
    """The period's monthly enterprise sets (bank and guarantee-type filters applied), united per
    `group(month, bank_id, guarantee_type)`. With `all_types`, one union per guarantee type
    instead of the all-types sets (for a breakdown by guarantee type)."""
    target = f.guarantee_type or ALL_TYPES
    # Pure credit: the loans counted must be 信用. Under a guarantee-type filter they all are (the
    # filter is credit) or none is.
    credit = GuaranteeType.CREDIT.value if target in (ALL_TYPES, GuaranteeType.CREDIT.value) else None
    typed = all_types and not f.guarantee_type
    wanted = None if typed else {target, credit} - {None}
    parts: dict[Any, tuple[list[BitMap], list[BitMap], list[BitMap]]] = defaultdict(lambda: ([], [], []))
    for month, bank_id, guarantee_type, members, high_tech in _set_rows(f, wanted):
        if typed and guarantee_type == ALL_TYPES:
            continue
        key = group(month, bank_id, guarantee_type)
        if typed or guarantee_type == target:
            parts[key][0].append(members)
            parts[key][1].append(high_tech)
        if guarantee_type == credit:
            parts[key][2].append(members)
    return {key: (BitMap.union(BitMap(), *m), BitMap.union(BitMap(), *h), BitMap.union(BitMap(), *c))
            for key, (m, h, c) in parts.items()}


SetRow = tuple[int, int, str, BitMap, BitMap]


def _set_rows(f: StatsFilter, types: set[str] | None) -> list[SetRow]:
    """The enterprise sets of the period and bank, deserialized: of the guarantee `types` (None:
    every row), or, within `shared_reads()`, every row once for all the questions."""
    def load(types: set[str] | None) -> list[SetRow]:
        sets = in_period_and_bank(EnterpriseSet.objects.all(), f)
        if types is not None:
            sets = sets.filter(guarantee_type__in=types)
        sql, params = sets.values_list("month", "bank_id", "guarantee_type", "members", "high_tech").order_by(
        ).query.sql_with_params()
        connection = transaction.get_connection()
        if connection.vendor == "postgresql":
            # Binary results (a server-binding cursor: Django's client-side one cannot): bytea as
            # bytes, not hex text twice its size to decode — a third of the time at 1M loans.
            import psycopg

            connection.ensure_connection()
            with psycopg.Cursor(connection.connection) as raw:
                raw.execute(sql, params, binary=True)
                fetched = raw.fetchall()
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                fetched = cursor.fetchall()
        return [(month, bank_id, guarantee_type, bitmap(members), bitmap(high_tech))
                for month, bank_id, guarantee_type, members, high_tech in fetched]
    if _MEMO.get() is None:
        return load(types)
    rows: list[SetRow] = _memo(("sets", f.month_from, f.month_to, f.bank_id), lambda: load(None))
    return rows if types is None else [r for r in rows if r[2] in types]


def _narrowing(f: StatsFilter) -> list[str]:
    keys = []
    if f.district_id is not None:
        keys.append(f"district:{f.district_id}")
    if f.industry_tag:
        keys.append(tag_group(f.industry_tag))
    return keys


def tag_group(tag: str) -> str:
    return tag if tag in ("iab", "nem") else f"tag:{tag}"


def _groups(keys: set[str]) -> dict[str, BitMap]:
    wanted = keys | {"iab_nem", "strategic_emerging"}
    memo = _MEMO.get()
    if memo is not None:
        known: dict[str, BitMap] = memo.setdefault("groups", {})
        missing = wanted - known.keys()
        if missing:
            known.update({g: bitmap(m) for g, m in EnterpriseGroup.objects.filter(key__in=missing)
                          .values_list("key", "members")})
            known.update({g: BitMap() for g in missing - known.keys()})
        return known
    return {g: bitmap(m) for g, m in EnterpriseGroup.objects.filter(key__in=wanted).values_list("key", "members")}


def _counts(unions: Unions, narrowing: list[str], groups: dict[str, BitMap]) -> rules.EnterpriseCounts:
    u, h, c = unions
    for key in narrowing:
        u = u & groups.get(key, BitMap())
    return rules.EnterpriseCounts(
        enterprises=len(u), high_tech=h.intersection_cardinality(u), pure_credit=c.intersection_cardinality(u),
        iab_nem=u.intersection_cardinality(groups.get("iab_nem", BitMap())),
        strategic_emerging=u.intersection_cardinality(groups.get("strategic_emerging", BitMap())))


def _unite(values: Iterable[Unions]) -> Unions:
    values = list(values)
    return (BitMap.union(BitMap(), *(v[0] for v in values)), BitMap.union(BitMap(), *(v[1] for v in values)),
            BitMap.union(BitMap(), *(v[2] for v in values)))


def enterprise_counts_by_year(f: StatsFilter) -> tuple[dict[int, rules.EnterpriseCounts], rules.EnterpriseCounts]:
    """Distinct enterprises per calendar year and over the whole period, exactly: the unions of
    the period's monthly sets, intersected with the district or tag group asked for."""
    result: tuple[dict[int, rules.EnterpriseCounts], rules.EnterpriseCounts] = _memo(
        ("enterprises", f), lambda: _enterprise_counts_by_year(f))
    return result


def _enterprise_counts_by_year(f: StatsFilter) -> tuple[dict[int, rules.EnterpriseCounts], rules.EnterpriseCounts]:
    years = _memo(("year_unions", f.month_from, f.month_to, f.bank_id, f.guarantee_type),
                  lambda: _union_sets(f, lambda month, _bank, _type: month // 100))
    narrowing = _narrowing(f)
    groups = _groups(set(narrowing))
    return ({year: _counts(u, narrowing, groups) for year, u in years.items()},
            _counts(_unite(years.values()), narrowing, groups))


BREAKDOWNS = ("bank", "district", "industry_tag", "guarantee_type")


def stats_breakdown(f: StatsFilter, by: str) -> list[dict[str, Any]]:
    """The figures of the period and filter, one row per bank, district, industry tag or guarantee
    type (ranked by loans disbursed), each row as `stats_summary`'s figures with `key` and `name`."""
    narrowing = _narrowing(f)
    cells = _cells(f, force_enterprise_cells=by in ("district", "industry_tag"))
    sums = {n: Sum(n) for n in CELL_MEASURES}
    measures: dict[Any, rules.Measures] = defaultdict(rules.Measures)
    counts: dict[Any, rules.EnterpriseCounts] = {}
    if by == "industry_tag":
        by_mask = {r["tag_mask"]: _measures(r) for r in cells.values("tag_mask").annotate(**sums).order_by()}
        total = _period_union(f)
        groups = _groups(set(narrowing) | {tag_group(t) for t in INDUSTRY_TAGS})
        for tag in INDUSTRY_TAGS:
            for mask, m in by_mask.items():
                if mask & TAG_FILTERS[tag]:
                    measures[tag] = measures[tag] + m
            counts[tag] = _counts(total, [*narrowing, tag_group(tag)], groups)
    else:
        column = {"bank": "bank_id", "district": "district_id", "guarantee_type": "guarantee_type"}[by]
        for r in cells.values(column).annotate(**sums).order_by():
            measures[r[column]] = _measures(r)
        groups = _groups(set(narrowing) | {f"district:{k}" for k in measures} if by == "district" else set(narrowing))
        if by == "district":
            total = _period_union(f)
            counts = {k: _counts(total, [*narrowing, f"district:{k}"], groups) for k in measures}
        else:
            index = 1 if by == "bank" else 2
            unions = _union_sets(f, lambda *k: k[index], all_types=by == "guarantee_type")
            if by == "guarantee_type":  # pure credit within one type: the type is credit or it is not
                unions = {k: (u, h, u if k == GuaranteeType.CREDIT.value else BitMap()) for k, (u, h, _c) in
                          unions.items()}
            counts = {k: _counts(u, narrowing, groups) for k, u in unions.items()}
    names = _names(by, list(measures))
    paid = compensation_measures(f, by)
    # Public money divides by district (a district's own pool) and not by bank, tag or type.
    funds = public_funds(f, "district") if by == "district" else None
    rows = [{"key": key, "name": names.get(key, str(key)), **rules.figures(m, counts.get(key, rules.EnterpriseCounts())),
             **_compensation_figures(paid.get(key, rules.CompensationMeasures()), m.loan_fen,
                                     None if funds is None else funds.get(key, 0))}
            for key, m in measures.items() if m.loans]
    rows.sort(key=lambda r: (-r["loan_amount"], str(r["key"])))
    return rows


def _period_union(f: StatsFilter) -> Unions:
    """The whole period's union (shared with the yearly unions when reads are shared)."""
    years = _memo(("year_unions", f.month_from, f.month_to, f.bank_id, f.guarantee_type),
                  lambda: _union_sets(f, lambda month, _bank, _type: month // 100))
    return _unite(years.values())


def _names(by: str, keys: list[Any]) -> dict[Any, str]:
    if by == "bank":
        return {b.pk: str(b) for b in Bank.objects.filter(pk__in=keys)}
    if by == "district":
        return {d.pk: d.name_zh if _zh() else d.name_en for d in District.objects.filter(pk__in=keys)}
    if by == "industry_tag":
        return {k: str(TAG_LABELS[k]) for k in keys}
    return {k: (GuaranteeType(k).label_zh if _zh() else k.replace("_", " ")) for k in keys}


def _zh() -> bool:
    return (get_language() or "zh").startswith("zh")


def pool_headline(f: StatsFilter, *, today: dt.date | None = None) -> dict[str, Any]:
    """The pool's own headline figures for the period of `f`, every other filter dropped: what a
    bank officer or district official sees beside their own figures."""
    whole = StatsFilter(f.month_from, f.month_to or rules.month_key(today or timezone.localdate()))
    m = total_measures(whole)
    counts = enterprise_counts_by_year(whole)[1]
    funds = public_funds(whole)
    figures = {**rules.figures(m, counts),
               **_compensation_figures(compensation_measures(whole)[None], m.loan_fen,
                                       None if funds is None else sum(funds.values()))}
    return {k: figures[k] for k in ("enterprises", "loans", "credit_amount", "loan_amount", "average_loan_amount",
                                    "npl_ratio", "avg_rate_le_1y", "compensations", "compensated_enterprises",
                                    "compensation_amount", "compensation_amount_net", "leverage")}


# --- the answers ---------------------------------------------------------------------------

AMOUNT_KEYS = frozenset({"credit_amount", "loan_amount", "average_loan_amount", "average_loan_amount_per_enterprise",
                         "npl_principal", "outstanding_amount", "npl_outstanding", "previous_loan_amount",
                         "pool_loan_amount", "compensation_amount", "compensation_returned",
                         "compensation_amount_net", "public_funds"})


GROWTH_CONTAINERS = frozenset({"yoy_growth", "cagr", "growth"})


def jsonable(value: Any, key: str = "", *, ratios: bool = False) -> Any:
    """Amounts in yuan as strings with two decimals, ratios as JSON numbers (fractions), for
    the API and `techfin stats --json` alike. Inside a growth object every value is a ratio
    (`yoy_growth.loan_amount` is the growth of the amount, not an amount)."""
    if isinstance(value, dict):
        inner = ratios or key in GROWTH_CONTAINERS
        return {k: jsonable(v, k, ratios=inner) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v, ratios=ratios) for v in value]
    if isinstance(value, Decimal):
        return f"{value:.2f}" if key in AMOUNT_KEYS and not ratios else float(value)
    return value


def _month_text(key: int | None) -> str | None:
    return f"{key // 100:04d}-{key % 100:02d}" if key else None


def _growth_values(m: rules.Measures, e: rules.EnterpriseCounts) -> dict[str, int]:
    return {"enterprises": e.enterprises, "loans": m.loans, "credit_amount": m.credit_fen, "loan_amount": m.loan_fen}


def _complete_years(f: StatsFilter, years: list[int]) -> list[int]:
    """Calendar years lying wholly inside the period (an open end counts as inside, except the
    current year when the period runs to today)."""
    def inside(year: int) -> bool:
        return (f.month_from is None or f.month_from <= year * 100 + 1) and (
            f.month_to is None or year * 100 + 12 <= f.month_to)
    return [y for y in years if inside(y)]


def stats_summary(f: StatsFilter, *, today: dt.date | None = None) -> dict[str, Any]:
    """Every figure of `f` (already scoped): the loans' and enterprises', the compensations' and
    the leverage of public money, with year-on-year growth
    (against the same months a year earlier) and compound annual growth (over the complete
    calendar years of the period)."""
    today = today or timezone.localdate()
    if f.month_to is None:
        f = replace(f, month_to=rules.month_key(today))
    by_year = measures_by_year(f)
    total = sum(by_year.values(), rules.Measures())
    enterprise_years, enterprise_total = enterprise_counts_by_year(f)
    funds = public_funds(f)
    result: dict[str, Any] = {"period": {"from": _month_text(f.month_from), "to": _month_text(f.month_to)},
                              "filters": f.as_dict(), **rules.figures(total, enterprise_total),
                              **_compensation_figures(compensation_measures(f)[None], total.loan_fen,
                                                      None if funds is None else sum(funds.values()))}
    result["yoy_growth"] = None
    if f.month_from is not None:
        before = f.shifted(-12)
        now = _growth_values(total, enterprise_total)
        then = _growth_values(total_measures(before), enterprise_counts_by_year(before)[1])
        result["yoy_growth"] = {k: rules.growth(now[k], then[k]) for k in rules.GROWTH_KEYS}
    complete = _complete_years(f, sorted(by_year))
    result["cagr"] = None
    if len(complete) >= 2:
        first, last = complete[0], complete[-1]
        values = {y: _growth_values(by_year.get(y, rules.Measures()), enterprise_years.get(y, rules.EnterpriseCounts()))
                  for y in (first, last)}
        result["cagr"] = {"from_year": first, "to_year": last, **{
            k: rules.compound_annual_growth(values[first][k], values[last][k], last - first) for k in rules.GROWTH_KEYS}}
    return result


def stats_yearly(f: StatsFilter, *, today: dt.date | None = None) -> dict[str, Any]:
    """The figures of each calendar year of the period (a year cut by the period counts only its
    months inside), with growth over the previous year of the series, under `years`."""
    today = today or timezone.localdate()
    if f.month_to is None:
        f = replace(f, month_to=rules.month_key(today))
    by_year = measures_by_year(f)
    enterprise_years, _total = enterprise_counts_by_year(f)
    paid = compensation_measures(f, "year")
    funds = public_funds(f)
    series: list[dict[str, Any]] = []
    previous: dict[str, int] | None = None
    # The years with a loan or a compensation paid in the filter (the sets are not yet narrowed).
    for year in sorted(by_year.keys() | paid.keys()):
        m, e = by_year.get(year, rules.Measures()), enterprise_years.get(year, rules.EnterpriseCounts())
        values = _growth_values(m, e)
        row = {"year": year, **rules.figures(m, e),
               **_compensation_figures(paid.get(year, rules.CompensationMeasures()), m.loan_fen,
                                       None if funds is None else funds.get(year, 0)),
               "growth": {
            k: rules.growth(values[k], previous[k]) if previous else None for k in rules.GROWTH_KEYS}}
        series.append(row)
        previous = values
    return {"period": {"from": _month_text(f.month_from), "to": _month_text(f.month_to)}, "filters": f.as_dict(),
            "years": series}


def dashboard_data(user: Any, wanted: StatsFilter, *, today: dt.date | None = None) -> dict[str, Any]:
    """Everything the dashboard page draws for one filter, in one answer: headline figures, the
    yearly trend, rankings of banks and breakdowns by district and industry tag — and, for a
    bank officer or district official, the pool's headline beside their own."""
    f = stats_scope(user, wanted)
    if f.month_to is None:
        f = replace(f, month_to=rules.month_key(today or timezone.localdate()))
    with shared_reads():
        data: dict[str, Any] = {
            "summary": stats_summary(f, today=today), "yearly": stats_yearly(f, today=today)["years"],
            "by_bank": stats_breakdown(f, "bank"), "by_district": stats_breakdown(f, "district"),
            "by_industry_tag": stats_breakdown(f, "industry_tag"),
            "by_guarantee_type": stats_breakdown(f, "guarantee_type"), "pool": None}
    if not (user.is_superuser or user.role in (Role.MANAGER, Role.SUPERVISOR)):
        data["pool"] = pool_headline(f, today=today)
    return data
