"""Forms parse input for the pages; writes go through the app services."""

from __future__ import annotations

from django import forms

from techfin.banks.models import Bank, Branch


class BankForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Bank
        fields = ["code", "name", "short_name", "bank_type", "joined_on", "status"]
        widgets = {"joined_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class BranchForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Branch
        fields = ["name", "district", "address", "is_tech_branch"]

    def __init__(self, *args: object, bank: Bank | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if bank is not None:
            self.instance.bank = bank
