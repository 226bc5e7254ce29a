"""Forms of the filing pages: text inputs parsed by the filing template's own parsers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from techfin.filings.models import BatchKind, ErrorPolicyChoice
from techfin.filings.template import GUARANTEE, LOAN_TEMPLATE, MODE
from techfin.tabular import cells
from techfin.tabular.cells import CellError


def _choices(parser: Any, blank: bool) -> list[tuple[str, str]]:
    options = [(o.key, o.label_zh) for o in parser.options]
    return [("", "—"), *options] if blank else options


class FilingForm(forms.Form):
    """One loan, with the template's fields; values are parsed by `row_from_form`, not here."""

    def __init__(self, *args: Any, banks: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if banks is not None:
            self.fields["bank"] = forms.ModelChoiceField(banks, label=_("Bank"))
        for column in LOAN_TEMPLATE.columns:
            label = f"{column.header_zh} / {column.header_en}"
            if column.parser is GUARANTEE or column.parser is MODE:
                field: forms.Field = forms.ChoiceField(choices=_choices(column.parser, not column.required),
                                                       required=False, label=label)
            elif column.parser.kind == "boolean":
                field = forms.ChoiceField(choices=[("", "—"), ("是", "是"), ("否", "否")], required=False, label=label)
            elif column.parser.kind == "date":
                field = forms.CharField(required=False, label=label,
                                        widget=forms.DateInput(attrs={"type": "date"}))
            else:
                field = forms.CharField(required=False, label=label)
            field.help_text = column.rule_zh
            field.widget.attrs.setdefault("data-required", "1" if column.required else "0")
            self.fields[column.key] = field


class BatchUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=BatchKind.choices, initial=BatchKind.LOANS,
                             widget=forms.RadioSelect)
    file = forms.FileField(label=_("Filing file (xlsx or CSV)"))
    error_policy = forms.ChoiceField(label=_("Acceptance"), choices=ErrorPolicyChoice.choices,
                                     initial=ErrorPolicyChoice.PER_ROW, widget=forms.RadioSelect)

    def __init__(self, *args: Any, banks: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if banks is not None:
            self.fields["bank"] = forms.ModelChoiceField(banks, label=_("Bank"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".xlsx", ".xlsm", ".xls", ".csv", ".ods")):
            raise forms.ValidationError(_("Upload an xlsx, xls, ods or CSV file."))
        if upload.size > 50 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 50 MB; split it into several batches."))
        return upload


class AnomalyForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        from techfin.filings.models import Anomaly

        model = Anomaly
        fields = ["kind", "occurred_on", "description"]
        widgets = {"occurred_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "description": forms.Textarea(attrs={"rows": 3})}


class FollowUpForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        from techfin.filings.models import Anomaly

        model = Anomaly
        fields = ["status", "follow_up"]
        widgets = {"follow_up": forms.Textarea(attrs={"rows": 3})}


def _parsed(parser: Any, value: str) -> Any:
    """A cell parser of the filing template applied to a form field, its error in both languages."""
    try:
        return parser(value)
    except CellError as exc:
        raise forms.ValidationError(f"{exc.message_zh} / {exc.message_en}") from exc


class ContinuationForm(forms.Form):
    """A continuation (项目延续) request: amounts and rates typed as in the filing template."""

    new_maturity_on = forms.DateField(label=_("New maturity date"), widget=forms.DateInput(attrs={"type": "date"}))
    new_amount = forms.CharField(label=_("Renewed principal (yuan)"), max_length=30,
                                 help_text=_("at most the original loan amount"))
    new_rate = forms.CharField(label=_("New annual rate (%)"), max_length=12)
    new_contract_no = forms.CharField(label=_("New contract number"), max_length=64, required=False,
                                      help_text=_("only if the renewal has its own contract; monthly reports then use it"))

    def clean_new_amount(self) -> Any:
        return _parsed(cells.positive(cells.money), self.cleaned_data["new_amount"])

    def clean_new_rate(self) -> Any:
        return _parsed(cells.positive(cells.percent), self.cleaned_data["new_rate"])
