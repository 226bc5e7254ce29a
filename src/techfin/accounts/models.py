"""Users and their roles.

Each user has one role; bank officers, district officials and enterprise users are bound to
the one bank, district or enterprise whose records they may see (see `accounts.scoping`).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The programme's user roles (角色)."""

    MANAGER = "manager", _("Fund manager staff")  # 受托管理机构
    SUPERVISOR = "supervisor", _("Supervisor")  # 市科技局
    DISTRICT = "district", _("District official")  # 区科技局
    BANK = "bank", _("Bank officer")  # 合作银行
    ENTERPRISE = "enterprise", _("Enterprise user")  # 科技企业
    COMMISSIONER = "commissioner", _("Commissioner")  # 科技金融特派员


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class User(AbstractUser):
    """A person who signs in (用户), with one role and, for scoped roles, what it is bound to."""

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    bank = models.ForeignKey(
        "banks.Bank", verbose_name=_("bank"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="officers",
    )
    district = models.ForeignKey(
        "enterprises.District", verbose_name=_("district"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="officials",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="users",
    )
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # A scoped role without its binding would see nothing or, worse, everything.
            models.CheckConstraint(
                condition=~Q(role="bank") | Q(bank__isnull=False), name="bank_officer_has_bank"
            ),
            models.CheckConstraint(
                condition=~Q(role="district") | Q(district__isnull=False),
                name="district_official_has_district",
            ),
            models.CheckConstraint(
                condition=~Q(role="enterprise") | Q(enterprise__isnull=False),
                name="enterprise_user_has_enterprise",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def organisation(self) -> str:
        """Who the user works for, as the top bar names it: the bank, district bureau or enterprise
        they are bound to, else their role (受托管理机构, 市科技局 …)."""
        if self.role == Role.BANK and self.bank_id:
            return str(self.bank.short_name or self.bank.name)
        if self.role == Role.DISTRICT and self.district_id:
            return f"{self.get_role_display()}（{self.district}）"
        if self.role == Role.ENTERPRISE and self.enterprise_id:
            return str(self.enterprise.name)
        return str(self.get_role_display()) if self.role else ""

    @property
    def sees_everything(self) -> bool:
        """Fund manager staff, supervisors and superusers read every record."""
        return self.is_superuser or self.role in (Role.MANAGER, Role.SUPERVISOR)
