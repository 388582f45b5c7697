"""Forms of the roadshow pages: they only shape input; the services check and save."""

from django import forms
from django.utils.translation import gettext_lazy as _

from roadshows.models import Intent, Roadshow

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _datetime(label, **kwargs):
    return forms.DateTimeField(
        label=label, widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"], **kwargs
    )


class RoadshowForm(forms.ModelForm):
    starts_at = _datetime(_("starts at"), required=False)
    ends_at = _datetime(_("ends at"), required=False)
    stream_url = forms.CharField(label=_("live-stream link"), required=False, max_length=500)

    class Meta:
        model = Roadshow
        fields = [
            "title",
            "theme",
            "field",
            "format",
            "venue",
            "starts_at",
            "ends_at",
            "stream_url",
            "is_competition",
            "pitches_close_on",
        ]
        widgets = {"theme": forms.Textarea(attrs={"rows": 3}), "pitches_close_on": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The service checks and names what is missing, in one list of errors.
        for name in ("title", "theme", "format", "pitches_close_on"):
            self.fields[name].required = False

    def _post_clean(self):
        """No model validation: roadshows.services.roadshow_save checks every field and names
        each error (the form never saves the instance)."""


class TransitionForm(forms.Form):
    action = forms.CharField()
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PitchForm(forms.Form):
    listing = forms.ModelChoiceField(
        label=_("project or achievement"), queryset=None, required=False
    )
    summary = forms.CharField(
        label=_("pitch summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, listings=None, **kwargs):
        super().__init__(*args, **kwargs)
        from repositories.models import Listing

        # Any listing id is taken, so the service refuses someone else's with its own message.
        self.fields["listing"].queryset = Listing.objects.all()
        self.own_listings = listings or []


class DecideForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SlotForm(forms.Form):
    position = forms.IntegerField(label=_("order"), required=False)
    slot_starts_at = _datetime(_("slot starts at"), required=False)
    slot_ends_at = _datetime(_("slot ends at"), required=False)


class ReplayForm(forms.Form):
    replay_url = forms.CharField(label=_("replay link"), required=False, max_length=500)


class PanelForm(forms.Form):
    username = forms.CharField(label=_("expert's user name or e-mail"), required=False)


class CriterionForm(forms.Form):
    name = forms.CharField(label=_("criterion"), required=False, max_length=200)
    weight = forms.CharField(label=_("weight"), required=False, max_length=10)


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Your question"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("answer"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MeetingForm(forms.Form):
    starts_at = _datetime(_("starts at"), required=False)
    ends_at = _datetime(_("ends at"), required=False)
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class IntentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("intent"), choices=[("", "—"), *Intent.Kind.choices], required=False
    )
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
