"""Forms of the demand-analysis pages: the analyst's form with its rows of target indicators
and solution routes (formsets: each row's errors beside its fields), the owner's choice of
parts, the decline note and the request."""

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from deals.models import ContractType
from demand_analysis.models import (
    MAX_INDICATORS,
    MAX_ROUTES,
    NOTE_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    AnalysisPart,
    Indicator,
    SolutionRoute,
)
from organizations.models import Organization
from taxonomy.models import Maturity


class AnalysisForm(forms.Form):
    problem_statement = forms.CharField(
        label=_("problem statement"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The problem in technical terms: what must be solved, where and why now."),
    )
    sub_problems = forms.CharField(
        label=_("sub-problems"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line."),
    )
    trl_wanted = forms.TypedChoiceField(
        label=_("TRL wanted"),
        choices=[("", _("— not stated —")), *Maturity.choices],
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": _("Choose a TRL from 1 to 9.")},
        help_text=_("How mature the solution should be (GB/T 22900-2022)."),
    )
    contract_type = forms.ChoiceField(
        label=_("suggested contract type"),
        choices=[("", _("— not stated —")), *ContractType.choices],
        required=False,
        error_messages={"invalid_choice": _("Choose a contract type from the list.")},
    )

    def clean_sub_problems(self):
        return [
            line.strip() for line in self.cleaned_data["sub_problems"].splitlines() if line.strip()
        ]


def _model_label(model, name):
    return model._meta.get_field(name).verbose_name


class IndicatorForm(forms.Form):
    name = forms.CharField(
        label=_model_label(Indicator, "name"),
        max_length=100,
        error_messages={"required": _("Name the indicator.")},
    )
    target = forms.CharField(
        label=_model_label(Indicator, "target"),
        max_length=60,
        error_messages={"required": _("Give the target value.")},
        widget=forms.TextInput(attrs={"placeholder": "≥ 98"}),
    )
    unit = forms.CharField(
        label=_model_label(Indicator, "unit"),
        max_length=30,
        error_messages={"required": _("Give the unit (%, MPa, h …).")},
    )
    test_method = forms.CharField(
        label=_model_label(Indicator, "test_method"), max_length=200, required=False
    )


class RouteForm(forms.Form):
    route = forms.CharField(
        label=_model_label(SolutionRoute, "route"),
        max_length=200,
        error_messages={"required": _("Describe the route.")},
    )
    rationale = forms.CharField(
        label=_model_label(SolutionRoute, "rationale"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


IndicatorFormSet = formset_factory(
    IndicatorForm, extra=2, max_num=MAX_INDICATORS, validate_max=True, absolute_max=MAX_INDICATORS
)
RouteFormSet = formset_factory(
    RouteForm, extra=1, max_num=MAX_ROUTES, validate_max=True, absolute_max=MAX_ROUTES
)


def formset_rows(formset) -> list[dict]:
    """The filled rows of a valid formset, in order (empty extra rows are left out)."""
    return [form.cleaned_data for form in formset.forms if form.has_changed() and form.cleaned_data]


class AcceptForm(forms.Form):
    parts = forms.MultipleChoiceField(
        label=_("parts to copy into the need"),
        choices=AnalysisPart.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one part to copy into the need, or decline."),
            "invalid_choice": _("Choose from the list."),
        },
    )

    def __init__(self, *args, available=None, **kwargs):
        super().__init__(*args, **kwargs)
        if available is not None:
            self.fields["parts"].choices = [
                (value, label) for value, label in AnalysisPart.choices if value in available
            ]


class DeclineForm(forms.Form):
    note = forms.CharField(
        label=_("why (the analyst reads it)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RequestForm(forms.Form):
    STAFF = "staff"

    analyst = forms.ChoiceField(
        label=_("who analyses the need"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose who analyses the need."),
            "invalid_choice": _("Choose who analyses the need from the list."),
        },
    )
    note = forms.CharField(
        label=_("what you would like clarified"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.teams = {str(team.pk): team for team in teams}
        self.fields["analyst"].choices = [
            (self.STAFF, _("The CAST staff of the need's region (free of charge)")),
            *[
                (key, _("Expert service team: %(name)s") % {"name": team.name})
                for key, team in self.teams.items()
            ],
        ]
        self.fields["analyst"].initial = self.STAFF

    def clean_analyst(self):
        value = self.cleaned_data["analyst"]
        return None if value == self.STAFF else self.teams[value]


def service_team_choices(*, exclude_id=None):
    """Verified expert service teams an owner may invite, by name."""
    teams = Organization.objects.filter(
        kind=Organization.Kind.SERVICE_TEAM, status=Organization.Status.VERIFIED
    )
    if exclude_id is not None:
        teams = teams.exclude(pk=exclude_id)
    return teams.order_by("name_sort_key", "name")
