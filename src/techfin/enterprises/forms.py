"""Forms parse input for the pages; validation of the values and every write are the services'.

The forms are plain `Form`s rather than `ModelForm`s so that one validation path (the
services, shared with the API and imports) decides what is accepted; `apply_errors` puts the
services' field errors back on the form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from techfin.enterprises.indicators import INDICATORS
from techfin.enterprises.models import (
    DataSource,
    District,
    Enterprise,
    ImportKind,
    ImportPolicy,
    IndicatorReport,
    IndustryTag,
    Qualification,
    QualificationKind,
    RiskEvent,
    RiskKind,
    RiskSource,
    SeiCategory,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Attach a service's `ValidationError` to the form: field errors to their fields, the rest
    (fields the form does not show) to the form as a whole."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        target = name if name in form.fields else None
        for error in errors:
            if target is None and name != NON_FIELD_ERRORS:
                form.add_error(None, ValidationError("%(field)s: %(message)s",
                                                     params={"field": name, "message": " ".join(error.messages)}))
            else:
                form.add_error(target, error)


def _initial(instance: Any, names: list[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in names}


class EnterpriseForm(forms.Form):
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=40,
                           help_text=_("18 characters, GB 32100-2015."))
    name = forms.CharField(label=_("Name"), max_length=200)
    district = forms.ModelChoiceField(label=_("District"), queryset=District.objects.filter(active=True))
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    founded_on = forms.DateField(label=_("Founding date"), required=False, widget=DATE)
    registered_capital = forms.DecimalField(label=_("Registered capital (yuan)"), required=False,
                                            max_digits=16, decimal_places=2, min_value=0)
    industry_code = forms.CharField(label=_("Industry code (GB/T 4754-2017)"), max_length=6, required=False,
                                    help_text=_("2 to 4 digits, optionally after the section letter, e.g. I6513."))
    industry_name = forms.CharField(label=_("Industry class name"), max_length=100, required=False,
                                    help_text=_("Leave blank to use the name from the reference table."))
    sei_category = forms.ChoiceField(label=_("Strategic emerging industry"), required=False,
                                     choices=[("", "—"), *SeiCategory.choices])
    industry_tags = forms.MultipleChoiceField(label=_("Guangzhou industry tags (IAB / NEM)"), required=False,
                                              choices=IndustryTag.choices, widget=forms.CheckboxSelectMultiple)
    contact_name = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)
    contact_email = forms.EmailField(label=_("Contact email"), required=False)
    listed = forms.BooleanField(label=_("Listed company"), required=False)

    @classmethod
    def for_instance(cls, enterprise: Enterprise, data: Any = None) -> EnterpriseForm:
        names = ["uscc", "name", "district", "address", "founded_on", "registered_capital", "industry_code",
                 "industry_name", "sei_category", "contact_name", "contact_phone", "contact_email", "listed"]
        initial = _initial(enterprise, names)
        initial["industry_tags"] = enterprise.industry_tags
        return cls(data, initial=initial)

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if not data.get("industry_name"):
            data.pop("industry_name", None)
        return data

    def add_service_errors(self, *, creating: bool) -> None:
        """On an invalid form, also run the services' checks on the fields the form itself
        accepted, so the user sees every problem at once (a wrong check character, say, along
        with a missing district)."""
        from techfin.enterprises.services import clean_enterprise_data

        raw = {name: self.cleaned_data.get(name, self.data.get(name)) for name in self.fields
               if name not in self.errors and (name in self.cleaned_data or name in self.data)}
        raw.pop("industry_name", None)
        try:
            clean_enterprise_data(raw, creating=False)
        except ValidationError as exc:
            for name, errors in exc.error_dict.items():
                if name in self.fields and name not in self.errors:
                    for error in errors:
                        self.add_error(name, error)

    def changed_values(self) -> dict[str, Any]:
        """Only what the user changed, so an edit does not rewrite untouched fields."""
        data = self.values()
        return {name: value for name, value in data.items() if name in self.changed_data}


class QualificationForm(forms.Form):
    kind = forms.ModelChoiceField(label=_("Kind"), queryset=QualificationKind.objects.filter(active=True))
    number = forms.CharField(label=_("Certificate or registration number"), max_length=50, required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1980, max_value=2100,
                              help_text=_("For a yearly registration (tech SME): the evaluation year."))
    issued_on = forms.DateField(label=_("Issue date"), required=False, widget=DATE)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DATE,
                                 help_text=_("Blank: the issue date."))
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=DATE,
                               help_text=_("Blank: the kind's usual validity (e.g. 3 years for high-tech)."))
    revoked_on = forms.DateField(label=_("Revoked on"), required=False, widget=DATE)
    issuer = forms.CharField(label=_("Issued by"), max_length=100, required=False)
    remarks = forms.CharField(label=_("Remarks"), max_length=300, required=False)

    NAMES = ["kind", "number", "year", "issued_on", "valid_from", "valid_to", "revoked_on", "issuer", "remarks"]

    @classmethod
    def for_instance(cls, qualification: Qualification, data: Any = None) -> QualificationForm:
        return cls(data, initial=_initial(qualification, cls.NAMES))

    def values(self, *, only_changed: bool = False) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if not only_changed:
            # Blank dates of a new record take their defaults in the service.
            return {k: v for k, v in data.items() if not (k in ("valid_from", "valid_to") and v is None)}
        return {k: v for k, v in data.items() if k in self.changed_data}


def _indicator_field(kind: str, label: Any) -> forms.Field:
    if kind == "count":
        return forms.IntegerField(label=label, required=False, min_value=0)
    if kind == "money":
        return forms.DecimalField(label=label, required=False, min_value=0, max_digits=16, decimal_places=2)
    return forms.NullBooleanField(label=label, required=False)


class IndicatorReportForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1980, max_value=2100)
    source = forms.ChoiceField(label=_("Source"), choices=DataSource.choices)
    obtained_on = forms.DateField(label=_("Obtained on"), widget=DATE)
    remarks = forms.CharField(label=_("Remarks"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for indicator in INDICATORS:
            label = IndicatorReport._meta.get_field(indicator.code).verbose_name
            if indicator.kind == "money":
                label = _("%(name)s (yuan)") % {"name": label}
            self.fields[indicator.code] = _indicator_field(indicator.kind, label)

    @classmethod
    def for_instance(cls, report: IndicatorReport, data: Any = None) -> IndicatorReportForm:
        names = ["year", "source", "obtained_on", "remarks", *(i.code for i in INDICATORS)]
        return cls(data, initial=_initial(report, names))

    def values(self, *, only_changed: bool = False) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        return {k: v for k, v in data.items() if k in self.changed_data} if only_changed else data


class RiskEventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RiskKind.choices)
    source = forms.ChoiceField(label=_("Source"), choices=RiskSource.choices)
    reference = forms.CharField(label=_("Case or decision number"), max_length=100, required=False)
    start_on = forms.DateField(label=_("Start date"), widget=DATE)
    end_on = forms.DateField(label=_("End date"), required=False, widget=DATE,
                             help_text=_("For a list: the day the enterprise was removed. Blank: still on it."))
    amount = forms.DecimalField(label=_("Amount (yuan)"), required=False, min_value=0, max_digits=16,
                                decimal_places=2)
    description = forms.CharField(label=_("Description"), max_length=500, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    NAMES = ["kind", "source", "reference", "start_on", "end_on", "amount", "description"]

    @classmethod
    def for_instance(cls, event: RiskEvent, data: Any = None) -> RiskEventForm:
        return cls(data, initial=_initial(event, cls.NAMES))

    def values(self, *, only_changed: bool = False) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        return {k: v for k, v in data.items() if k in self.changed_data} if only_changed else data


IMPORT_MAX_BYTES = 64 * 1024 * 1024


class ImportForm(forms.Form):
    """Upload of a registry file (批量导入): what it holds, the file, and what to do with bad rows."""

    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    file = forms.FileField(label=_("File (xlsx, xls, ods or CSV)"))
    error_policy = forms.ChoiceField(label=_("When a row has errors"), choices=ImportPolicy.choices,
                                     initial=ImportPolicy.PER_ROW, widget=forms.RadioSelect)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 64 MB; split it into several files."),
                                        code="file.too_large")
        return upload
