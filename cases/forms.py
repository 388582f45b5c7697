from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import COMMENT_MAX_LENGTH, TEXT_MAX_LENGTH, SuccessFactor, Survey
from cases.services import ALIAS_MAX_LENGTH
from outcomes.reasons import RefusalReason
from repositories.filters import PlainSelect
from taxonomy.models import Field, Region

RATING_CHOICES = [
    ("5", _("5 — very well")),
    ("4", _("4 — well")),
    ("3", _("3 — so-so")),
    ("2", _("2 — badly")),
    ("1", _("1 — very badly")),
]


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("how it went"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Rate how it went from 1 to 5."),
            "invalid_choice": _("Rate how it went from 1 to 5."),
        },
    )
    reasons = forms.MultipleChoiceField(
        label=_("reasons"),
        choices=RefusalReason.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose from the list.")},
    )
    success_factors = forms.MultipleChoiceField(
        label=_("what made it work"),
        choices=SuccessFactor.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose from the list.")},
    )
    success_note = forms.CharField(
        label=_("what made it work, in words"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    comment = forms.CharField(
        label=_("comment"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent_to_publish = forms.BooleanField(
        label=_("We agree to publish this deal as a case in the case bank"),
        required=False,
        help_text=_(
            "You can still edit the case and choose to be shown anonymously; an administrator's "
            "agreement and the CAST office's review come before it is published."
        ),
    )

    def __init__(self, *args, completed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if completed:
            self.fields["reasons"].label = _("what was difficult (optional)")
        else:
            self.fields["reasons"].label = _("why the deal did not go ahead")
            for name in ("success_factors", "success_note", "consent_to_publish"):
                del self.fields[name]


class CaseForm(forms.Form):
    title = forms.CharField(label=_("case title"), max_length=200)
    need_summary = forms.CharField(
        label=_("the need"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4})
    )
    solution_summary = forms.CharField(
        label=_("the solution"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    success_factors = forms.MultipleChoiceField(
        label=_("what made it work"),
        choices=SuccessFactor.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose from the list.")},
    )
    what_made_it_work = forms.CharField(
        label=_("what made it work, in words"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    anonymous = forms.BooleanField(label=_("Show our organization anonymously"), required=False)
    alias = forms.CharField(
        label=_("shown as"),
        required=False,
        max_length=ALIAS_MAX_LENGTH,
        help_text=_("For example 某制造企业; left empty, the kind of organization is shown."),
    )


class CaseReviewForm(forms.Form):
    note = forms.CharField(
        label=_("note to the parties (required to send back)"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SurveyForm(forms.Form):
    in_use = forms.ChoiceField(
        label=_("is the result still in use"),
        choices=Survey.InUse.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Say whether the result is still in use."),
            "invalid_choice": _("Say whether the result is still in use."),
        },
    )
    benefits = forms.CharField(
        label=_("what it brought"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    output_value = forms.DecimalField(
        label=_("new output value (10,000 yuan)"),
        required=False,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
    )
    cost_saved = forms.DecimalField(
        label=_("cost saved (10,000 yuan)"),
        required=False,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
    )
    comment = forms.CharField(
        label=_("comment"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class _FieldChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, field):
        return ("· " if field.level == 2 else "") + field.label


class _RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, region):
        return ("· " if region.level == Region.Level.CITY else "") + region.label


class CaseSearchForm(forms.Form):
    """The case bank's search: keywords, a field (covering its sub-fields) and a region (a
    province covering its cities). Unknown values are ignored, not errors."""

    q = forms.CharField(label=_("keywords"), required=False, max_length=100)
    field = _FieldChoiceField(
        Field.objects.filter(level__lte=2),
        to_field_name="code",
        required=False,
        label=_("field"),
        empty_label=_("all"),
        widget=PlainSelect,
    )
    region = _RegionChoiceField(
        Region.objects.select_related("parent").order_by("code"),
        to_field_name="code",
        required=False,
        label=_("region"),
        empty_label=_("all"),
        widget=PlainSelect,
    )
