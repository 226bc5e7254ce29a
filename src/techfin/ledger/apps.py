from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "techfin.ledger"
    label = "ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        from techfin.accounts.scoping import ScopeRule, register_scope
        from techfin.ledger import checks
        from techfin.ledger.models import Account, Entry, Transaction, Transfer

        # Fund manager staff and supervisors see the whole ledger (restrict lets them through).
        # A bank officer sees its bank's account and every transfer touching it; a district
        # official sees its district's pool budgets (and its district's treasury account) and
        # their transfers. Nobody edits through scope: writes go through the services only.
        nobody = frozenset[str]()
        register_scope(Account, ScopeRule(bank="bank", district="district", editors=nobody))
        register_scope(Entry, ScopeRule(bank="account__bank", district="account__district", editors=nobody))
        # A transfer touches two accounts; its entries name both, so "either side is mine" is
        # one lookup through them (restrict adds DISTINCT for the to-many join).
        register_scope(Transfer, ScopeRule(bank="entries__account__bank", district="entries__account__district",
                                           editors=nobody))
        register_scope(Transaction, ScopeRule(bank="transfers__entries__account__bank",
                                              district="transfers__entries__account__district", editors=nobody))
        checks.register_builtin_checks()
