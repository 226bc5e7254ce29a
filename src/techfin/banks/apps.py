from django.apps import AppConfig


class BanksConfig(AppConfig):
    name = "techfin.banks"
    label = "banks"
    verbose_name = "Banks"

    def ready(self) -> None:
        from techfin.accounts.scoping import ALL, ScopeRule, register_scope
        from techfin.banks.models import Bank, Branch, ThirdParty

        # A bank officer sees only its own bank; the list of partner banks is open to the
        # programme's other roles.
        register_scope(Bank, ScopeRule(bank="id", district=ALL, enterprise=ALL, commissioner=ALL))
        register_scope(Branch, ScopeRule(bank="bank", district=ALL, enterprise=ALL, commissioner=ALL))
        register_scope(ThirdParty, ScopeRule(bank=ALL, district=ALL, enterprise=ALL, commissioner=ALL))
