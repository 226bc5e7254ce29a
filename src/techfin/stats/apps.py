from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "techfin.stats"
    label = "stats"
    verbose_name = "Statistics"

    def ready(self) -> None:
        from techfin.accounts.scoping import ScopeRule, register_scope
        from techfin.compensation.hooks import register_claim_listener
        from techfin.enterprises.hooks import register_enterprise_listener
        from techfin.filings.hooks import register_loan_listener
        from techfin.stats import claims, maintenance
        from techfin.stats.models import BankMonthCell, ClaimFact, EnterpriseSet, LoanCell, LoanFact

        # Kept exact in the transaction of every change (see maintenance and claims); new loans have
        # no claims yet, so their own path (loans_added) leaves the claim facts alone.
        register_loan_listener("stats", maintenance.loans_refresh, new_loans=maintenance.loans_added)
        register_enterprise_listener("stats", maintenance.enterprises_refresh)
        register_claim_listener("stats", claims.claims_refresh)
        # Figures are read through queries.stats_scope; these rules keep any direct read of the
        # tables scoped the same way (an enterprise set has no district: district officials read
        # the sets only through the service, which intersects them with their district).
        register_scope(LoanCell, ScopeRule(bank="bank_id", district="district_id"))
        register_scope(BankMonthCell, ScopeRule(bank="bank_id"))
        register_scope(EnterpriseSet, ScopeRule(bank="bank_id"))
        register_scope(LoanFact, ScopeRule(bank="bank_id", district="district_id"))
        register_scope(ClaimFact, ScopeRule(bank="bank_id", district="district_id"))
