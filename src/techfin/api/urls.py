"""The REST API under /api/."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from techfin.accounts.api import MeView, TokenView
from techfin.audit.api import AuditEventViewSet
from techfin.banks.api import BankViewSet, BranchViewSet, ThirdPartyViewSet
from techfin.compensation.api import (
    BudgetViewSet,
    ClaimRoundViewSet,
    ClaimViewSet,
    DebtTransferViewSet,
    RecoveryViewSet,
    RiskAlertViewSet,
)
from techfin.enterprises.api import (
    DistrictViewSet,
    EnterpriseImportViewSet,
    EnterpriseViewSet,
    IndicatorReportViewSet,
    QualificationKindViewSet,
    QualificationViewSet,
    RiskEventViewSet,
)
from techfin.filings.api import (
    AnomalyViewSet,
    ContinuationViewSet,
    FilingBatchViewSet,
    FilingViewSet,
    StatusReportViewSet,
)
from techfin.ledger.api import LedgerAccountViewSet, LedgerTransferViewSet
from techfin.notifications.api import NotificationViewSet
from techfin.stats.api import StatsAwardsView, StatsSummaryView, StatsYearlyView

router = DefaultRouter()
router.register("banks", BankViewSet, basename="bank")
router.register("branches", BranchViewSet, basename="branch")
router.register("third-parties", ThirdPartyViewSet, basename="thirdparty")
router.register("districts", DistrictViewSet, basename="district")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("enterprise-imports", EnterpriseImportViewSet, basename="enterpriseimport")
router.register("qualification-kinds", QualificationKindViewSet, basename="qualificationkind")
router.register("qualifications", QualificationViewSet, basename="qualification")
router.register("indicator-reports", IndicatorReportViewSet, basename="indicatorreport")
router.register("risk-events", RiskEventViewSet, basename="riskevent")
router.register("filings", FilingViewSet, basename="filing")
router.register("filing-batches", FilingBatchViewSet, basename="filingbatch")
router.register("claims", ClaimViewSet, basename="claim")
router.register("claim-rounds", ClaimRoundViewSet, basename="claimround")
router.register("budgets", BudgetViewSet, basename="budget")
router.register("recoveries", RecoveryViewSet, basename="recovery")
router.register("debt-transfers", DebtTransferViewSet, basename="debttransfer")
router.register("risk-alerts", RiskAlertViewSet, basename="riskalert")
router.register("status-reports", StatusReportViewSet, basename="statusreport")
router.register("anomalies", AnomalyViewSet, basename="anomaly")
router.register("continuations", ContinuationViewSet, basename="continuation")
router.register("audit/events", AuditEventViewSet, basename="auditevent")
router.register("ledger/accounts", LedgerAccountViewSet, basename="ledger-account")
router.register("ledger/transfers", LedgerTransferViewSet, basename="ledger-transfer")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("auth/token/", TokenView.as_view(), name="token"),
    path("me/", MeView.as_view(), name="me"),
    path("stats/summary/", StatsSummaryView.as_view(), name="stats-summary"),
    path("stats/yearly/", StatsYearlyView.as_view(), name="stats-yearly"),
    path("stats/awards/", StatsAwardsView.as_view(), name="stats-awards"),
    path("", include(router.urls)),
]
