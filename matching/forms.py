from django import forms
from django.utils.translation import gettext_lazy as _

from matching.models import AutoApproveRule, MatchAnswer


class MatchReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("approve")), ("reject", _("reject"))])
    note = forms.CharField(label=_("reason"), required=False, max_length=1000)


class MatchAnswerForm(forms.Form):
    answer = forms.ChoiceField(label=_("answer"), choices=MatchAnswer.Answer.choices)
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
