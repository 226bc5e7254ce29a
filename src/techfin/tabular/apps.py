from django.apps import AppConfig


class TabularConfig(AppConfig):
    """Spreadsheets in and out: templates, parsing, error reports and exports."""

    name = "techfin.tabular"
    label = "tabular"
    verbose_name = "Spreadsheets"
