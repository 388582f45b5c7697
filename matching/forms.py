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


class AutoApproveRuleForm(forms.Form):
    """A region's automatic approval, its threshold in the match percentage people see."""

    enabled = forms.BooleanField(label=_("approve automatically"), required=False)
    min_match = forms.IntegerField(
        label=_("from a match of (%)"),
        min_value=0,
        max_value=100,
        help_text=_("The match percentage shown with each proposal."),
    )

    @classmethod
    def for_rule(cls, rule, **kwargs):
        """The form showing `rule` (None: the defaults)."""
        default = AutoApproveRule._meta.get_field("min_degree").default
        initial = {
            "enabled": bool(rule and rule.enabled),
            "min_match": rule.min_degree if rule else default,
        }
        return cls(initial=initial, **kwargs)
