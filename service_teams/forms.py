"""Forms of the service team pages: they only shape input; the services check and save."""

from django import forms
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization
from service_teams.models import (
    AssessmentLevel,
    Mission,
    MissionKind,
    PilotCity,
    ServiceStation,
    TeamMember,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberForm(forms.ModelForm):
    username = forms.CharField(
        label=_("Account (user name)"),
        required=False,
        help_text=_("Leave empty for an expert without an account: give the name instead."),
    )

    class Meta:
        model = TeamMember
        fields = ["role", "name", "affiliation", "field", "expertise"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False


class StationForm(forms.ModelForm):
    class Meta:
        model = ServiceStation
        fields = ["kind", "name", "host", "region"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host"].queryset = Organization.objects.filter(
            status=Organization.Status.VERIFIED
        ).order_by("name_sort_key")


class MissionForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    kind = forms.ChoiceField(label=_("kind"), choices=MissionKind.choices)
    pilot_city = forms.ModelChoiceField(label=_("pilot city"), queryset=PilotCity.objects.all())
    starts_on = forms.DateField(label=_("starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("ends on"), widget=DATE, required=False)
    hosts = forms.ModelMultipleChoiceField(
        label=_("host enterprises"),
        queryset=Organization.objects.filter(
            kind=Organization.Kind.ENTERPRISE, status=Organization.Status.VERIFIED
        ).order_by("name_sort_key"),
        help_text=_("Verified enterprises in the pilot city."),
    )
    members = forms.ModelMultipleChoiceField(
        label=_("members going"), queryset=TeamMember.objects.none()
    )
    plan = forms.CharField(
        label=_("plan"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = TeamMember.objects.filter(team=team, active=True)


class ReportForm(forms.Form):
    summary = forms.CharField(label=_("summary"), widget=forms.Textarea(attrs={"rows": 4}))
    problems_answered = forms.CharField(label=_("problems answered"))
    evidence = forms.FileField(
        label=_("Evidence"),
        required=False,
        help_text=_("Sign-in sheets, photos, minutes: PDF, Office documents or images."),
    )

    def __init__(self, *args, mission: Mission, **kwargs):
        super().__init__(*args, **kwargs)
        self.member_rows = list(mission.member_rows.select_related("member"))
        for row in self.member_rows:
            self.fields[f"hours_{row.member_id}"] = forms.CharField(
                label=_("Service hours: %(name)s") % {"name": row.member.name},
                initial=row.hours or "",
            )
        hosts = [(row.host_id, row.host.name) for row in mission.host_rows.select_related("host")]
        for number in range(3):
            self.fields[f"need_{number}_host"] = forms.TypedChoiceField(
                label=_("Collected need %(n)d: host") % {"n": number + 1},
                choices=[("", "—"), *hosts],
                coerce=int,
                required=False,
            )
            self.fields[f"need_{number}_title"] = forms.CharField(
                label=_("title"), max_length=200, required=False
            )
            self.fields[f"need_{number}_problem"] = forms.CharField(
                label=_("technical problem"),
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
            )

    def hours(self) -> dict:
        return {
            row.member_id: self.cleaned_data.get(f"hours_{row.member_id}", "")
            for row in self.member_rows
        }

    def needs(self) -> list[dict]:
        rows = []
        for number in range(3):
            values = {
                name: self.cleaned_data.get(f"need_{number}_{name}")
                for name in ("host", "title", "problem")
            }
            if any(values.values()):
                rows.append(values)
        return rows


class TransitionForm(forms.Form):
    action = forms.CharField()
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TargetsForm(forms.Form):
    target_needs = forms.CharField(label=_("target: needs collected"))
    target_match_rate = forms.CharField(label=_("target: need matching rate (%)"))
    target_events = forms.CharField(label=_("target: events held"))
    target_projects = forms.CharField(label=_("target: cooperation projects"))


class AssessmentForm(forms.Form):
    period = forms.CharField(label=_("period"), max_length=50)
    score = forms.CharField(label=_("score"))
    level = forms.ChoiceField(label=_("level"), choices=AssessmentLevel.choices)
    findings = forms.CharField(label=_("findings"), widget=forms.Textarea(attrs={"rows": 4}))
