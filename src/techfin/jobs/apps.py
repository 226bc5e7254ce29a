from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "techfin.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        from techfin.accounts.scoping import ScopeRule, register_scope
        from techfin.jobs.models import Job

        # A bank's officers see their bank's jobs; anyone sees the jobs they started.
        register_scope(Job, ScopeRule(bank="bank", owner="created_by"))
