"""REST API for service orders: /api/v1/quote-requests/ and /api/v1/orders/ — everything a
provider does (see requests, quote, accept, deliver, answer a dispute) and everything a buyer
does (ask for quotes, order an offering, accept a quote or a delivery, dispute, review), so an
agency's own system can take orders with its organization's API token. An order's milestones
are planned, delivered and accepted under /api/v1/orders/{id}/milestones/; innovation vouchers
(创新券) are issued by a CAST office at /api/v1/vouchers/ and paid on orders at
/api/v1/voucher-redemptions/ (money is recorded, never moved).

The same object permissions as the web pages (orders.permissions, orders.selectors): the two
parties' members, or a party's API token, read an order and take the parties' steps; the CAST
staff of the buyer's region (a person, or the office's token with the `review` scope) read it
and decide its disputes; for anyone else it does not exist (404), its files included. A request
for quotes is seen by its buyer and by the providers it is open to; a provider sees only its own
quotes. Writing needs a token's `write` scope, except the staff's decisions, which need
`review`.

Every write runs through orders.services, so the API and the web refuse the same things with
the same messages: a step the status does not allow is a field error on "status" (400), one the
actor may not take 403. The programs of the parties hear of each change by webhook (order.*,
quote.*, dispute.*, voucher.redemption_decided).

A voucher is seen by the office that issued it and the enterprise that holds it; a payment with
one also by the provider of the order it pays. Issuing, revoking and deciding payments need an
office token's `review` scope.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api.base import ScopedViewSetMixin, TokenScope
from api.conversations import BinaryRenderer, OrganizationRefSerializer
from api.errors import Conflict
from api.schema import file_download_responses
from api.serializers import named_choice_field
from catalogue.models import ServiceCategory
from catalogue.selectors import offering_list_visible
from core.ids import MAX_ID, IdFilter, parse_id
from core.uploads import upload_private_response
from deals.selectors import deal_list_visible
from orders import services
from orders.models import (
    PRICE_MAX_DIGITS,
    TEXT_MAX_LENGTH,
    Delivery,
    DeliveryFile,
    Dispute,
    Order,
    OrderHistory,
    OrderMilestone,
    OrderStatus,
    Quote,
    QuoteRequest,
    Review,
    Voucher,
    VoucherRedemption,
)
from orders.selectors import (
    milestone_available_actions,
    milestone_list,
    order_available_actions,
    order_list_visible,
    order_redemptions,
    quote_list_for,
    quote_request_list_visible,
    redemption_list_visible,
    review_list_visible,
    voucher_list_visible,
)
from orders.transitions import (
    ACTION_LABELS,
    MILESTONE_ACTION_LABELS,
    TRANSITIONS,
    Action,
    MilestoneAction,
    Who,
)
from organizations.models import ApiToken, Organization
from repositories.models import Listing

# --- enums, named: "status", "decision" and "action" are taken by other resources' enums.

OrderStatusField = named_choice_field(OrderStatus.choices, "OrderStatusEnum")
OrderStatusOrBlankField = named_choice_field(
    [("", ""), *OrderStatus.choices], "OrderStatusOrBlankEnum", blank=True
)
OrderActionField = named_choice_field(
    [(action.value, ACTION_LABELS[action]) for action in Action], "OrderActionEnum"
)
QuoteRequestStatusField = named_choice_field(QuoteRequest.Status.choices, "QuoteRequestStatusEnum")
QuoteStatusField = named_choice_field(Quote.Status.choices, "QuoteStatusEnum")
DisputeDecisionField = named_choice_field(
    [("", ""), *Dispute.Decision.choices], "DisputeDecisionOrBlankEnum", blank=True
)

OrderMilestoneStatusField = named_choice_field(
    OrderMilestone.Status.choices, "OrderMilestoneStatusEnum"
)
OrderMilestoneActionField = named_choice_field(
    [(action.value, MILESTONE_ACTION_LABELS[action]) for action in MilestoneAction],
    "OrderMilestoneActionEnum",
)
VoucherStatusField = named_choice_field(Voucher.Status.choices, "VoucherStatusEnum")
RedemptionStatusField = named_choice_field(
    VoucherRedemption.Status.choices, "VoucherRedemptionStatusEnum"
)

OrderSideField = named_choice_field(
    [("buyer", gettext_lazy("buyer")), ("provider", gettext_lazy("provider"))], "OrderSideEnum"
)

# The actions only the CAST staff take: a token takes them with its `review` scope.
_STAFF_ACTIONS = frozenset(
    action for (_status, action), step in TRANSITIONS.items() if step.who == Who.STAFF
)


def _price(**kwargs):
    return serializers.DecimalField(
        max_digits=PRICE_MAX_DIGITS, decimal_places=2, min_value=0, **kwargs
    )


def _id(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _side(actor, buyer_id, provider_id):
    if buyer_id in actor.organization_ids:
        return "buyer"
    if provider_id in actor.organization_ids:
        return "provider"
    return None


# --- what is read --------------------------------------------------------------------------


class QuoteSerializer(serializers.ModelSerializer):
    request = serializers.PrimaryKeyRelatedField(read_only=True)
    provider = OrganizationRefSerializer(read_only=True)
    offering = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    status = QuoteStatusField(read_only=True)

    class Meta:
        model = Quote
        fields = [
            "id",
            "request",
            "provider",
            "offering",
            "price",
            "lead_time_days",
            "note",
            "status",
            "created_at",
        ]
        read_only_fields = fields


class QuoteRequestSerializer(serializers.ModelSerializer):
    buyer = OrganizationRefSerializer(read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    status = QuoteRequestStatusField(read_only=True)
    invited = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "The providers asked: the buyer sees them all, an invited provider itself only; "
            "empty when the request is open to every provider of the category."
        )
    )
    open_to_all = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Nobody was invited: every provider with a published offering of the category "
            "may quote."
        )
    )
    your_side = serializers.SerializerMethodField(
        help_text=gettext_lazy("buyer, or provider: one the request is open to.")
    )
    listing = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    deal = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = QuoteRequest
        fields = [
            "id",
            "title",
            "description",
            "category",
            "buyer",
            "budget",
            "wanted_by",
            "quotes_due_at",
            "status",
            "invited",
            "open_to_all",
            "your_side",
            "listing",
            "deal",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OrganizationRefSerializer(many=True))
    def get_invited(self, request):
        actor = self.context["actor"]
        invited = list(request.invited.all())
        if request.buyer_id not in actor.organization_ids:
            invited = [org for org in invited if org.pk in actor.organization_ids]
        return OrganizationRefSerializer(invited, many=True).data

    def get_open_to_all(self, request) -> bool:
        return not request.invited.all()

    @extend_schema_field(OrderSideField())
    def get_your_side(self, request):
        return "buyer" if request.buyer_id in self.context["actor"].organization_ids else "provider"


class QuoteRequestDetailSerializer(QuoteRequestSerializer):
    quotes = serializers.SerializerMethodField(
        help_text=gettext_lazy("The buyer sees every quote, a provider only its own.")
    )

    class Meta(QuoteRequestSerializer.Meta):
        fields = [*QuoteRequestSerializer.Meta.fields, "quotes"]
        read_only_fields = fields

    @extend_schema_field(QuoteSerializer(many=True))
    def get_quotes(self, request):
        quotes = quote_list_for(actor=self.context["actor"], request=request)
        return QuoteSerializer(quotes, many=True).data


class DeliveryFileSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=gettext_lazy("Download it here."))

    class Meta:
        model = DeliveryFile
        fields = ["id", "name", "size", "url"]
        read_only_fields = fields

    def get_url(self, file) -> str:
        return reverse(
            "api:order-file", kwargs={"pk": self.context["order_id"], "file_id": file.pk}
        )


class DeliverySerializer(serializers.ModelSerializer):
    files = serializers.SerializerMethodField()
    milestone = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("The milestone it delivers; null for the whole order."),
    )

    class Meta:
        model = Delivery
        fields = ["id", "milestone", "note", "files", "created_at"]
        read_only_fields = fields

    @extend_schema_field(DeliveryFileSerializer(many=True))
    def get_files(self, delivery):
        return DeliveryFileSerializer(
            delivery.files.all(), many=True, context={"order_id": delivery.order_id}
        ).data


class DisputeSerializer(serializers.ModelSerializer):
    opened_by = OrganizationRefSerializer(read_only=True)
    decision = DisputeDecisionField(read_only=True)

    class Meta:
        model = Dispute
        fields = [
            "id",
            "opened_by",
            "statement",
            "answer",
            "answer_due_on",
            "answered_at",
            "decision",
            "decision_note",
            "decided_at",
            "created_at",
        ]
        read_only_fields = fields


class OrderReviewSerializer(serializers.ModelSerializer):
    reviewer = OrganizationRefSerializer(read_only=True)
    reviewee = OrganizationRefSerializer(read_only=True)

    class Meta:
        model = Review
        fields = ["id", "reviewer", "reviewee", "rating", "comment", "created_at"]
        read_only_fields = fields


class OrderMilestoneSerializer(serializers.ModelSerializer):
    status = OrderMilestoneStatusField(read_only=True)
    available_actions = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "The milestone's steps you may take now (POST …/deliver/ or …/review/)."
        )
    )

    class Meta:
        model = OrderMilestone
        fields = [
            "id",
            "position",
            "title",
            "amount",
            "due_on",
            "status",
            "delivered_at",
            "sent_back_note",
            "accepted_at",
            "available_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=OrderMilestoneActionField()))
    def get_available_actions(self, milestone):
        actor, order = self.context.get("actor"), self.context.get("order")
        if actor is None or order is None:
            return []
        return [
            str(action)
            for action in milestone_available_actions(actor=actor, order=order, milestone=milestone)
        ]


class VoucherRefSerializer(serializers.ModelSerializer):
    issued_by = OrganizationRefSerializer(read_only=True)

    class Meta:
        model = Voucher
        fields = ["id", "number", "issued_by"]
        read_only_fields = fields


class VoucherPaymentSerializer(serializers.ModelSerializer):
    """What a voucher pays of an order."""

    voucher = VoucherRefSerializer(read_only=True)
    order = serializers.PrimaryKeyRelatedField(read_only=True)
    status = RedemptionStatusField(read_only=True)

    class Meta:
        model = VoucherRedemption
        fields = [
            "id",
            "voucher",
            "order",
            "amount",
            "status",
            "created_at",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    status = OrderStatusField(read_only=True)
    buyer = OrganizationRefSerializer(read_only=True)
    provider = OrganizationRefSerializer(read_only=True)
    your_side = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Which party you act for; null for the CAST staff who oversee the order."
        )
    )
    offering = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    quote = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    listing = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    deal = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    region = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        help_text=gettext_lazy("The buyer's region, whose CAST staff decide disputes."),
    )
    late = serializers.SerializerMethodField(
        help_text=gettext_lazy("Past its due date before it was delivered.")
    )
    url = serializers.SerializerMethodField(help_text=gettext_lazy("The order's page."))

    class Meta:
        model = Order
        fields = [
            "id",
            "title",
            "status",
            "buyer",
            "provider",
            "your_side",
            "offering",
            "quote",
            "category",
            "scope",
            "price",
            "due_on",
            "listing",
            "deal",
            "region",
            "end_note",
            "created_at",
            "accept_by",
            "accepted_at",
            "delivered_at",
            "completed_at",
            "late_since",
            "late",
            "updated_at",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(OrderSideField(allow_null=True))
    def get_your_side(self, order):
        return _side(self.context["actor"], order.buyer_id, order.provider_id)

    def get_late(self, order) -> bool:
        return order.late_since is not None or (
            order.status in (OrderStatus.IN_PROGRESS, OrderStatus.REVISION_REQUESTED)
            and order.due_on < timezone.localdate()
        )

    def get_url(self, order) -> str:
        return order.get_absolute_url()


class OrderDetailSerializer(OrderSerializer):
    deliveries = serializers.SerializerMethodField()
    disputes = serializers.SerializerMethodField(help_text=gettext_lazy("The newest first."))
    reviews = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Double-blind: the other side's review shows once both are in or the review "
            "window has closed."
        )
    )
    available_actions = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "The steps you may take now (POST …/transition/); their checks still run then."
        )
    )
    milestones = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "The work in steps, each delivered and accepted on its own; the order is delivered "
            "as a whole once each is accepted."
        )
    )
    voucher_payments = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "What innovation vouchers pay of the price, verified by the issuing CAST office "
            "(recorded, never moved)."
        )
    )

    class Meta(OrderSerializer.Meta):
        fields = [
            *OrderSerializer.Meta.fields,
            "milestones",
            "voucher_payments",
            "deliveries",
            "disputes",
            "reviews",
            "available_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(OrderMilestoneSerializer(many=True))
    def get_milestones(self, order):
        return OrderMilestoneSerializer(
            milestone_list(order=order),
            many=True,
            context={"actor": self.context["actor"], "order": order},
        ).data

    @extend_schema_field(VoucherPaymentSerializer(many=True))
    def get_voucher_payments(self, order):
        return VoucherPaymentSerializer(order_redemptions(order=order), many=True).data

    @extend_schema_field(DeliverySerializer(many=True))
    def get_deliveries(self, order):
        deliveries = Delivery.objects.filter(order=order).prefetch_related("files")
        return DeliverySerializer(deliveries, many=True).data

    @extend_schema_field(DisputeSerializer(many=True))
    def get_disputes(self, order):
        disputes = Dispute.objects.filter(order=order).select_related("opened_by")
        return DisputeSerializer(disputes, many=True).data

    @extend_schema_field(OrderReviewSerializer(many=True))
    def get_reviews(self, order):
        reviews = review_list_visible(actor=self.context["actor"], order=order)
        return OrderReviewSerializer(reviews, many=True).data

    @extend_schema_field(serializers.ListField(child=OrderActionField()))
    def get_available_actions(self, order):
        return [
            str(action)
            for action in order_available_actions(actor=self.context["actor"], order=order)
        ]


class OrderHistorySerializer(serializers.ModelSerializer):
    from_status = OrderStatusOrBlankField(read_only=True)
    to_status = OrderStatusField(read_only=True)
    organization = OrganizationRefSerializer(
        read_only=True, allow_null=True, help_text=gettext_lazy("The party that acted.")
    )
    by = serializers.SerializerMethodField(
        help_text=gettext_lazy("The person who acted; empty for the platform's timers.")
    )

    class Meta:
        model = OrderHistory
        fields = [
            "id",
            "action",
            "from_status",
            "to_status",
            "organization",
            "by",
            "note",
            "created_at",
        ]
        read_only_fields = fields

    def get_by(self, row) -> str:
        if row.user is None:
            return ""
        return row.user.display_name or row.user.get_username()


# --- what is written -----------------------------------------------------------------------

_ORGANIZATION_HELP = gettext_lazy(
    "Which of your organizations acts; needed only when you belong to several (a token acts "
    "for its own)."
)


class AskForQuotesSerializer(serializers.Serializer):
    buyer = _id(required=False, help_text=_ORGANIZATION_HELP)
    category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=ServiceCategory.objects.all(),
        help_text=gettext_lazy("The service category's code (evaluation, valuation …)."),
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    budget = _price(required=False, allow_null=True, help_text=gettext_lazy("Yuan."))
    wanted_by = serializers.DateField(required=False, allow_null=True)
    quotes_due_at = serializers.DateTimeField()
    invited = serializers.ListField(
        child=_id(),
        required=False,
        default=list,
        max_length=50,
        help_text=gettext_lazy(
            "The providers' organization ids; none: every provider with a published offering "
            "of the category may quote."
        ),
    )
    listing = _id(required=False, help_text=gettext_lazy("Your listing the work serves."))
    deal = _id(required=False, help_text=gettext_lazy("Your deal the work serves."))


class SubmitQuoteSerializer(serializers.Serializer):
    provider = _id(required=False, help_text=_ORGANIZATION_HELP)
    price = _price(help_text=gettext_lazy("Yuan."))
    lead_time_days = serializers.IntegerField(min_value=1, max_value=730)
    note = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, help_text=gettext_lazy("Your approach and terms.")
    )
    offering = _id(required=False, help_text=gettext_lazy("Your offering it is based on."))


class AcceptQuoteSerializer(serializers.Serializer):
    due_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("When the work is due; after the quoted lead time when left out."),
    )


class PlaceOrderSerializer(serializers.Serializer):
    buyer = _id(required=False, help_text=_ORGANIZATION_HELP)
    offering = _id(help_text=gettext_lazy("A published offering with a fixed price."))
    scope = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, help_text=gettext_lazy("What you need done.")
    )
    due_on = serializers.DateField()
    listing = _id(required=False, help_text=gettext_lazy("Your listing the work serves."))
    deal = _id(required=False, help_text=gettext_lazy("Your deal the work serves."))


class OrderTransitionSerializer(serializers.Serializer):
    action = OrderActionField()
    note = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=TEXT_MAX_LENGTH,
        help_text=gettext_lazy(
            "What is delivered (deliver), what is wrong (open_dispute), what to revise "
            "(request_revision), why (decline, the staff's decisions)."
        ),
    )
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        max_length=services.MAX_FILES_PER_DELIVERY,
        help_text=gettext_lazy(
            "deliver only, as multipart/form-data: PDF, Office documents or images, checked by "
            "their content."
        ),
    )


class AnswerDisputeSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class WriteOrderReviewSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)


class OrderMilestoneWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_on = serializers.DateField(help_text=gettext_lazy("By the order's due date."))
    amount = _price(
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "Yuan, due on acceptance; all the milestones' amounts stay within the order's price."
        ),
    )


class DeliverOrderMilestoneSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, help_text=gettext_lazy("What is delivered.")
    )
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        max_length=services.MAX_FILES_PER_DELIVERY,
        help_text=gettext_lazy(
            "As multipart/form-data: PDF, Office documents or images, checked by their content."
        ),
    )


class ReviewOrderMilestoneSerializer(serializers.Serializer):
    accept = serializers.BooleanField(
        help_text=gettext_lazy("false sends it back to be delivered again.")
    )
    note = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=2000,
        help_text=gettext_lazy("What is missing: required to send it back."),
    )


# --- the views -----------------------------------------------------------------------------


def _organization(actor, given, field) -> Organization:
    """The organization the actor acts for: the one given, or its only one."""
    if given is None:
        if len(actor.organization_ids) != 1:
            raise exceptions.ValidationError(
                {field: [_("You belong to several organizations: say which one acts.")]}
            )
        given = next(iter(actor.organization_ids))
    if given not in actor.organization_ids:
        raise exceptions.ValidationError({field: [_("Choose one of your organizations.")]})
    return Organization.objects.select_related("region").get(pk=given)


def _serves(actor, data) -> dict:
    """The listing and the deal the work serves, by id (the services check they are the
    buyer's)."""
    found = {}
    if data.get("listing") is not None:
        found["listing"] = Listing.objects.filter(pk=data["listing"]).first()
        if found["listing"] is None:
            raise exceptions.ValidationError(
                {"listing": [_("Choose one of your organization's listings.")]}
            )
    if data.get("deal") is not None:
        found["deal"] = deal_list_visible(actor=actor).filter(pk=data["deal"]).first()
        if found["deal"] is None:
            raise exceptions.ValidationError(
                {"deal": [_("Choose a deal your organization is a party to.")]}
            )
    return found


_PATH_IDS = {
    name: OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.PATH)
    for name in ("quote_id", "file_id", "milestone_id")
}


class QuoteRequestFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=QuoteRequest.Status.choices)
    role = filters.ChoiceFilter(
        choices=[("buyer", gettext_lazy("buyer")), ("provider", gettext_lazy("provider"))],
        method="filter_role",
        label=gettext_lazy(
            "buyer: your organization's requests; provider: those open to it from others"
        ),
    )

    class Meta:
        model = QuoteRequest
        fields = ["status", "role"]

    def filter_role(self, queryset, name, value):
        own = {"buyer_id__in": self.request.actor_ids}
        return queryset.filter(**own) if value == "buyer" else queryset.exclude(**own)


class QuoteRequestViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Requests for quotes: your organization's own and, for a provider, those it was invited
    to and the open ones of the categories it offers a published service in — never another
    provider's invitation. The newest first.

    A buyer asks chosen providers (or every provider of the category) by a deadline; each
    provider quotes once (withdraw it to quote again); the buyer accepts one quote, which
    becomes an order in progress, and the other quotes are not chosen.
    """

    serializer_class = QuoteRequestSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = QuoteRequestFilter
    conflict_actions = ("quote_withdraw",)
    ordering_fields = ["created_at", "quotes_due_at"]
    ordering = ["-created_at", "-id"]

    def scope_queryset(self, actor):
        return quote_request_list_visible(actor=actor).prefetch_related("invited")

    def get_serializer_class(self):
        return QuoteRequestSerializer if self.action == "list" else QuoteRequestDetailSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "actor": self.get_actor()}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        request.actor_ids = self.get_actor().organization_ids

    def _respond(self, quote_request, code=status.HTTP_200_OK):
        quote_request = self.scope_queryset(self.get_actor()).get(pk=quote_request.pk)
        return Response(
            QuoteRequestDetailSerializer(quote_request, context=self.get_serializer_context()).data,
            code,
        )

    def _quote(self, quote_request, quote_id) -> Quote:
        pk = parse_id(quote_id)
        quotes = quote_list_for(actor=self.get_actor(), request=quote_request)
        quote = quotes.filter(pk=pk).first() if pk else None
        if quote is None:
            raise exceptions.NotFound()
        return quote

    @extend_schema(request=AskForQuotesSerializer, responses={201: QuoteRequestDetailSerializer})
    def create(self, request, *args, **kwargs):
        """A buyer asks for quotes. The invited providers (or, when none is invited, every
        provider with a published offering of the category) are told, their programs by the
        webhook `quote.requested`."""
        actor = self.get_actor()
        body = AskForQuotesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        buyer = _organization(actor, data.get("buyer"), "buyer")
        wanted = sorted(set(data["invited"]))
        invited = list(Organization.objects.filter(pk__in=wanted))
        if len(invited) != len(wanted):
            raise exceptions.ValidationError(
                {"invited": [_("No organization has one of these ids.")]}
            )
        quote_request = services.quote_request_create(
            actor=actor,
            buyer=buyer,
            category=data["category"],
            title=data["title"],
            description=data["description"],
            quotes_due_at=data["quotes_due_at"],
            budget=data.get("budget"),
            wanted_by=data.get("wanted_by"),
            invited=invited,
            **_serves(actor, data),
        )
        return self._respond(quote_request, status.HTTP_201_CREATED)

    @extend_schema(request=SubmitQuoteSerializer, responses={201: QuoteSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def quotes(self, request, pk=None):
        """A provider the request is open to quotes, by the deadline (once: withdraw a quote to
        quote again). The buyer is told, its programs by the webhook `quote.submitted`."""
        quote_request = self.get_object()
        actor = self.get_actor()
        body = SubmitQuoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        provider = _organization(actor, data.get("provider"), "provider")
        offering = None
        if data.get("offering") is not None:
            offering = offering_list_visible(actor=actor).filter(pk=data["offering"]).first()
            if offering is None:
                raise exceptions.ValidationError(
                    {"offering": [_("Choose one of your organization's offerings.")]}
                )
        quote = services.quote_submit(
            actor=actor,
            request=quote_request,
            provider=provider,
            price=data["price"],
            lead_time_days=data["lead_time_days"],
            note=data["note"],
            offering=offering,
        )
        return Response(QuoteSerializer(quote).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[_PATH_IDS["quote_id"]], request=None, responses=QuoteSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path=r"quotes/(?P<quote_id>[0-9]+)/withdraw",
        url_name="quote-withdraw",
        filter_backends=[],
    )
    def quote_withdraw(self, request, pk=None, quote_id=None):
        """The provider withdraws its quote while the buyer has not chosen (409 once it is
        withdrawn, accepted or not chosen)."""
        quote_request = self.get_object()
        quote = self._quote(quote_request, quote_id)
        try:
            quote = services.quote_withdraw(actor=self.get_actor(), quote=quote)
        except DjangoValidationError as error:
            # No body to name a field of: the quote is no longer awaiting the buyer.
            raise Conflict(" ".join(error.messages)) from error
        return Response(QuoteSerializer(quote).data)

    @extend_schema(
        parameters=[_PATH_IDS["quote_id"]],
        request=AcceptQuoteSerializer,
        responses={201: OrderDetailSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"quotes/(?P<quote_id>[0-9]+)/accept",
        url_name="quote-accept",
        filter_backends=[],
    )
    def quote_accept(self, request, pk=None, quote_id=None):
        """The buyer accepts a quote: it becomes an order in progress (the provider committed
        to it by quoting) and the other quotes are not chosen. The provider is told, its
        programs by the webhook `quote.accepted`. Returns the order."""
        quote_request = self.get_object()
        quote = self._quote(quote_request, quote_id)
        body = AcceptQuoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actor = self.get_actor()
        order = services.quote_accept(
            actor=actor, quote=quote, due_on=body.validated_data.get("due_on")
        )
        order = order_list_visible(actor=actor).select_related("region").get(pk=order.pk)
        return Response(
            OrderDetailSerializer(order, context={"actor": actor}).data,
            status=status.HTTP_201_CREATED,
        )


class OrderFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=OrderStatus.choices)
    role = filters.ChoiceFilter(
        choices=[("buyer", gettext_lazy("buyer")), ("provider", gettext_lazy("provider"))],
        method="filter_role",
        label=gettext_lazy("buyer or provider: the orders where your organization is that side"),
    )
    late = filters.BooleanFilter(
        method="filter_late",
        label=gettext_lazy("true: the orders that are or were late (past due before delivery)"),
    )

    class Meta:
        model = Order
        fields = ["status", "role", "late"]

    def filter_role(self, queryset, name, value):
        return queryset.filter(**{f"{value}_id__in": self.request.actor_ids})

    def filter_late(self, queryset, name, value):
        late = Q(late_since__isnull=False) | Q(
            status__in=[OrderStatus.IN_PROGRESS, OrderStatus.REVISION_REQUESTED],
            due_on__lt=timezone.localdate(),
        )
        return queryset.filter(late) if value else queryset.exclude(late)


class OrderTokenScope(TokenScope):
    """As TokenScope, but a step's scope depends on the step (OrderViewSet.transition checks
    it): a party's needs `write`, the staff's `review`."""

    def has_permission(self, request, view):
        if view.action == "transition":
            return True
        return super().has_permission(request, view)


class OrderViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Service orders of your organizations (as buyer or provider) and, for the CAST staff,
    those of their region; the newest first.

    An order placed on an offering awaits the provider's acceptance, then runs in progress →
    delivered → completed (the buyer accepts the delivery, or asks for a revision); either
    side may open a dispute, which the other answers and the CAST staff of the buyer's region
    decide. `available_actions` lists the steps you may take now. Once completed, both sides
    review each other (double-blind).
    """

    serializer_class = OrderSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = OrderFilter
    conflict_actions = ("milestone_delete",)
    ordering_fields = ["created_at", "due_on", "updated_at"]
    ordering = ["-created_at", "-id"]

    def scope_queryset(self, actor):
        return order_list_visible(actor=actor).select_related("region")

    def _milestone(self, order, milestone_id) -> OrderMilestone:
        pk = parse_id(milestone_id)
        milestone = OrderMilestone.objects.filter(pk=pk, order=order).first() if pk else None
        if milestone is None:
            raise exceptions.NotFound()
        return milestone

    def _milestone_response(self, order, milestone, code=status.HTTP_200_OK):
        milestone.refresh_from_db()
        order.refresh_from_db()
        return Response(
            OrderMilestoneSerializer(
                milestone, context={"actor": self.get_actor(), "order": order}
            ).data,
            code,
        )

    def get_permissions(self):
        return [
            OrderTokenScope() if type(permission) is TokenScope else permission
            for permission in super().get_permissions()
        ]

    def get_serializer_class(self):
        return OrderSerializer if self.action == "list" else OrderDetailSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "actor": self.get_actor()}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        request.actor_ids = self.get_actor().organization_ids

    def _respond(self, order, code=status.HTTP_200_OK):
        order = self.scope_queryset(self.get_actor()).get(pk=order.pk)
        return Response(
            OrderDetailSerializer(order, context=self.get_serializer_context()).data, code
        )

    @extend_schema(request=PlaceOrderSerializer, responses={201: OrderDetailSerializer})
    def create(self, request, *args, **kwargs):
        """A buyer orders a published fixed-price offering (one priced "from" or on quote is
        asked for a quote instead). The provider accepts or declines within the acceptance
        window; it is told, its programs by the webhook `order.placed`."""
        actor = self.get_actor()
        body = PlaceOrderSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        buyer = _organization(actor, data.get("buyer"), "buyer")
        offering = offering_list_visible(actor=actor).filter(pk=data["offering"]).first()
        if offering is None:
            raise exceptions.ValidationError(
                {"offering": [_("No offering with this id is among those you may see.")]}
            )
        order = services.order_place(
            actor=actor,
            buyer=buyer,
            offering=offering,
            scope=data["scope"],
            due_on=data["due_on"],
            **_serves(actor, data),
        )
        return self._respond(order, status.HTTP_201_CREATED)

    @extend_schema(responses=OrderHistorySerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, pk=None):
        """Every step of the order, oldest first: who took it, from which status to which."""
        order = self.get_object()
        rows = OrderHistory.objects.filter(order=order).select_related("user", "organization")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(OrderHistorySerializer(page, many=True).data)

    @extend_schema(
        request={
            "application/json": OrderTransitionSerializer,
            "multipart/form-data": OrderTransitionSerializer,
        },
        responses=OrderDetailSerializer,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def transition(self, request, pk=None):
        """Take one step of the order (one of `available_actions`): a party's step needs a
        token's `write` scope, the CAST staff's (decide_for_buyer, decide_for_provider) its
        `review` scope. Deliver as multipart/form-data with the files; open_dispute with the
        statement as `note`. Cancelling by agreement waits for the other side's yes. A step the
        status does not allow is a field error on "status"; one taken by the wrong side, 403.
        The other party is told, its programs by the webhook `order.updated` (and `dispute.*`).
        Returns the order."""
        order = self.get_object()
        actor = self.get_actor()
        body = OrderTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        step = body.validated_data["action"]
        if actor.via_token:
            needed = ApiToken.Scope.REVIEW if step in _STAFF_ACTIONS else ApiToken.Scope.WRITE
            if needed not in actor.token_scopes:
                raise exceptions.PermissionDenied(
                    _("This API token may not %(what)s; create one that may.")
                    % {"what": ApiToken.Scope(needed).label}
                )
        order = services.order_transition(
            actor=actor,
            order=order,
            action=step,
            note=body.validated_data["note"],
            files=body.validated_data["files"],
        )
        return self._respond(order)

    @extend_schema(request=AnswerDisputeSerializer, responses=OrderDetailSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="dispute/answer",
        url_name="dispute-answer",
        filter_backends=[],
    )
    def dispute_answer(self, request, pk=None):
        """The side that did not open the dispute answers it, once, before the CAST staff
        decide. Both sides' programs hear of it by the webhook `dispute.answered`. Returns the
        order."""
        order = self.get_object()
        body = AnswerDisputeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dispute = Dispute.objects.filter(order=order, decision="").first()
        if dispute is None:
            raise exceptions.ValidationError(
                {"answer": [_("This order has no open dispute to answer.")]}
            )
        services.dispute_answer(
            actor=self.get_actor(), dispute=dispute, answer=body.validated_data["answer"]
        )
        return self._respond(order)

    @extend_schema(request=WriteOrderReviewSerializer, responses={201: OrderReviewSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def reviews(self, request, pk=None):
        """A party reviews the other once the order is completed, within the review window
        (once). The other side sees it when its own review is in, or the window has closed."""
        order = self.get_object()
        body = WriteOrderReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review = services.review_submit(actor=self.get_actor(), order=order, **body.validated_data)
        review = Review.objects.select_related("reviewer", "reviewee").get(pk=review.pk)
        return Response(OrderReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[_PATH_IDS["file_id"]],
        responses=file_download_responses(gettext_lazy("The file, typed by its content.")),
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"files/(?P<file_id>[0-9]+)",
        url_name="file",
        filter_backends=[],
        pagination_class=None,
        renderer_classes=[renderers.JSONRenderer, BinaryRenderer],
    )
    def file(self, request, pk=None, file_id=None):
        """A delivered file, for those who may read the order."""
        order = self.get_object()
        file_pk = parse_id(file_id)
        delivered = (
            DeliveryFile.objects.filter(pk=file_pk, delivery__order=order).first()
            if file_pk
            else None
        )
        if delivered is None:
            raise exceptions.NotFound()
        return upload_private_response(delivered.file, filename=delivered.name)

    # --- milestones --------------------------------------------------------------------------

    @extend_schema(request=OrderMilestoneWriteSerializer, responses={201: OrderMilestoneSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def milestones(self, request, pk=None):
        """Add a milestone to the plan (either party, while the order awaits acceptance or is
        in progress and none is delivered yet). The amounts stay within the order's price, each
        milestone is due by the order's date. The other side's programs hear of it by the
        webhook `order.milestone_updated`."""
        order = self.get_object()
        body = OrderMilestoneWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        milestone = services.milestone_save(
            actor=self.get_actor(), order=order, **body.validated_data
        )
        return self._milestone_response(order, milestone, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[_PATH_IDS["milestone_id"]],
        request=OrderMilestoneWriteSerializer,
        responses=OrderMilestoneSerializer,
    )
    @action(
        detail=True,
        methods=["put"],
        url_path=r"milestones/(?P<milestone_id>[0-9]+)",
        url_name="milestone",
        filter_backends=[],
    )
    def milestone(self, request, pk=None, milestone_id=None):
        """Change a milestone of the plan (the parties, before any is delivered)."""
        return self._save_milestone(request, milestone_id, partial=False)

    @extend_schema(
        parameters=[_PATH_IDS["milestone_id"]],
        request=OrderMilestoneWriteSerializer,
        responses=OrderMilestoneSerializer,
    )
    @milestone.mapping.patch
    def milestone_partial(self, request, pk=None, milestone_id=None):
        """Change some of a milestone's fields (the parties, before any is delivered)."""
        return self._save_milestone(request, milestone_id, partial=True)

    def _save_milestone(self, request, milestone_id, *, partial):
        order = self.get_object()
        milestone = self._milestone(order, milestone_id)
        body = OrderMilestoneWriteSerializer(data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        milestone = services.milestone_save(
            actor=self.get_actor(), order=order, milestone=milestone, **body.validated_data
        )
        return self._milestone_response(order, milestone)

    @extend_schema(
        parameters=[_PATH_IDS["milestone_id"]],
        request=None,
        responses={204: OpenApiResponse(description=gettext_lazy("Deleted."))},
    )
    @milestone.mapping.delete
    def milestone_delete(self, request, pk=None, milestone_id=None):
        """Remove a milestone from the plan (the parties; 409 once one is delivered or the
        order is past its work)."""
        order = self.get_object()
        milestone = self._milestone(order, milestone_id)
        try:
            services.milestone_delete(actor=self.get_actor(), milestone=milestone)
        except DjangoValidationError as error:
            raise Conflict(" ".join(error.messages)) from error
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[_PATH_IDS["milestone_id"]],
        request={
            "application/json": DeliverOrderMilestoneSerializer,
            "multipart/form-data": DeliverOrderMilestoneSerializer,
        },
        responses=OrderMilestoneSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"milestones/(?P<milestone_id>[0-9]+)/deliver",
        url_name="milestone-deliver",
        filter_backends=[],
    )
    def milestone_deliver(self, request, pk=None, milestone_id=None):
        """The provider delivers a milestone (to be delivered, or sent back) while the order is
        in progress, with a note and files. The buyer is told, its programs by the webhook
        `order.milestone_updated`. A step out of turn is a field error on "status"; one taken
        by the buyer, 403."""
        order = self.get_object()
        milestone = self._milestone(order, milestone_id)
        body = DeliverOrderMilestoneSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        milestone = services.milestone_step(
            actor=self.get_actor(),
            milestone=milestone,
            action=MilestoneAction.DELIVER,
            note=body.validated_data["note"],
            files=body.validated_data["files"],
        )
        return self._milestone_response(order, milestone)

    @extend_schema(
        parameters=[_PATH_IDS["milestone_id"]],
        request=ReviewOrderMilestoneSerializer,
        responses=OrderMilestoneSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"milestones/(?P<milestone_id>[0-9]+)/review",
        url_name="milestone-review",
        filter_backends=[],
    )
    def milestone_review(self, request, pk=None, milestone_id=None):
        """The buyer accepts a delivered milestone, or sends it back saying what is missing.
        The provider is told, its programs by the webhook `order.milestone_updated`."""
        order = self.get_object()
        milestone = self._milestone(order, milestone_id)
        body = ReviewOrderMilestoneSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        accept = body.validated_data["accept"]
        milestone = services.milestone_step(
            actor=self.get_actor(),
            milestone=milestone,
            action=MilestoneAction.ACCEPT if accept else MilestoneAction.SEND_BACK,
            note=body.validated_data["note"],
        )
        return self._milestone_response(order, milestone)


# --- innovation vouchers -------------------------------------------------------------------


class VoucherSerializer(serializers.ModelSerializer):
    issued_by = OrganizationRefSerializer(read_only=True)
    holder = OrganizationRefSerializer(read_only=True)
    status = VoucherStatusField(read_only=True)
    balance = serializers.DecimalField(
        max_digits=PRICE_MAX_DIGITS,
        decimal_places=2,
        read_only=True,
        help_text=gettext_lazy(
            "Yuan left: the amount less what pending and verified payments hold."
        ),
    )
    expired = serializers.SerializerMethodField(help_text=gettext_lazy("Past its last valid day."))
    categories = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        read_only=True,
        help_text=gettext_lazy("The service categories it pays for; empty: any."),
    )
    url = serializers.SerializerMethodField(help_text=gettext_lazy("The voucher's page."))

    class Meta:
        model = Voucher
        fields = [
            "id",
            "number",
            "issued_by",
            "holder",
            "amount",
            "balance",
            "valid_from",
            "valid_until",
            "expired",
            "categories",
            "status",
            "note",
            "revoked_at",
            "revoke_note",
            "created_at",
            "url",
        ]
        read_only_fields = fields

    def get_expired(self, voucher) -> bool:
        return voucher.is_expired()

    def get_url(self, voucher) -> str:
        return voucher.get_absolute_url()


class RedemptionSerializer(VoucherPaymentSerializer):
    order_title = serializers.CharField(source="order.title", read_only=True)
    buyer = OrganizationRefSerializer(source="order.buyer", read_only=True)
    provider = OrganizationRefSerializer(source="order.provider", read_only=True)
    order_status = OrderStatusField(source="order.status", read_only=True)

    class Meta(VoucherPaymentSerializer.Meta):
        fields = [
            *VoucherPaymentSerializer.Meta.fields,
            "order_title",
            "order_status",
            "buyer",
            "provider",
        ]
        read_only_fields = fields


class IssueVoucherSerializer(serializers.Serializer):
    office = _id(required=False, help_text=_ORGANIZATION_HELP)
    holder = _id(help_text=gettext_lazy("The enterprise's organization id."))
    amount = _price(help_text=gettext_lazy("Yuan."))
    valid_from = serializers.DateField(
        required=False, allow_null=True, help_text=gettext_lazy("Today when left out.")
    )
    valid_until = serializers.DateField()
    categories = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        required=False,
        queryset=ServiceCategory.objects.all(),
        help_text=gettext_lazy("The service categories' codes it pays for; none: any."),
    )
    number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text=gettext_lazy("The office's own number; one is made up when left out."),
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RevokeVoucherSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, help_text=gettext_lazy("Why it is revoked."))


class ApplyVoucherSerializer(serializers.Serializer):
    order = _id(help_text=gettext_lazy("Your organization's order (as the buyer)."))
    voucher = _id(help_text=gettext_lazy("A voucher your organization holds."))
    amount = _price(help_text=gettext_lazy("Yuan of the order's price the voucher pays."))


class DecideRedemptionSerializer(serializers.Serializer):
    verify = serializers.BooleanField(
        help_text=gettext_lazy(
            "true verifies the payment (once the order is completed); false rejects it and "
            "the amount returns to the voucher."
        )
    )
    note = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=2000,
        help_text=gettext_lazy("Why: required to reject."),
    )


class VoucherFilter(filters.FilterSet):
    role = filters.ChoiceFilter(
        choices=[("issued", gettext_lazy("issued")), ("held", gettext_lazy("held"))],
        method="filter_role",
        label=gettext_lazy("issued: by your office; held: by your organization"),
    )
    status = filters.ChoiceFilter(choices=Voucher.Status.choices)

    class Meta:
        model = Voucher
        fields = ["role", "status"]

    def filter_role(self, queryset, name, value):
        field = "issued_by_id__in" if value == "issued" else "holder_id__in"
        return queryset.filter(**{field: self.request.actor_ids})


class VoucherViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Innovation vouchers (创新券) your CAST office issued or your enterprise holds, with what
    is left of each; the newest first.

    A verified CAST office grants an enterprise of its region (or a city below it) an amount it
    pays service orders with (POST /api/v1/voucher-redemptions/); the office verifies each
    payment once the order is completed. Money is recorded, never moved.
    """

    serializer_class = VoucherSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = VoucherFilter
    conflict_actions = ("revoke",)
    token_scope_by_action = {"create": ApiToken.Scope.REVIEW, "revoke": ApiToken.Scope.REVIEW}
    ordering_fields = ["created_at", "valid_until"]
    ordering = ["-created_at", "-id"]

    def scope_queryset(self, actor):
        return voucher_list_visible(actor=actor).prefetch_related("categories")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        request.actor_ids = self.get_actor().organization_ids

    def _respond(self, voucher, code=status.HTTP_200_OK):
        voucher = self.scope_queryset(self.get_actor()).get(pk=voucher.pk)
        return Response(VoucherSerializer(voucher).data, code)

    @extend_schema(request=IssueVoucherSerializer, responses={201: VoucherSerializer})
    def create(self, request, *args, **kwargs):
        """The office issues a voucher to a verified enterprise of its region (a token needs
        the `review` scope). The enterprise is told."""
        actor = self.get_actor()
        body = IssueVoucherSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        office = _organization(actor, data.pop("office", None), "office")
        holder = Organization.objects.filter(pk=data.pop("holder")).first()
        if holder is None:
            raise exceptions.ValidationError({"holder": [_("No organization has this id.")]})
        voucher = services.voucher_issue(
            actor=actor,
            office=office,
            holder=holder,
            categories=data.pop("categories", []),
            **data,
        )
        return self._respond(voucher, status.HTTP_201_CREATED)

    @extend_schema(request=RevokeVoucherSerializer, responses=VoucherSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def revoke(self, request, pk=None):
        """The issuing office revokes the voucher: it pays nothing more (409 if revoked
        already). Payments already applied are still verified or rejected."""
        voucher = self.get_object()
        body = RevokeVoucherSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            voucher = services.voucher_revoke(
                actor=self.get_actor(), voucher=voucher, note=body.validated_data["note"]
            )
        except DjangoValidationError as error:
            if "note" in getattr(error, "error_dict", {}):
                raise
            raise Conflict(" ".join(error.messages)) from error
        return self._respond(voucher)


class RedemptionFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=VoucherRedemption.Status.choices)
    voucher = IdFilter(field_name="voucher_id", label=gettext_lazy("voucher id"))
    order = IdFilter(field_name="order_id", label=gettext_lazy("order id"))

    class Meta:
        model = VoucherRedemption
        fields = ["status", "voucher", "order"]


class VoucherRedemptionViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Payments with innovation vouchers: on the vouchers your office issued or your
    enterprise holds, and on the orders your organization provides; the newest first.

    The buyer pays part of its open order with a voucher it holds (within the voucher's balance
    and the order's price); the issuing office verifies the payment once the order is completed
    or rejects it, and the amount returns to the voucher. Both parties' programs hear of the
    decision by the webhook `voucher.redemption_decided`.
    """

    serializer_class = RedemptionSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = RedemptionFilter
    token_scope_by_action = {"decide": ApiToken.Scope.REVIEW}
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def scope_queryset(self, actor):
        return redemption_list_visible(actor=actor)

    def _respond(self, redemption, code=status.HTTP_200_OK):
        redemption = self.scope_queryset(self.get_actor()).get(pk=redemption.pk)
        return Response(RedemptionSerializer(redemption).data, code)

    @extend_schema(request=ApplyVoucherSerializer, responses={201: RedemptionSerializer})
    def create(self, request, *args, **kwargs):
        """The buyer pays part of its order with a voucher it holds. Refused with a field
        error: an amount above the voucher's balance or the rest of the order's price, an
        expired or revoked voucher, one of another category, a closed order."""
        actor = self.get_actor()
        body = ApplyVoucherSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        order = order_list_visible(actor=actor).filter(pk=data["order"]).first()
        if order is None:
            raise exceptions.ValidationError(
                {"order": [_("No order with this id is among those you may see.")]}
            )
        voucher = voucher_list_visible(actor=actor).filter(pk=data["voucher"]).first()
        if voucher is None:
            raise exceptions.ValidationError(
                {"voucher": [_("No voucher with this id is among those you may see.")]}
            )
        redemption = services.voucher_apply(
            actor=actor, order=order, voucher=voucher, amount=data["amount"]
        )
        return self._respond(redemption, status.HTTP_201_CREATED)

    @extend_schema(request=DecideRedemptionSerializer, responses=RedemptionSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def decide(self, request, pk=None):
        """The issuing office verifies the payment (once the order is completed) or rejects it
        with its reasons (a token needs the `review` scope). Deciding twice is a field error on
        "status"."""
        redemption = self.get_object()
        body = DecideRedemptionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        redemption = services.redemption_decide(
            actor=self.get_actor(), redemption=redemption, **body.validated_data
        )
        return self._respond(redemption)
