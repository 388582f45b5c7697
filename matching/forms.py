from django import forms
from django.utils.translation import gettext_lazy as _

from matching.models import AutoApproveRule, MatchAnswer

DECISIONS = [("approve", _("approve")), ("reject", _("reject"))]


class MatchReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=DECISIONS)
    note = forms.CharField(label=_("reason"), required=False, max_length=1000)


class MatchBulkReviewForm(forms.Form):
    """One decision and one reason for the chosen proposals of one need."""

    matches = forms.ModelMultipleChoiceField(
        label=_("matches"),
        queryset=None,
        error_messages={
            "required": _("Choose at least one match."),
            "invalid_choice": _(
                "One of the chosen matches no longer awaits review (reviewed by someone "
                "else or withdrawn); check the list and try again."
            ),
        },
    )
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=DECISIONS,
        error_messages={"required": _("Choose approve or reject.")},
    )
    note = forms.CharField(label=_("reason"), required=False, max_length=1000)

    def __init__(self, *args, pending, **kwargs):
        """`pending`: the need's proposals the reviewer may choose from."""
        super().__init__(*args, **kwargs)
        self.fields["matches"].queryset = pending


class MatchAnswerForm(forms.Form):
    # Nothing is chosen in advance: an answer sent back unread must not become "interested".
    answer = forms.ChoiceField(
        label=_("answer"),
        choices=[("", _("— choose your answer —")), *MatchAnswer.Answer.choices],
        error_messages={"required": _("Choose interested, contacted or not relevant.")},
    )
    reason = forms.ChoiceField(
        label=_("reason"),
        choices=[("", _("— if not relevant: why? —")), *MatchAnswer.Reason.choices],
        required=False,
    )
    comment = forms.CharField(
        label=_("comment"), required=False, max_length=1000, widget=forms.Textarea({"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if data.get("answer") == MatchAnswer.Answer.NOT_RELEVANT and not data.get("reason"):
            self.add_error("reason", _("Say why the match is not relevant."))
        return data


class AutoApproveRuleForm(forms.ModelForm):
    class Meta:
        model = AutoApproveRule
        fields = ["enabled", "min_score"]
        widgets = {"min_score": forms.NumberInput({"step": "0.05", "min": "0", "max": "2"})}
