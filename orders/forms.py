"""Forms of the orders' pages. They check the shape of what was typed (a number, a date, a
choice from the list); what an order allows (who acts, the status, the deadlines) the services
decide, and their errors come back on these forms' fields."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue.models import OfferingStatus, ServiceCategory, ServiceOffering
from conversations.forms import MultipleFileField
from deals.forms import DateInput
from deals.models import Deal
from orders.models import (
    PRICE_MAX_DIGITS,
    TEXT_MAX_LENGTH,
    OrderMilestone,
    Quote,
    QuoteRequest,
    Voucher,
)
from orders.services import NOTE_MAX_LENGTH
from organizations.models import Organization
from repositories.models import Listing


class DateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker; it sends (and is shown back) 2026-03-31T17:00."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _price_field(label):
    # Yuan, typed freely: the form, not the browser, says what is wrong, in the page's language.
    return forms.DecimalField(
        label=label,
        max_digits=PRICE_MAX_DIGITS,
        decimal_places=2,
        min_value=0,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def buyer_organizations(actor):
    """The actor's organizations that may order: not a CAST office (they oversee)."""
    return Organization.objects.filter(pk__in=actor.organization_ids).exclude(
        kind=Organization.Kind.CAST_OFFICE
    )


class _ServesMixin:
    """Which of the buyer's listings or deals the order serves (optional)."""

    def _serves_fields(self, actor):
        own = actor.organization_ids
        self.fields["listing"] = forms.ModelChoiceField(
            label=_("listing it serves"),
            required=False,
            queryset=Listing.objects.filter(organization_id__in=own).order_by("-id"),
            empty_label=_("— none —"),
        )
        self.fields["deal"] = forms.ModelChoiceField(
            label=_("deal it serves"),
            required=False,
            queryset=Deal.objects.filter(
                Q(demand_party_id__in=own) | Q(supply_party_id__in=own)
            ).order_by("-id"),
            empty_label=_("— none —"),
        )

    def _buyer_field(self, actor):
        buyers = buyer_organizations(actor)
        self.fields["buyer"] = forms.ModelChoiceField(
            label=_("ordering organization"), queryset=buyers, empty_label=None
        )
        if buyers.count() == 1:
            self.fields["buyer"].widget = forms.HiddenInput()
            self.fields["buyer"].initial = buyers.first().pk


class OrderPlaceForm(_ServesMixin, forms.Form):
    scope = forms.CharField(
        label=_("scope of work"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the provider should do, for what, and what you will provide."),
    )
    due_on = forms.DateField(label=_("due on"), widget=DateInput())

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self._buyer_field(actor)
        self._serves_fields(actor)


class QuoteRequestForm(_ServesMixin, forms.Form):
    category = forms.ModelChoiceField(
        label=_("service category"),
        queryset=ServiceCategory.objects.all(),
        empty_label=_("— choose —"),
    )
    title = forms.CharField(label=_("what is needed"), max_length=200)
    description = forms.CharField(
        label=_("details"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5})
    )
    budget = _price_field(_("budget (yuan)"))
    wanted_by = forms.DateField(label=_("wanted by"), required=False, widget=DateInput())
    quotes_due_at = forms.DateTimeField(label=_("quotes due by"), widget=DateTimeInput())
    invited = forms.ModelMultipleChoiceField(
        label=_("invite providers"),
        required=False,
        queryset=Organization.objects.none(),
        help_text=_("Left empty, every provider offering a service of the category may quote."),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["budget"].required = False
        self._buyer_field(actor)
        self._serves_fields(actor)
        offering_providers = ServiceOffering.objects.filter(status=OfferingStatus.PUBLISHED)
        self.fields["invited"].queryset = (
            Organization.objects.filter(pk__in=offering_providers.values("provider_id"))
            .exclude(pk__in=actor.organization_ids)
            .order_by("name")
        )
        self.fields["invited"].widget.attrs.update(
            {"data-picker": "search", "data-no-results": _("No provider found.")}
        )
        self.offering_categories = {}
        for provider_id, category_id in offering_providers.values_list(
            "provider_id", "category_id"
        ):
            self.offering_categories.setdefault(provider_id, set()).add(category_id)

    def clean(self):
        data = super().clean()
        category = data.get("category")
        if category is not None:
            wrong = [
                provider.name
                for provider in data.get("invited") or []
                if category.pk not in self.offering_categories.get(provider.pk, set())
            ]
            if wrong:
                self.add_error(
                    "invited",
                    _("%(names)s offer no published service of this category.")
                    % {"names": "、".join(wrong)},
                )
        due = data.get("quotes_due_at")
        if due is not None and timezone.is_naive(due):
            data["quotes_due_at"] = timezone.make_aware(due)
        return data


class QuoteForm(forms.ModelForm):
    price = _price_field(_("price (yuan)"))

    class Meta:
        model = Quote
        fields = ["price", "lead_time_days", "note", "offering"]
        widgets = {
            "lead_time_days": forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "off"}
            ),
            "note": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, request: QuoteRequest, provider_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offering"].queryset = ServiceOffering.objects.filter(
            provider_id__in=provider_ids,
            category_id=request.category_id,
            status=OfferingStatus.PUBLISHED,
        )
        self.fields["offering"].empty_label = _("— none —")
        self.fields["offering"].required = False


class QuoteAcceptForm(forms.Form):
    due_on = forms.DateField(
        label=_("due on"),
        required=False,
        widget=DateInput(),
        help_text=_("Left empty: after the quoted lead time."),
    )


class ActionForm(forms.Form):
    """One step of the order's table. The note is required by the steps that need one (a
    delivery, a decline, a revision, a dispute): the service says so."""

    action = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("note"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    files = MultipleFileField(
        label=_("delivered files"),
        required=False,
        help_text=_("PDF, Office documents or images."),
    )


class DisputeAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("your answer"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(forms.Form):
    FOR_BUYER, FOR_PROVIDER = "decide_for_buyer", "decide_for_provider"
    action = forms.ChoiceField(
        label=_("decision"),
        choices=[
            (FOR_BUYER, _("for the buyer: the order is cancelled")),
            (FOR_PROVIDER, _("for the provider: the order is completed")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the decision.")},
    )
    note = forms.CharField(
        label=_("reasons for the decision"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("rating"),
        coerce=int,
        choices=[(n, "★" * n) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a rating from 1 to 5 stars.")},
    )
    comment = forms.CharField(
        label=_("comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- milestones ----------------------------------------------------------------------------


class MilestoneForm(forms.ModelForm):
    amount = _price_field(_("amount on acceptance (yuan)"))

    class Meta:
        model = OrderMilestone
        fields = ["title", "due_on", "amount"]
        widgets = {"due_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].required = False
        self.fields["amount"].help_text = _(
            "Optional: the part of the price that falls due when the buyer accepts it."
        )


class MilestoneDeliverForm(forms.Form):
    note = forms.CharField(
        label=_("what is delivered"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say what is delivered.")},
    )
    files = MultipleFileField(
        label=_("delivered files"),
        required=False,
        help_text=_("PDF, Office documents or images."),
    )


class MilestoneReviewForm(forms.Form):
    ACCEPT, SEND_BACK = "accept", "send_back"
    decision = forms.ChoiceField(
        choices=[(ACCEPT, _("accept")), (SEND_BACK, _("send back"))], widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("what is missing"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to send it back: say what is missing."),
    )


# --- innovation vouchers -------------------------------------------------------------------


class VoucherIssueForm(forms.Form):
    """The office picks an enterprise of its region; the service checks the region again."""

    office = forms.ModelChoiceField(
        label=_("issuing CAST office"), queryset=Organization.objects.none(), empty_label=None
    )
    holder = forms.ModelChoiceField(
        label=_("enterprise"),
        queryset=Organization.objects.none(),
        empty_label=_("— choose —"),
        error_messages={"required": _("Choose the enterprise the voucher is granted to.")},
    )
    amount = _price_field(_("amount (yuan)"))
    valid_from = forms.DateField(
        label=_("valid from"),
        required=False,
        widget=DateInput(),
        help_text=_("Left empty: today."),
    )
    valid_until = forms.DateField(label=_("valid until"), widget=DateInput())
    categories = forms.ModelMultipleChoiceField(
        label=_("service categories it pays for"),
        required=False,
        queryset=ServiceCategory.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: any service category."),
    )
    number = forms.CharField(
        label=_("voucher number"),
        required=False,
        max_length=32,
        help_text=_("The number on the office's own voucher, if it has one; else one is made."),
    )
    note = forms.CharField(
        label=_("note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, offices, holders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices
        if offices.count() == 1:
            # One office: it issues, whether or not the hidden field came back.
            self.fields["office"].widget = forms.HiddenInput()
            self.fields["office"].initial = offices.first().pk
            self.fields["office"].required = False
            self.only_office = offices.first()
        else:
            self.only_office = None
        self.fields["holder"].queryset = holders
        self.fields["holder"].widget.attrs.update(
            {"data-picker": "search", "data-no-results": _("No enterprise found.")}
        )

    def clean_office(self):
        return self.cleaned_data.get("office") or self.only_office


class VoucherRevokeForm(forms.Form):
    note = forms.CharField(
        label=_("why it is revoked"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the voucher is revoked.")},
    )


class VoucherApplyForm(forms.Form):
    """The buyer's vouchers, all of them: the service says why one cannot pay (expired, spent,
    another category) in words, not a bare "not a valid choice"."""

    voucher = forms.ModelChoiceField(
        label=_("innovation voucher"),
        queryset=Voucher.objects.none(),
        empty_label=_("— choose —"),
        error_messages={"required": _("Choose the voucher to pay with.")},
    )
    amount = _price_field(_("amount to pay with it (yuan)"))

    def __init__(self, *args, vouchers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["voucher"].queryset = vouchers
        self.fields["voucher"].label_from_instance = lambda voucher: (
            _("%(number)s · %(balance)s yuan left, until %(until)s")
            % {
                "number": voucher.number,
                "balance": f"{getattr(voucher, 'balance', voucher.amount):,.2f}",
                "until": voucher.valid_until.isoformat(),
            }
        )


class RedemptionDecisionForm(forms.Form):
    VERIFY, REJECT = "verify", "reject"
    decision = forms.ChoiceField(
        choices=[(VERIFY, _("verify")), (REJECT, _("reject"))], widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("note on the decision"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to reject: say why."),
    )
