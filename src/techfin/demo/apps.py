from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "techfin.demo"
    label = "demo"
    verbose_name = "Demo data"
