"""Forms of the evaluation's pages. They check the shape of what was typed; what an evaluation
allows (who acts, its status, the conflict rule, the panel's minimum) the services decide, and
their errors come back on these forms' fields."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User
from evaluations import rubric
from evaluations.models import SUMMARY_MAX_LENGTH, TEXT_MAX_LENGTH, Appeal, Purpose


def _text(label, *, rows=4, required=True, max_length=TEXT_MAX_LENGTH, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
    )


class SetupForm(forms.Form):
    purpose = forms.ChoiceField(label=_("purpose"), choices=Purpose.choices)
    scope = _text(
        _("scope of the evaluation"),
        help_text=_("What is evaluated, against what, and what the report is for."),
    )


class MaterialsForm(forms.Form):
    received = forms.TypedMultipleChoiceField(
        label=_("received"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    new = forms.CharField(label=_("add a material"), required=False, max_length=200)

    def __init__(self, *args, materials, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received"].choices = [(m.pk, m.name) for m in materials]
        if not self.is_bound:
            self.initial["received"] = [m.pk for m in materials if m.received]


class MemberForm(forms.Form):
    name = forms.CharField(label=_("expert's name"), max_length=100)
    title = forms.CharField(label=_("professional title"), max_length=100, required=False)
    affiliation = forms.CharField(
        label=_("affiliation"),
        max_length=200,
        help_text=_("No expert may come from the owner's, the provider's or a deal party's."),
    )
    field = forms.CharField(label=_("field of expertise"), max_length=100, required=False)
    user = forms.ModelChoiceField(
        label=_("the expert's account (username)"),
        queryset=User.objects.filter(is_active=True),
        to_field_name="username",
        required=False,
        widget=forms.TextInput,
        help_text=_(
            "If the expert has an account on TechBridge: they then declare and score in person."
        ),
        error_messages={"invalid_choice": _("No account has this username.")},
    )
    declared_no_conflict = forms.BooleanField(
        label=_("The expert declares no conflict of interest with either party"), required=False
    )
    statement = _text(_("declaration"), rows=2, required=False, max_length=1000)


class DeclareForm(forms.Form):
    no_conflict = forms.TypedChoiceField(
        label=_("declaration"),
        coerce=lambda value: value == "yes",
        choices=[
            ("yes", _("no conflict of interest")),
            ("no", _("has a conflict of interest")),
        ],
        widget=forms.RadioSelect,
    )
    statement = _text(
        pgettext_lazy("declaration of interest", "statement"),
        rows=2,
        required=False,
        max_length=1000,
        help_text=_("Required when the expert has a conflict: describe it."),
    )


def _criterion_field(criterion):
    return forms.TypedChoiceField(
        label=criterion.label,
        coerce=int,
        choices=[("", "—")] + [(score, f"{score} · {band}") for score, band in criterion.bands],
    )


class OpinionForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for criterion in rubric.CRITERIA:
            self.fields[criterion.key] = _criterion_field(criterion)
        self.fields["comment"] = _text(_("opinion"), rows=3)


class IssueForm(forms.Form):
    conclusion = _text(_("conclusion"), rows=4)
    public_summary = _text(
        _("public summary"),
        rows=3,
        max_length=SUMMARY_MAX_LENGTH,
        help_text=_("Shown to everyone once the evaluation is final."),
    )


class AppealForm(forms.Form):
    statement = _text(
        _("grounds of the appeal"),
        help_text=_("One appeal only: give every ground and the evidence for it."),
    )


class AppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"), choices=Appeal.Decision.choices, widget=forms.RadioSelect
    )
    reasons = _text(_("reasons"), rows=3)
