from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "techfin.accounts"
    label = "accounts"
    verbose_name = "Accounts"
