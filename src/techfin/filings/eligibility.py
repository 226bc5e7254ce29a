"""Pool eligibility of many enterprises on many dates, read in bulk for a batch of filings.

A batch of 100,000 loans touches thousands of enterprises: their qualifications, risk events
and indicators are read once (`PREFETCH`), when the first verdict is asked for (a batch whose
rows are all unchanged asks none), and each (enterprise, date) verdict is computed once.

Filing asks `check`, which also reuses a passing verdict across the days on which nothing the
rules read changes: a loan a day later, with the same certificates in force and the same
year's figures, passes for the same reasons. A batch's loans mostly fall on different days, so
this is most of the saving (bench/bench_filing.py).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import ForeignObjectRel, prefetch_related_objects

from techfin.domain import eligibility as pool
from techfin.domain import size_class as size
from techfin.domain.reasons import Verdict
from techfin.domain.versioning import NoRuleSetInForce, select_by_name
from techfin.enterprises.models import Enterprise
from techfin.enterprises.verdicts import PREFETCH, Inputs, figures_year, load_inputs, snapshot

_DAY = dt.timedelta(days=1)


class EligibilityOracle:
    """Answers "was enterprise E eligible on D under rule set R?" for a set of enterprises."""

    def __init__(self, enterprises: Iterable[Enterprise]) -> None:
        self._enterprises = list(enterprises)
        self._loaded: dict[int, Inputs] | None = None
        self._changes: dict[int, list[dt.date]] = {}
        self._sizes: dict[tuple[int, int | None], size.SizeClass | None] = {}
        self._verdicts: dict[tuple[int, dt.date, str], Verdict | None] = {}
        self._passing: dict[tuple[int, str, int, int], Verdict] = {}

    @property
    def _inputs(self) -> dict[int, Inputs]:
        if self._loaded is None:
            self._loaded = {e.pk: load_inputs(e) for e in _with_records(self._enterprises)}
        return self._loaded

    def _size_class(self, enterprise_id: int, on: dt.date) -> size.SizeClass | None:
        inputs = self._inputs[enterprise_id]
        year = figures_year(inputs.values, on)
        key = (enterprise_id, year)
        if key not in self._sizes:
            # The class `assess_size` would give, without the reasons it writes (`size_class_of`).
            code = inputs.enterprise.industry_code
            try:
                rules = size.size_rules_in_force(on)
            except NoRuleSetInForce:
                code = ""
            self._sizes[key] = size.size_class_of(
                code, inputs.value(year, "employees"), inputs.value(year, "revenue"), inputs.value(year, "total_assets"),
                rules) if code else None
        return self._sizes[key]

    def verdict(self, enterprise_id: int, on: dt.date, rule_set: str | None) -> Verdict | None:
        """The eligibility verdict under the named rule set (that of the pool policy applied);
        None when the enterprise is unknown or no such rule set exists."""
        if rule_set is None or enterprise_id not in self._inputs:
            return None
        key = (enterprise_id, on, rule_set)
        if key not in self._verdicts:
            try:
                rules = select_by_name(pool.ELIGIBILITY_RULE_SETS, rule_set)
            except (NoRuleSetInForce, LookupError):
                self._verdicts[key] = None
                return None
            inputs = self._inputs[enterprise_id]
            size_class = self._size_class(enterprise_id, on) if rules.allowed_size_classes else None
            self._verdicts[key] = pool.pool_eligibility(snapshot(inputs, size_class), on, rules)
        return self._verdicts[key]

    def check(self, enterprise_id: int, on: dt.date, rule_set: str | None) -> Verdict | None:
        """`verdict`, for deciding a filing: the same outcome and the same failed reasons, but a
        passing verdict may be the one computed for another day of the same stretch — the days
        between two changes of what the rules read (a qualification starting or ending, a
        listing on a risk list starting or ending, a new year's figures), so only its reasons'
        wording (which names the day) differs."""
        if rule_set is None or enterprise_id not in self._inputs:
            return None
        key = (enterprise_id, rule_set, on.year, bisect.bisect_right(self._stretches(enterprise_id), on))
        found = self._passing.get(key)
        if found is not None:
            return found
        verdict = self.verdict(enterprise_id, on, rule_set)
        if verdict is not None and verdict.passed:
            self._passing[key] = verdict
        return verdict

    def _stretches(self, enterprise_id: int) -> list[dt.date]:
        """The days on which something the eligibility rules read changes for the enterprise."""
        found = self._changes.get(enterprise_id)
        if found is None:
            inputs = self._inputs[enterprise_id]
            days: set[dt.date] = set()
            for qualification in inputs.qualifications:
                days.add(qualification.valid_from)
                if qualification.effective_to is not None:
                    days.add(qualification.effective_to + _DAY)
            for event in inputs.risk_events:
                days.add(event.start_on)
                if event.end_on is not None:
                    days.add(event.end_on)
            found = self._changes[enterprise_id] = sorted(days)
        return found


def _with_records(enterprises: list[Enterprise]) -> list[Enterprise]:
    """The enterprises (as the caller read them) with their district and the records
    `load_inputs` reads (`PREFETCH`): one query per kind of record, placed in each enterprise's
    prefetch cache — what `prefetch_related(*PREFETCH)` does, without the queryset it builds
    for each of 20,000 enterprises and each kind."""
    ids = [e.pk for e in enterprises]
    prefetch_related_objects(enterprises, "district")
    caches: dict[int, dict[str, list[Any]]] = {pk: {} for pk in ids}
    for lookup in PREFETCH:
        name, *through = lookup.split("__")
        relation = Enterprise._meta.get_field(name)
        assert isinstance(relation, ForeignObjectRel)
        for cache in caches.values():
            cache[name] = []
        model = relation.related_model
        assert not isinstance(model, str)
        records = list(model._default_manager.filter(**{f"{relation.field.name}__in": ids}))
        if through:  # e.g. each qualification's kind: a handful of rows, read once
            prefetch_related_objects(records, "__".join(through))
        for record in records:
            caches[getattr(record, relation.field.attname)][name].append(record)
    for enterprise in enterprises:
        setattr(enterprise, "_prefetched_objects_cache", caches[enterprise.pk])  # noqa: B010
    return enterprises
