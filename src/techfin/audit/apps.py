from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "techfin.audit"
    label = "audit"
    verbose_name = "Audit"
