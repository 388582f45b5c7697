"""REST API for contact: /api/v1/conversations/ and /api/v1/contact-requests/.

The same object permissions as the web pages (conversations.permissions): the two parties'
members, or a party's API token, read and write a conversation; the CAST staff of its region
(the need's) read it for oversight; for anyone else it does not exist (404), its messages and
attachments included. Writing (a message, a request, an answer) needs a token's `write` scope.
Contact requests are seen by the requesting organization and the listing's owner; only the
owner accepts or declines. A request that the state of things does not allow (a block, a
request already pending, one already answered) answers 409; too many requests or messages, 429.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api.base import IsPerson, ScopedViewSetMixin
from api.errors import state_conflicts
from api.matches import ReasonField
from api.schema import file_download_responses
from conversations import services
from conversations.models import (
    MESSAGE_MAX_LENGTH,
    REQUEST_MESSAGE_MAX_LENGTH,
    ContactRequest,
    Conversation,
    DeclineReason,
    Message,
    MessageAttachment,
)
from conversations.permissions import conversation_can_write
from conversations.selectors import (
    contact_request_list_visible,
    contact_request_received_q,
    conversation_counterpart_contact,
    conversation_list_with_unread,
    message_list,
)
from conversations.throttling import RateLimited
from core.ids import MAX_ID, parse_id
from core.uploads import upload_private_response
from organizations.models import Organization
from repositories.models import Listing


class OrganizationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class ListingRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField(help_text=gettext_lazy("The listing's page."))

    def get_url(self, listing) -> str:
        return listing.get_absolute_url()


class ContactSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField(read_only=True)
    organization_name = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True, help_text=gettext_lazy("The contact person."))
    phone = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True, help_text=gettext_lazy("May be empty."))


@extend_schema_field({"type": "string", "enum": Conversation.Origin.values})
class OriginField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Conversation.Origin.choices, **kwargs)


class ConversationSerializer(serializers.ModelSerializer):
    origin = OriginField(read_only=True)
    parties = serializers.SerializerMethodField()
    listing = ListingRefSerializer(read_only=True, allow_null=True)
    match = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    region = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        help_text=gettext_lazy("The region whose CAST staff oversee the conversation."),
    )
    unread = serializers.IntegerField(
        read_only=True, help_text=gettext_lazy("The other party's messages you have not read.")
    )
    counterpart_contact = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "The other party's shared contact; null unless you are one of the parties."
        )
    )

    class Meta:
        model = Conversation
        fields = [
            "id",
            "origin",
            "subject",
            "parties",
            "listing",
            "match",
            "region",
            "opened_at",
            "last_message_at",
            "unread",
            "counterpart_contact",
        ]
        read_only_fields = fields

    @extend_schema_field(OrganizationRefSerializer(many=True))
    def get_parties(self, conversation):
        return [
            {"id": party.pk, "name": party.name}
            for party in (conversation.party_a, conversation.party_b)
        ]

    @extend_schema_field(ContactSerializer(allow_null=True))
    def get_counterpart_contact(self, conversation):
        contact = conversation_counterpart_contact(
            actor=self.context["actor"], conversation=conversation
        )
        return ContactSerializer(contact).data if contact else None


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=gettext_lazy("Download it here."))

    class Meta:
        model = MessageAttachment
        fields = ["id", "name", "size", "url"]
        read_only_fields = fields

    def get_url(self, attachment) -> str:
        return reverse(
            "api:conversation-attachment",
            kwargs={"pk": attachment.message.conversation_id, "attachment_id": attachment.pk},
        )


class SenderSerializer(serializers.Serializer):
    organization = OrganizationRefSerializer(source="sender_organization", read_only=True)
    name = serializers.SerializerMethodField(help_text=gettext_lazy("The person who wrote it."))
    by_mandate = serializers.BooleanField(
        read_only=True,
        help_text=gettext_lazy(
            "Written by the organization's technology manager by mandate, not by a member."
        ),
    )

    def get_name(self, message) -> str:
        if message.sender is None:
            return ""
        return message.sender.display_name or message.sender.get_username()


class MessageSerializer(serializers.ModelSerializer):
    sender = SenderSerializer(source="*", read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = ["id", "sender", "body", "created_at", "attachments"]
        read_only_fields = fields


class SendMessageSerializer(serializers.Serializer):
    body = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=MESSAGE_MAX_LENGTH,
        trim_whitespace=True,
        help_text=gettext_lazy("The text; may be empty when files are attached."),
    )
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        max_length=services.MAX_FILES_PER_MESSAGE,
        help_text=gettext_lazy(
            "Up to 5 files (multipart/form-data): PDF, Office documents or images, checked by "
            "their content."
        ),
    )


class MarkReadSerializer(serializers.Serializer):
    upto = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text=gettext_lazy("The last message read; the latest when left out."),
    )


class BinaryRenderer(renderers.BaseRenderer):
    """A file, as it is; an error that reaches it comes as JSON."""

    media_type = "application/octet-stream"
    format = "bin"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return renderers.JSONRenderer().render(data)


def _throttled(error: RateLimited):
    return exceptions.Throttled(detail=" ".join(error.messages))


class ConversationViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Your organizations' conversations, and for the CAST staff those of their region, with
    the number of messages you have not read; the newest activity first.

    The other party's shared contact (`counterpart_contact`) is given to the parties only.
    """

    serializer_class = ConversationSerializer
    permission_classes = [IsAuthenticated]
    conflict_actions = ("send_message",)
    ordering_fields = ["last_message_at", "opened_at"]
    ordering = ["-last_message_at", "-opened_at", "-id"]

    def scope_queryset(self, actor):
        return conversation_list_with_unread(actor=actor)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "actor": self.get_actor()}

    @extend_schema(responses=MessageSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def messages(self, request, pk=None):
        """The conversation's messages, oldest first, with their attachments."""
        conversation = self.get_object()
        page = self.paginate_queryset(message_list(conversation=conversation))
        return self.get_paginated_response(MessageSerializer(page, many=True).data)

    @extend_schema(
        request={
            "multipart/form-data": SendMessageSerializer,
            "application/json": SendMessageSerializer,
        },
        responses={201: MessageSerializer},
    )
    @messages.mapping.post
    def send_message(self, request, pk=None):
        """Write to the other party (the parties only): its members are told in the
        notification centre and by e-mail, its programs by the webhook `message.created`."""
        conversation = self.get_object()
        actor = self.get_actor()
        if not conversation_can_write(actor=actor, conversation=conversation):
            raise exceptions.PermissionDenied(_("Only the two parties write in a conversation."))
        body = SendMessageSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        files = request.FILES.getlist("files") if request.FILES else []
        try:
            with state_conflicts():
                message = services.message_send(
                    actor=actor,
                    conversation=conversation,
                    body=body.validated_data["body"],
                    files=files,
                )
        except RateLimited as error:
            raise _throttled(error) from error
        message = message_list(conversation=conversation).get(pk=message.pk)
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=MarkReadSerializer,
        responses=ConversationSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="mark-read",
        permission_classes=[IsAuthenticated, IsPerson],
        filter_backends=[],
    )
    def mark_read(self, request, pk=None):
        """You (a person, signed in) have read the conversation up to a message, or to its
        end. Returns the conversation with its new unread count."""
        conversation = self.get_object()
        body = MarkReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.conversation_mark_read(
            actor=self.get_actor(), conversation=conversation, upto=body.validated_data.get("upto")
        )
        conversation = self.get_queryset().get(pk=conversation.pk)
        return Response(self.get_serializer(conversation).data)

    @extend_schema(
        parameters=[OpenApiParameter("attachment_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses=file_download_responses(gettext_lazy("The file, typed by its content.")),
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>[0-9]+)",
        url_name="attachment",
        filter_backends=[],
        pagination_class=None,
        renderer_classes=[renderers.JSONRenderer, BinaryRenderer],
    )
    def attachment(self, request, pk=None, attachment_id=None):
        """A message's attachment, for those who may read the conversation."""
        conversation = self.get_object()
        attachment_pk = parse_id(attachment_id)
        attachment = (
            MessageAttachment.objects.filter(
                pk=attachment_pk, message__conversation=conversation
            ).first()
            if attachment_pk
            else None
        )
        if attachment is None:
            raise exceptions.NotFound()
        return upload_private_response(attachment.file, filename=attachment.name)


@extend_schema_field({"type": "string", "enum": ContactRequest.Status.values})
class RequestStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=ContactRequest.Status.choices, **kwargs)


class ContactRequestSerializer(serializers.ModelSerializer):
    listing = ListingRefSerializer(read_only=True)
    organization = OrganizationRefSerializer(
        read_only=True, help_text=gettext_lazy("The organization asking for contact.")
    )
    owner = OrganizationRefSerializer(
        read_only=True, help_text=gettext_lazy("The listing's owner, who accepts or declines.")
    )
    status = RequestStatusField(read_only=True)
    decline_reason = ReasonField(read_only=True)
    conversation = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("The conversation opened when the owner accepted."),
    )

    class Meta:
        model = ContactRequest
        fields = [
            "id",
            "listing",
            "organization",
            "owner",
            "message",
            "status",
            "decline_reason",
            "decline_note",
            "created_at",
            "decided_at",
            "conversation",
        ]
        read_only_fields = fields


class CreateContactRequestSerializer(serializers.Serializer):
    listing = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text=gettext_lazy("The published listing's id.")
    )
    organization = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text=gettext_lazy(
            "Your organization that asks; the token's, or your only one, when left out."
        ),
    )
    message = serializers.CharField(max_length=REQUEST_MESSAGE_MAX_LENGTH)


@extend_schema_field(
    {"type": "string", "enum": DeclineReason.values}, component_name="ContactDeclineReasonEnum"
)
class RequiredDeclineReasonField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=DeclineReason.choices, **kwargs)


class DeclineContactRequestSerializer(serializers.Serializer):
    reason = RequiredDeclineReasonField()
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=1000)


class ContactRequestFilter(filters.FilterSet):
    box = filters.ChoiceFilter(
        choices=[("sent", gettext_lazy("sent")), ("received", gettext_lazy("received"))],
        method="filter_box",
        label=gettext_lazy("sent: your organizations' requests; received: those to them"),
    )
    status = filters.ChoiceFilter(choices=ContactRequest.Status.choices)

    class Meta:
        model = ContactRequest
        fields = ["box", "status"]

    def filter_box(self, queryset, name, value):
        actor = self.request.scoped_actor
        if value == "sent":
            return queryset.filter(organization_id__in=actor.organization_ids)
        return queryset.filter(contact_request_received_q(actor))


class ContactRequestViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Contact requests (“我要对接”) your organizations sent or received, newest first.

    Create one on a published listing of another organization; its owner accepts (a
    conversation opens and each side sees the other's contact) or declines with a reason.
    """

    serializer_class = ContactRequestSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = ContactRequestFilter
    conflict_actions = ("create", "accept", "decline")
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def scope_queryset(self, actor):
        return contact_request_list_visible(actor=actor)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        request.scoped_actor = self.get_actor()

    def _respond(self, contact_request, code=status.HTTP_200_OK):
        contact_request = self.get_queryset().get(pk=contact_request.pk)
        return Response(self.get_serializer(contact_request).data, status=code)

    @extend_schema(
        request=CreateContactRequestSerializer, responses={201: ContactRequestSerializer}
    )
    def create(self, request, *args, **kwargs):
        actor = self.get_actor()
        body = CreateContactRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        listing = Listing.objects.live().filter(pk=body.validated_data["listing"]).first()
        if listing is None:
            raise exceptions.ValidationError(
                {"listing": [_("Contact can be asked for only on a published, current listing.")]}
            )
        own = Organization.objects.filter(id__in=actor.organization_ids)
        if "organization" in body.validated_data:
            organization = own.filter(pk=body.validated_data["organization"]).first()
            if organization is None:
                raise exceptions.ValidationError(
                    {"organization": [_("Choose one of your own organizations.")]}
                )
        else:
            candidates = list(own[:2])
            if len(candidates) != 1:
                raise exceptions.ValidationError(
                    {"organization": [_("Say which of your organizations asks.")]}
                )
            organization = candidates[0]
        try:
            with state_conflicts():
                contact_request = services.contact_request_create(
                    actor=actor,
                    listing=listing,
                    organization=organization,
                    message=body.validated_data["message"],
                )
        except RateLimited as error:
            raise _throttled(error) from error
        return self._respond(contact_request, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ContactRequestSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def accept(self, request, pk=None):
        """The listing's owner accepts: a conversation opens (`conversation`)."""
        contact_request = self.get_object()
        with state_conflicts():
            services.contact_request_accept(actor=self.get_actor(), contact_request=contact_request)
        return self._respond(contact_request)

    @extend_schema(request=DeclineContactRequestSerializer, responses=ContactRequestSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def decline(self, request, pk=None):
        """The listing's owner declines with one of the shared reasons; the requester is told."""
        contact_request = self.get_object()
        body = DeclineContactRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with state_conflicts():
            services.contact_request_decline(
                actor=self.get_actor(), contact_request=contact_request, **body.validated_data
            )
        return self._respond(contact_request)
