"""Partner banks (合作银行) and their tech branches (科技支行)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BankType(models.TextChoices):
    STATE_OWNED = "state_owned", _("Large state-owned bank")  # 国有大型商业银行
    JOINT_STOCK = "joint_stock", _("Joint-stock bank")  # 股份制商业银行
    CITY_COMMERCIAL = "city_commercial", _("City commercial bank")  # 城市商业银行
    RURAL_COMMERCIAL = "rural_commercial", _("Rural commercial bank")  # 农村商业银行
    POLICY = "policy", _("Policy bank")  # 政策性银行
    PRIVATE = "private", _("Private bank")  # 民营银行
    FOREIGN = "foreign", _("Foreign bank")  # 外资银行
    OTHER = "other", _("Other")


class BankStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    EXITED = "exited", _("Exited")


class Bank(models.Model):
    """A partner bank (合作银行) of the pool."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    bank_type = models.CharField(_("type"), max_length=20, choices=BankType.choices)
    joined_on = models.DateField(_("join date"))
    status = models.CharField(
        _("status"), max_length=12, choices=BankStatus.choices, default=BankStatus.ACTIVE
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("partner bank")
        verbose_name_plural = _("partner banks")

    def __str__(self) -> str:
        return self.short_name or self.name


class Branch(models.Model):
    """A tech branch (科技支行) or sub-branch of a partner bank."""

    bank = models.ForeignKey(Bank, verbose_name=_("bank"), on_delete=models.PROTECT, related_name="branches")
    name = models.CharField(_("name"), max_length=100)
    district = models.ForeignKey(
        "enterprises.District", verbose_name=_("district"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="branches",
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_tech_branch = models.BooleanField(_("tech branch"), default=True)

    class Meta:
        ordering = ["bank__code", "name"]
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        constraints = [models.UniqueConstraint(fields=["bank", "name"], name="unique_branch_name_per_bank")]

    def __str__(self) -> str:
        return self.name


class ThirdPartyType(models.TextChoices):
    GUARANTOR = "guarantor", _("Guarantor")  # 融资担保机构
    INSURER = "insurer", _("Insurer")  # 保险机构


class ThirdParty(models.Model):
    """A third party (第三方分担机构) sharing losses with the pool: a guarantor or insurer in the
    "5+X" mode, or the claimant of the 2025 rules' 政担 mode (合作担保机构)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    party_type = models.CharField(_("type"), max_length=12, choices=ThirdPartyType.choices)
    joined_on = models.DateField(_("join date"))
    status = models.CharField(_("status"), max_length=12, choices=BankStatus.choices, default=BankStatus.ACTIVE)

    class Meta:
        ordering = ["code"]
        verbose_name = _("third party")
        verbose_name_plural = _("third parties")

    def __str__(self) -> str:
        return self.name
