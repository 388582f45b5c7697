from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """The outcome log is never changed: record a correcting event instead."""


def _reference(to, verbose_name):
    """A reference that outlives its row: the log keeps the id whatever happens to the row,
    so no database constraint and nothing done on delete."""
    return models.ForeignKey(
        to,
        verbose_name=verbose_name,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )


def _now():
    # Looked up when called, not bound at import: a demo or an import of past records that
    # sets the clock (django.utils.timezone.now) dates its events with it.
    return timezone.now()


class OutcomeEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Outcome events are append-only.")

    def delete(self):
        raise AppendOnlyError("Outcome events are append-only.")


class OutcomeEvent(models.Model):
    """One thing that happened, to whom, where and in which field."""

    class Name(models.TextChoices):
        LISTING_PUBLISHED = "listing.published", _("listing published")
        LISTING_CLOSED = "listing.closed", _("listing closed")
        MATCH_PROPOSED = "match.proposed", _("match proposed")
        MATCH_WITHDRAWN = "match.withdrawn", _("match proposal withdrawn (fell out of the top)")
        MATCH_APPROVED = "match.approved", _("match approved and pushed")
        MATCH_REJECTED = "match.rejected", _("match rejected")
        MATCH_ANSWERED = "match.answered", _("match answered")
        ORGANIZATION_VERIFIED = "organization.verified", _("organization verified")
        ORGANIZATION_REJECTED = "organization.rejected", _("organization not verified")
        CONTACT_REQUESTED = "contact.requested", _("contact requested from a listing")
        CONTACT_ACCEPTED = "contact.accepted", _("contact request accepted")
        CONTACT_DECLINED = "contact.declined", _("contact request declined")
        CONVERSATION_OPENED = "conversation.opened", _("contact made: conversation opened")
        # A deal's life (deals.transitions): entering each stage, a party's confirmation that
        # waits for the other's, the registration checked by the CAST staff, milestones.
        DEAL_OPENED = "deal.opened", _("deal opened")
        DEAL_NDA = "deal.nda", _("deal: confidentiality agreement proposed")
        DEAL_NEGOTIATION = "deal.negotiation", _("deal: negotiation")
        DEAL_CONFIRMED = "deal.confirmed", _("deal: one party confirmed")
        DEAL_SIGNED = "deal.signed", _("deal: contract signed")
        DEAL_REGISTERED = "deal.registered", _("deal: contract registration entered")
        DEAL_REGISTRATION_VERIFIED = (
            "deal.registration_verified",
            _("deal: contract registration verified"),
        )
        DEAL_REGISTRATION_REJECTED = (
            "deal.registration_rejected",
            _("deal: contract registration not verified"),
        )
        DEAL_EXECUTING = "deal.executing", _("deal: contract executing")
        DEAL_MILESTONE_DELIVERED = "deal.milestone_delivered", _("deal: milestone delivered")
        DEAL_MILESTONE_ACCEPTED = "deal.milestone_accepted", _("deal: milestone accepted")
        DEAL_MILESTONE_REJECTED = "deal.milestone_rejected", _("deal: milestone not accepted")
        DEAL_COMPLETED = "deal.completed", _("deal completed")
        DEAL_LOST = "deal.lost", _("deal lost")
        DEAL_TERMINATED = "deal.terminated", _("deal: contract terminated")
        DEAL_DORMANT = "deal.dormant", _("deal dormant")
        DEAL_RESUMED = "deal.resumed", _("deal resumed")
        # Service orders (orders.transitions) and quotes.
        QUOTE_REQUESTED = "quote.requested", _("quotes requested")
        QUOTE_SUBMITTED = "quote.submitted", _("quote submitted")
        ORDER_PLACED = "order.placed", _("service ordered")
        ORDER_ACCEPTED = "order.accepted", _("order accepted by the provider")
        ORDER_DECLINED = "order.declined", _("order declined by the provider")
        ORDER_EXPIRED = "order.expired", _("order expired unaccepted")
        ORDER_DELIVERED = "order.delivered", _("order delivered")
        ORDER_REVISION_REQUESTED = "order.revision_requested", _("order: revision requested")
        ORDER_COMPLETED = "order.completed", _("order completed")
        ORDER_LATE = "order.late", _("order late")
        ORDER_CANCEL_PROPOSED = "order.cancel_proposed", _("order: cancellation proposed")
        ORDER_CANCELLED = "order.cancelled", _("order cancelled")
        ORDER_DISPUTED = "order.disputed", _("order disputed")
        ORDER_DISPUTE_ANSWERED = "order.dispute_answered", _("order: dispute answered")
        ORDER_DISPUTE_WITHDRAWN = "order.dispute_withdrawn", _("order: dispute withdrawn")
        ORDER_DISPUTE_DECIDED = "order.dispute_decided", _("order: dispute decided")
        ORDER_REVIEWED = "order.reviewed", _("order reviewed")
        # After a deal (cases): a party's feedback, the case bank, the follow-up surveys.
        DEAL_FEEDBACK = "deal.feedback", _("deal: feedback given")
        CASE_PUBLISHED = "case.published", _("case published")
        CASE_UNPUBLISHED = "case.unpublished", _("case unpublished")
        SURVEY_ANSWERED = "survey.answered", _("follow-up survey answered")
        # The services market (catalogue).
        OFFERING_PUBLISHED = "offering.published", _("service offering published")
        # Credit (credit/): an appeal decided by the CAST staff; upheld, the event it names no
        # longer counts for the appellant (a correction is a new event, never an edit).
        CREDIT_APPEAL_UPHELD = "credit.appeal_upheld", _("credit: appeal upheld")
        CREDIT_APPEAL_DISMISSED = "credit.appeal_dismissed", _("credit: appeal dismissed")
        # Order milestones and innovation vouchers (orders).
        ORDER_MILESTONE_DELIVERED = "order.milestone_delivered", _("order: milestone delivered")
        ORDER_MILESTONE_ACCEPTED = "order.milestone_accepted", _("order: milestone accepted")
        ORDER_MILESTONE_SENT_BACK = (
            "order.milestone_sent_back",
            _("order: milestone sent back"),
        )
        VOUCHER_ISSUED = "voucher.issued", _("innovation voucher issued")
        VOUCHER_APPLIED = "voucher.applied", _("innovation voucher applied to an order")
        VOUCHER_REDEMPTION_VERIFIED = (
            "voucher.redemption_verified",
            _("innovation voucher redemption verified"),
        )
        VOUCHER_REDEMPTION_REJECTED = (
            "voucher.redemption_rejected",
            _("innovation voucher redemption rejected"),
        )
        # Achievement evaluations (evaluations).
        EVALUATION_REPORT_ISSUED = "evaluation.report_issued", _("evaluation report issued")
        EVALUATION_APPEALED = "evaluation.appealed", _("evaluation appealed")
        EVALUATION_APPEAL_DECIDED = "evaluation.appeal_decided", _("evaluation appeal decided")
        # Demand analysis (demand_analysis).
        DEMAND_ANALYSIS_SUBMITTED = "demand_analysis.submitted", _("demand analysis submitted")
        DEMAND_ANALYSIS_ACCEPTED = (
            "demand_analysis.accepted",
            _("demand analysis accepted into the need"),
        )
        # Technology managers (managers, organizations.Mandate).
        MANAGER_CERTIFICATE_VERIFIED = (
            "manager.certificate_verified",
            _("technology manager's certificate verified"),
        )
        MANDATE_GRANTED = "mandate.granted", _("mandate given to a technology manager")
        MANDATE_ENDED = "mandate.ended", _("technology manager's mandate ended")
        COMMISSION_DUE = "commission.due", _("technology manager's commission due")
        # Challenges (challenges): vetting, publication, amendments, applications.
        CHALLENGE_SUBMITTED = "challenge.submitted", _("challenge submitted for vetting")
        CHALLENGE_PUBLISHED = "challenge.published", _("challenge published")
        CHALLENGE_RETURNED = "challenge.returned", _("challenge returned by the CAST staff")
        CHALLENGE_AMENDED = "challenge.amended", _("challenge amended")
        CHALLENGE_CLOSED = "challenge.closed", _("challenge closed for applications")
        CHALLENGE_CANCELLED = "challenge.cancelled", _("challenge cancelled")
        APPLICATION_SUBMITTED = "application.submitted", _("challenge application submitted")
        APPLICATION_WITHDRAWN = "application.withdrawn", _("challenge application withdrawn")
        APPLICATION_DECLINED = "application.declined", _("challenge application declined")
        APPLICATION_AWARDED = "application.awarded", _("challenge application awarded")
        CHALLENGE_AWARDED = "challenge.awarded", _("challenge awarded")
        CHALLENGE_COSIGNED = "challenge.cosigned", _("challenge award co-signed by the CAST staff")
        CHALLENGE_COMPLETED = "challenge.completed", _("challenge completed")
        # Roadshows (roadshows): pitches, registrations, meetings, intents.
        ROADSHOW_PUBLISHED = "roadshow.published", _("roadshow published")
        ROADSHOW_PITCH_SUBMITTED = "roadshow.pitch_submitted", _("roadshow pitch submitted")
        ROADSHOW_PITCH_SELECTED = "roadshow.pitch_selected", _("roadshow pitch selected")
        ROADSHOW_PITCH_DECLINED = "roadshow.pitch_declined", _("roadshow pitch declined")
        ROADSHOW_REGISTERED = "roadshow.registered", _("registered for a roadshow")
        ROADSHOW_HELD = "roadshow.held", _("roadshow held")
        ROADSHOW_CANCELLED = "roadshow.cancelled", _("roadshow cancelled")
        ROADSHOW_MEETING_REQUESTED = (
            "roadshow.meeting_requested",
            _("roadshow: one-to-one meeting requested"),
        )
        ROADSHOW_MEETING_ACCEPTED = (
            "roadshow.meeting_accepted",
            _("roadshow: one-to-one meeting accepted"),
        )
        ROADSHOW_MEETING_DECLINED = (
            "roadshow.meeting_declined",
            _("roadshow: one-to-one meeting declined"),
        )
        ROADSHOW_MEETING_HELD = "roadshow.meeting_held", _("roadshow: one-to-one meeting held")
        ROADSHOW_INTENT_EXPRESSED = "roadshow.intent_expressed", _("roadshow: intent expressed")
        ROADSHOW_INTENT_ACCEPTED = "roadshow.intent_accepted", _("roadshow: intent accepted")
        ROADSHOW_INTENT_DECLINED = "roadshow.intent_declined", _("roadshow: intent declined")
        # Expert service teams and pilot cities (service_teams).
        MISSION_PLANNED = "mission.planned", _("service mission planned")
        MISSION_REPORTED = "mission.reported", _("service mission reported")
        MISSION_CONFIRMED = "mission.confirmed", _("service mission confirmed by the host")
        MISSION_VERIFIED = "mission.verified", _("service mission verified by the CAST office")
        MISSION_REJECTED = "mission.rejected", _("service mission not verified")
        MISSION_CANCELLED = "mission.cancelled", _("service mission cancelled")
        PILOT_ASSESSED = "pilot.assessed", _("pilot city assessed")

    name = models.CharField(_("event"), max_length=48, choices=Name.choices)
    occurred_at = models.DateTimeField(_("occurred at"), default=_now)
    # Who did it: a person, or nobody for the system (timers, the matcher).
    actor = _reference(settings.AUTH_USER_MODEL, _("actor"))
    # To whom it happened, and the other party where there is one.
    organization = _reference("organizations.Organization", _("organization"))
    counterpart = _reference("organizations.Organization", _("counterpart"))
    region = _reference("taxonomy.Region", _("region"))
    field = _reference("taxonomy.Field", _("field"))
    # What it happened to: ("listing", 42), ("match", 7) …
    subject_type = models.CharField(_("subject type"), max_length=32)
    subject_id = models.BigIntegerField(_("subject id"))
    amount = models.DecimalField(
        _("amount (10,000 yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects = OutcomeEventQuerySet.as_manager()

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("outcome event")
        verbose_name_plural = _("outcome events")
        indexes = [
            models.Index(fields=["name", "occurred_at"]),
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(fields=["region", "occurred_at"]),
            models.Index(fields=["organization", "occurred_at"]),
            # An organization's standing reads the events naming it on either side (credit).
            models.Index(fields=["counterpart", "occurred_at"]),
        ]

    def __str__(self):
        return f"{self.name} {self.subject_type}:{self.subject_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Outcome events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Outcome events are append-only.")
