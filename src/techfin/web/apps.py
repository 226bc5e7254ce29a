from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "techfin.web"
    label = "web"
    verbose_name = "Web"
