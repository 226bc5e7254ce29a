from django.apps import AppConfig


class CompensationConfig(AppConfig):
    name = "techfin.compensation"
    label = "compensation"
    verbose_name = "Risk compensation"

    def ready(self) -> None:
        from techfin.accounts.models import Role
        from techfin.accounts.scoping import ScopeRule, register_scope
        from techfin.compensation import checks
        from techfin.compensation.models import (
            Claim,
            ClaimDocument,
            ClaimRound,
            ClaimShare,
            DebtTransfer,
            Recovery,
            RecoveryShare,
            RiskAlert,
        )
        from techfin.ledger.checks import register_check

        # A bank sees its own claims (in 政担 mode too: the claim is on its loan); a district
        # official sees the claims on loans to enterprises of its district. Enterprises and
        # commissioners see none. Banks and fund manager staff write (each step checks its role).
        editors = frozenset({Role.MANAGER, Role.BANK})
        register_scope(Claim, ScopeRule(bank="bank", district="district", editors=editors))
        for model in (ClaimShare, ClaimDocument):
            register_scope(model, ScopeRule(bank="claim__bank", district="claim__district", editors=editors))
        # Recoveries and debt transfers follow their claim: the bank reports its own, a district
        # official sees those in its district.
        for model in (Recovery, DebtTransfer):
            register_scope(model, ScopeRule(bank="claim__bank", district="claim__district", editors=editors))
        register_scope(RecoveryShare, ScopeRule(bank="recovery__claim__bank", district="recovery__claim__district",
                                                editors=editors))
        # A bank sees the alerts about itself; the fund manager and the supervisor see all.
        register_scope(RiskAlert, ScopeRule(bank="bank", editors=frozenset({Role.MANAGER, Role.SUPERVISOR})))
        # Rounds hold every bank's claims: fund manager staff and supervisors only.
        register_scope(ClaimRound, ScopeRule())
        register_check(checks.NAME, checks.compensation_matches_claims, replace=True)

        from django.utils.translation import gettext_lazy as _

        from techfin.compensation.profile import claims_panel_context
        from techfin.enterprises.panels import ProfilePanel, register_profile_panel

        register_profile_panel(ProfilePanel("claims", _("Compensation claims"), "compensation/_profile_claims.html",
                                            claims_panel_context, order=20))
