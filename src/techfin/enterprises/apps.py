from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "techfin.enterprises"
    label = "enterprises"
    verbose_name = "Enterprises"

    def ready(self) -> None:
        from techfin.accounts.scoping import ALL, ScopeRule, register_scope
        from techfin.enterprises import importers
        from techfin.enterprises.models import (
            District,
            Enterprise,
            EnterpriseImport,
            IndicatorReport,
            Qualification,
            QualificationKind,
            RiskEvent,
        )

        # Districts and the list of qualification kinds are reference data every role may read.
        register_scope(District, ScopeRule(bank=ALL, district=ALL, enterprise=ALL, commissioner=ALL))
        register_scope(QualificationKind, ScopeRule(bank=ALL, district=ALL, enterprise=ALL, commissioner=ALL))
        # A bank sees enterprises only through its own loans (once filings exist): none for now.
        register_scope(Enterprise, ScopeRule(district="district", enterprise="id"))
        # An enterprise's profile records follow the enterprise.
        for model in (Qualification, IndicatorReport, RiskEvent):
            register_scope(model, ScopeRule(district="enterprise__district", enterprise="enterprise"))
        # Registry imports: fund manager staff (the editors) and supervisors see them all;
        # anyone else only the ones they uploaded.
        register_scope(EnterpriseImport, ScopeRule(owner="uploaded_by"))
        # Import templates (enterprises, qualifications, indicators) and the import job.
        importers.register_templates()
