from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "techfin.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from techfin.accounts.models import Role
        from techfin.accounts.scoping import ScopeRule, register_scope
        from techfin.notifications.models import Notification

        # Everyone reads and marks their own messages; the inbox queries narrow to the recipient
        # for the all-seeing roles too (a fund manager's inbox is not the supervisor's).
        register_scope(Notification, ScopeRule(owner="recipient", editors=frozenset(Role.values)))
