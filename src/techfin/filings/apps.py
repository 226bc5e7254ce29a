from django.apps import AppConfig


class FilingsConfig(AppConfig):
    name = "techfin.filings"
    label = "filings"
    verbose_name = "Pool filings"

    def ready(self) -> None:
        from techfin.accounts.models import Role
        from techfin.accounts.scoping import ALL, ScopeRule, register_scope
        from techfin.filings.models import (
            Anomaly,
            Continuation,
            Filing,
            FilingBatch,
            PolicyRevision,
            StatusReport,
        )

        # The pool's rules are public to every role of the programme; only fund manager staff edit them.
        register_scope(PolicyRevision, ScopeRule(bank=ALL, district=ALL, enterprise=ALL, commissioner=ALL))
        # A bank sees and files its own loans; a district sees loans to its enterprises; an
        # enterprise sees its own loans.
        register_scope(Filing, ScopeRule(bank="bank", district="enterprise__district", enterprise="enterprise",
                                         editors=frozenset({Role.MANAGER, Role.BANK})))
        for model in (StatusReport, Anomaly, Continuation):
            register_scope(model, ScopeRule(bank="filing__bank", district="filing__enterprise__district",
                                            enterprise="filing__enterprise",
                                            editors=frozenset({Role.MANAGER, Role.BANK})))
        register_scope(FilingBatch, ScopeRule(bank="bank", owner="uploaded_by",
                                              editors=frozenset({Role.MANAGER, Role.BANK})))

        from techfin.filings import batches  # noqa: F401  (registers the batch job)
        from techfin.filings.status import STATUS_TEMPLATE
        from techfin.filings.template import LOAN_TEMPLATE
        from techfin.tabular.spec import register_template

        register_template(LOAN_TEMPLATE, replace=True)
        register_template(STATUS_TEMPLATE, replace=True)

        from django.utils.translation import gettext_lazy as _

        from techfin.enterprises.panels import ProfilePanel, register_profile_panel
        from techfin.filings.profile import loans_panel_context

        register_profile_panel(ProfilePanel("loans", _("Pool loans"), "filings/_profile_loans.html",
                                            loans_panel_context, order=10))
