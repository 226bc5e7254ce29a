from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "techfin.enterprises"
    label = "enterprises"
    verbose_name = "Enterprises"

    def ready(self) -> None:
        from techfin.accounts.scoping import ALL, ScopeRule, register_scope
        from techfin.enterprises.models import District, Enterprise

        # Districts are reference data every role may read.
        register_scope(District, ScopeRule(bank=ALL, district=ALL, enterprise=ALL, commissioner=ALL))
        # A bank sees enterprises only through its own loans (once filings exist).
        register_scope(Enterprise, ScopeRule(district="district", enterprise="id"))
