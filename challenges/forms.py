"""Forms of the challenge pages: they only shape input; the services check and save."""

from django import forms
from django.utils.translation import gettext_lazy as _

from challenges.models import Application, ApplicationMilestone, Challenge, ChallengeIndicator

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def criteria_text(rows) -> str:
    """The criteria as the form shows them: one "name: weight" a line."""
    return "\n".join(f"{row['name']}: {row['weight']}" for row in rows)


def criteria_rows(text: str) -> list[dict]:
    """ "name: weight" lines (a full-width colon or "=" too); the service checks the rest."""
    rows = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        for separator in ("：", ":", "="):
            if separator in line:
                name, _sep, weight = line.rpartition(separator)
                break
        else:
            name, weight = line, ""
        rows.append({"name": name.strip(), "weight": weight.strip()})
    return rows


class ChallengeForm(forms.ModelForm):
    criteria = forms.CharField(
        label=_("Review criteria"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One “criterion: weight” a line; the weights sum to 100. Locked once published."
        ),
    )
    annex = forms.FileField(
        label=_("Confidential annex"),
        required=False,
        help_text=_(
            "Seen only by the vetting staff and organizations that accept the challenge's NDA."
        ),
    )

    class Meta:
        model = Challenge
        fields = [
            "title",
            "problem",
            "field",
            "hide_sponsor",
            "blind_review",
            "success_criteria",
            "trl_now",
            "trl_wanted",
            "reward_amount",
            "reward_terms",
            "ip_arrangement",
            "eligibility",
            "max_winners",
            "applications_close_on",
            "decision_by",
        ]
        widgets = {
            "applications_close_on": DATE,
            "decision_by": DATE,
            "problem": forms.Textarea(attrs={"rows": 5}),
            "success_criteria": forms.Textarea(attrs={"rows": 3}),
            "reward_terms": forms.Textarea(attrs={"rows": 3}),
            "eligibility": forms.Textarea(attrs={"rows": 3}),
        }


class AmendForm(ChallengeForm):
    """A published challenge: the same fields (the locked ones refused by the service) and
    the reason every amendment shows."""

    reason = forms.CharField(
        label=_("Reason for the amendment"), widget=forms.Textarea(attrs={"rows": 2})
    )


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = ChallengeIndicator
        fields = ["name", "current_value", "target_value", "unit", "test_method"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The service names the row and the field of what is missing (challenges.services).
        for field in self.fields.values():
            field.required = False


def formset_rows(formset) -> list[dict]:
    """The filled rows of a valid formset, in order (deleted and untouched ones left out)."""
    return [
        form.cleaned_data
        for form in formset.forms
        if form.has_changed() and not formset._should_delete_form(form)
    ]


IndicatorFormSet = forms.modelformset_factory(
    ChallengeIndicator,
    form=IndicatorForm,
    extra=2,
    max_num=20,
    validate_max=True,
    can_delete=True,
)


class TransitionForm(forms.Form):
    action = forms.CharField()
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Your question"), widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}))


class ApplicationForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = [
            "approach",
            "budget",
            "team",
            "evidence",
            "coi_declared",
            "coi_note",
            "originality_declared",
        ]
        widgets = {
            "approach": forms.Textarea(attrs={"rows": 5}),
            "team": forms.Textarea(attrs={"rows": 3}),
            "evidence": forms.Textarea(attrs={"rows": 3}),
            "coi_note": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "coi_declared": _(
                "I declare every conflict of interest with the sponsor (or that there is none)."
            ),
            "originality_declared": _(
                "I declare the approach is our own work and infringes no one's rights."
            ),
        }


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = ApplicationMilestone
        fields = ["title", "due_on", "deliverable", "covers_indicator"]
        widgets = {"due_on": DATE, "deliverable": forms.TextInput()}

    def __init__(self, *args, challenge=None, **kwargs):
        super().__init__(*args, **kwargs)
        if challenge is not None:
            self.fields["covers_indicator"].queryset = challenge.indicators.all()
        for field in self.fields.values():
            field.required = False


MilestoneFormSet = forms.modelformset_factory(
    ApplicationMilestone, form=MilestoneForm, extra=3, max_num=20, validate_max=True
)


class SeatForm(forms.Form):
    username = forms.CharField(label=_("Username on the platform"), max_length=150)
    name = forms.CharField(label=_("Name"), max_length=64, required=False)
    affiliation = forms.CharField(label=_("Affiliation"), max_length=200, required=False)


class ConflictForm(forms.Form):
    conflict = forms.TypedChoiceField(
        label=_("Conflict of interest"),
        choices=[("0", _("I have no conflict of interest")), ("1", _("I have a conflict"))],
        coerce=lambda value: value == "1",
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
