"""Pool eligibility of many enterprises on many dates, read in bulk for a batch of filings.

A batch of 100,000 loans touches thousands of enterprises: their qualifications, risk events
and indicators are read once (`PREFETCH`) and each (enterprise, date) verdict is computed once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from techfin.domain import eligibility as pool
from techfin.domain import size_class as size
from techfin.domain.reasons import Verdict
from techfin.domain.versioning import NoRuleSetInForce, select_by_name
from techfin.enterprises.models import Enterprise
from techfin.enterprises.verdicts import PREFETCH, Inputs, assess_size, figures_year, load_inputs, snapshot


class EligibilityOracle:
    """Answers "was enterprise E eligible on D under rule set R?" for a set of enterprises."""

    def __init__(self, enterprises: Iterable[Enterprise]) -> None:
        ids = [e.pk for e in enterprises]
        loaded = Enterprise.objects.filter(pk__in=ids).select_related("district").prefetch_related(*PREFETCH)
        self._inputs: dict[int, Inputs] = {e.pk: load_inputs(e) for e in loaded}
        self._sizes: dict[tuple[int, int | None], size.SizeClass | None] = {}
        self._verdicts: dict[tuple[int, dt.date, str], Verdict | None] = {}

    def _size_class(self, enterprise_id: int, on: dt.date) -> size.SizeClass | None:
        inputs = self._inputs[enterprise_id]
        year = figures_year(inputs.values, on)
        key = (enterprise_id, year)
        if key not in self._sizes:
            verdict = assess_size(inputs, on, year).verdict
            self._sizes[key] = verdict.size_class if isinstance(verdict, size.SizeVerdict) else None
        return self._sizes[key]

    def verdict(self, enterprise_id: int, on: dt.date, rule_set: str | None) -> Verdict | None:
        """The eligibility verdict under the named rule set (that of the pool policy applied);
        None when the enterprise is unknown or no such rule set exists."""
        if enterprise_id not in self._inputs or rule_set is None:
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
