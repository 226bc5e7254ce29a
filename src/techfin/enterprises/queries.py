"""Scoped reads of the registry: every queryset passes through `restrict()`.

`RegistryFilter` is the one definition of the registry's search and filters, used alike by
the list page, its exports and the API.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from techfin.accounts.scoping import get_or_404, restrict
from techfin.enterprises.models import (
    District,
    Enterprise,
    EnterpriseImport,
    IndicatorReport,
    Qualification,
    QualificationKind,
    RiskEvent,
    SizeClass,
)
from techfin.enterprises.verdicts import PREFETCH


def imports_for_user(user: Any) -> QuerySet[EnterpriseImport]:
    """Registry imports the user may see: all for fund manager staff and supervisors, else their own."""
    return restrict(EnterpriseImport.objects.select_related("uploaded_by", "job"), user)


def districts_for_user(user: Any) -> QuerySet[District]:
    return restrict(District.objects.filter(active=True), user)


def qualification_kinds_for_user(user: Any) -> QuerySet[QualificationKind]:
    return restrict(QualificationKind.objects.filter(active=True), user)


def enterprises_for_user(user: Any) -> QuerySet[Enterprise]:
    return restrict(Enterprise.objects.select_related("district"), user)


def qualifications_for_user(user: Any) -> QuerySet[Qualification]:
    return restrict(Qualification.objects.select_related("enterprise", "kind"), user)


def indicator_reports_for_user(user: Any) -> QuerySet[IndicatorReport]:
    return restrict(IndicatorReport.objects.select_related("enterprise"), user)


def risk_events_for_user(user: Any) -> QuerySet[RiskEvent]:
    return restrict(RiskEvent.objects.select_related("enterprise"), user)


def enterprise_for_profile(user: Any, pk: int) -> Enterprise:
    """One enterprise in the user's scope with everything its profile reads, else 404."""
    queryset = enterprises_for_user(user).prefetch_related(*PREFETCH)
    return get_or_404(queryset, user, pk=pk)


def enterprise_qualified_on(enterprise: Enterprise, on: dt.date, kinds: Iterable[str] | None = None) -> bool:
    """Whether the enterprise held, on `on`, a qualification of one of `kinds` (codes; None =
    every kind that counts for the pool). One query; filings call it with the disbursement date."""
    return Enterprise.objects.filter(pk=enterprise.pk).qualified_on(on, kinds).exists()


def _int(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if re.fullmatch(r"\d{1,4}", text) else None


@dataclass(frozen=True)
class RegistryFilter:
    """Search and filters of the registry (企业库检索).

    `q` matches the name, the credit code or the name's pinyin initials; `qualification` is a
    kind code held today; `tag` is `iab`, `nem` or one tag code; scores are inclusive bounds.
    """

    q: str = ""
    district: int | None = None
    section: str = ""
    division: str = ""
    qualification: str = ""
    size_class: str = ""
    score_min: int | None = None
    score_max: int | None = None
    tag: str = ""
    eligible: str = ""  # "yes" | "no" | ""

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> RegistryFilter:
        """Read from query parameters; values that cannot apply are ignored, not errors."""
        def text(name: str) -> str:
            return str(params.get(name) or "").strip()

        district = text("district")
        size = text("size_class")
        section = text("section").upper()
        division = text("division")
        return cls(
            q=text("q"),
            district=int(district) if district.isdigit() else None,
            section=section if re.fullmatch(r"[A-T]", section) else "",
            division=division if re.fullmatch(r"\d{2}", division) else "",
            qualification=text("qualification"),
            size_class=size if size in SizeClass.values else "",
            score_min=_int(params.get("score_min")),
            score_max=_int(params.get("score_max")),
            tag=text("tag"),
            eligible=text("eligible") if text("eligible") in ("yes", "no") else "",
        )

    def apply(self, queryset: QuerySet[Enterprise], today: dt.date | None = None) -> QuerySet[Enterprise]:
        result: Any = queryset
        if self.q:
            result = result.filter(search_condition(self.q))
        if self.district is not None:
            result = result.filter(district_id=self.district)
        if self.section:
            result = result.filter(industry_section=self.section)
        if self.division:
            result = result.filter(industry_division=self.division)
        if self.qualification:
            result = result.qualified_on(today or timezone.localdate(), [self.qualification])
        if self.size_class:
            result = result.filter(size_class=self.size_class)
        if self.score_min is not None:
            result = result.filter(tech_sme_score__gte=self.score_min)
        if self.score_max is not None:
            result = result.filter(tech_sme_score__lte=self.score_max)
        if self.tag:
            result = result.with_tag_group(self.tag)
        if self.eligible:
            result = result.filter(eligible=self.eligible == "yes")
        return result

    @property
    def active(self) -> bool:
        return any(value not in ("", None) for value in self.__dict__.values())


def search_condition(q: str) -> Q:
    """Name contains `q`, or the credit code contains it, or the pinyin initials do."""
    text = unicodedata.normalize("NFKC", q).strip()
    condition = Q(name__icontains=text) | Q(uscc__icontains=text.upper())
    letters = re.sub(r"[^0-9A-Za-z]", "", text)
    if letters and letters == text.replace(" ", ""):
        condition |= Q(name_initials__icontains=letters.upper())
    return condition


def held_today_by_enterprise(enterprises: QuerySet[Enterprise], on: dt.date) -> dict[int, list[str]]:
    """Kind names held on `on`, per enterprise of `enterprises` (one query, for exports)."""
    rows = (Qualification.objects.held_on(on).filter(enterprise__in=enterprises.values("pk"))
            .order_by("kind__sort_order").values_list("enterprise_id", "kind__name_zh"))
    result: dict[int, list[str]] = {}
    for enterprise_id, name in rows:
        names = result.setdefault(enterprise_id, [])
        if name not in names:
            names.append(name)
    return result
