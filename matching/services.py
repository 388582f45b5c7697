"""Writes: proposing matches for a listing, reviewing, pushing and answering them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.web import site_url
from matching.indexing import TEAM_KIND, profiles_lookup
from matching.matcher import Matcher
from matching.models import AutoApproveRule, Match, MatchAnswer, SupplyKind
from matching.permissions import (
    match_can_review,
    match_party_organization_id,
    region_can_set_auto_approval,
)
from matching.selectors import cooperation_modes_by_code
from notifications.models import Notification
from organizations.models import Organization
from organizations.selectors import Actor
from organizations.services import notify_organization
from outcomes.models import OutcomeEvent
from outcomes.services import outcome_record
from repositories.models import Listing, ListingKind
from search.backends import get_backend
from search.embedding import encoder
from taxonomy.models import CooperationMode, Region
from webhooks.services import webhook_emit

if TYPE_CHECKING:
    import numpy as np


def _list_separator() -> str:
    """The separator of listed items: a comma in English, "、" in Chinese."""
    return pgettext("list separator", ", ")


SUPPLY_KINDS = [SupplyKind.ACHIEVEMENT, SupplyKind.TALENT, SupplyKind.PROJECT, SupplyKind.TEAM]


def _hidden_for(organization_id: int, *, need_side: bool) -> set[str]:
    """Index ids the organization marked "not relevant": never proposed to it again."""
    answers = MatchAnswer.objects.filter(
        organization_id=organization_id, answer=MatchAnswer.Answer.NOT_RELEVANT
    )
    if need_side:
        return set(answers.values_list("match__supply_key", flat=True))
    return {f"need:{pk}" for pk in answers.values_list("match__need_id", flat=True)}


def _supply_fields(index_id):
    kind, _, pk = index_id.partition(":")
    if kind == TEAM_KIND:
        return {"supply_kind": SupplyKind.TEAM, "supply_team_id": int(pk), "supply_listing": None}
    return {"supply_kind": kind, "supply_listing_id": int(pk), "supply_team": None}


def _record_match_outcome(
    match: Match, name: str, *, actor=None, organization=None, counterpart=None, data=None
) -> None:
    """A match's event in the outcome log: by default it happened to the need's organization,
    with the supply's as counterpart."""
    need = match.need
    supply_organization = match.supply_organization
    outcome_record(
        name=name,
        subject_type="match",
        subject_id=match.pk,
        actor=actor,
        organization=organization or need.organization,
        counterpart=counterpart or supply_organization,
        region_id=match.region_id,
        field_id=need.field_id,
        data={
            "need": match.need_id,
            "supply": match.supply_key,
            "score": match.score,
            **(data or {}),
        },
    )


def matches_refresh(*, listing_id: int, vector: np.ndarray | None = None) -> list[Match]:
    """Propose matches for a listing: supply for a need, needs for supply. Safe to run twice:
    one row per need and supply; reviewed matches keep their review; proposals that fell out
    of the top are withdrawn. Returns the listing's matches, rejected ones aside. `vector`: the
    listing already embedded as a query (bulk runs embed many at once)."""
    listing = Listing.objects.filter(pk=listing_id).first()
    own = Q(need_id=listing_id) | Q(supply_listing_id=listing_id)
    profiles = profiles_lookup([f"{listing.kind}:{listing_id}"]) if listing else {}
    if not profiles:
        _withdraw(Match.objects.filter(own, status=Match.Status.PROPOSED))
        return []
    (profile,) = profiles.values()
    is_need = listing.kind == ListingKind.NEED
    candidates = Matcher(get_backend()).match(
        profile,
        kinds=SUPPLY_KINDS if is_need else [ListingKind.NEED],
        lookup=profiles_lookup,
        k=settings.MATCHING["top"],
        exclude_ids=_hidden_for(listing.organization_id, need_side=is_need),
        vector=vector,
    )
    if is_need:
        rows = [(listing.pk, listing.region_id, c.profile.id, c) for c in candidates]
    else:
        # Enterprises that once marked this supply "not relevant" are not offered it again.
        declined = set(
            MatchAnswer.objects.filter(
                answer=MatchAnswer.Answer.NOT_RELEVANT,
                match__supply_key=profile.id,
                organization_id__in={int(c.profile.organization) for c in candidates},
            ).values_list("organization_id", flat=True)
        )
        rows = [
            (c.profile.extra["pk"], c.profile.extra["region_id"], profile.id, c)
            for c in candidates
            if int(c.profile.organization) not in declined
        ]
    kept = []
    with transaction.atomic():
        for need_id, region_id, supply_key, candidate in rows:
            match, created = Match.objects.update_or_create(
                need_id=need_id,
                supply_key=supply_key,
                defaults={
                    **_supply_fields(supply_key),
                    "region_id": region_id,
                    "score": round(candidate.score, 6),
                    "parts": {name: round(v, 6) for name, v in candidate.parts.items()},
                    "explanation": candidate.explanation,
                    "model": encoder.model_id(),
                },
            )
            kept.append(match.pk)
            if created:
                _record_match_outcome(match, OutcomeEvent.Name.MATCH_PROPOSED)
                _auto_approve(match)
        _withdraw(
            Match.objects.filter(
                Q(need_id=listing_id) if is_need else Q(supply_listing_id=listing_id),
                status=Match.Status.PROPOSED,
            ).exclude(pk__in=kept)
        )
    return list(Match.objects.filter(own).exclude(status=Match.Status.REJECTED))


@transaction.atomic
def _withdraw(proposals: QuerySet[Match]) -> None:
    """Proposals no longer worth proposing (fallen out of the top, or the listing left the
    index) are deleted, and the log says so."""
    proposals = proposals.select_related(
        "need__organization", "supply_listing__organization", "supply_team"
    )
    for match in proposals:
        _record_match_outcome(match, OutcomeEvent.Name.MATCH_WITHDRAWN)
    proposals.delete()


def _auto_approve(match: Match) -> None:
    """Approve at once where the region's (or else its province's) rule allows it."""
    region = match.region
    rules = {
        rule.region_id: rule
        for rule in AutoApproveRule.objects.filter(
            region_id__in=[region.pk, region.province.pk], enabled=True
        )
    }
    rule = rules.get(region.pk) or rules.get(region.province.pk)
    if rule is None or match.score < rule.min_score:
        return
    organizations = [match.need.organization, match.supply_organization]
    if all(org.status == Organization.Status.VERIFIED for org in organizations):
        match.status = Match.Status.APPROVED
        match.auto_approved = True
        match.reviewed_at = timezone.now()
        match.save(update_fields=["status", "auto_approved", "reviewed_at", "updated_at"])
        _record_match_outcome(match, OutcomeEvent.Name.MATCH_APPROVED, data={"automatically": True})
        match_push(match)


def _sides_are_live(match: Match) -> bool:
    """Both sides can still be shown: listings published and not expired, a team verified."""
    live = Listing.objects.live()
    if not live.filter(pk=match.need_id).exists():
        return False
    if match.supply_team_id:
        return Organization.objects.filter(
            pk=match.supply_team_id, status=Organization.Status.VERIFIED
        ).exists()
    return live.filter(pk=match.supply_listing_id).exists()


@transaction.atomic
def match_review(*, match: Match, actor: Actor, approve: bool, note: str = "") -> Match:
    """The need region's CAST staff approve (and so push) or reject a proposed match."""
    if not match_can_review(actor=actor, match=match):
        raise PermissionDenied(_("This match is outside your region."))
    # Locked, so two reviewers deciding at once push once.
    match.status = (
        Match.objects.select_for_update().values_list("status", flat=True).get(pk=match.pk)
    )
    if match.status != Match.Status.PROPOSED:
        raise ValidationError({"status": _("This match has already been reviewed.")})
    note = note.strip()
    if not approve and not note:
        raise ValidationError({"note": _("Say why the match is rejected.")})
    if approve and not _sides_are_live(match):
        # A push carries both sides' titles: never one that no reviewer has checked.
        raise ValidationError(
            {
                "status": _(
                    "One side of this match is no longer published (closed, expired or back "
                    "in review); it cannot be pushed."
                )
            }
        )
    match.status = Match.Status.APPROVED if approve else Match.Status.REJECTED
    match.review_note = note
    match.reviewed_by = actor.user
    match.reviewed_at = timezone.now()
    match.save()
    _record_match_outcome(
        match,
        OutcomeEvent.Name.MATCH_APPROVED if approve else OutcomeEvent.Name.MATCH_REJECTED,
        actor=actor.user,
    )
    if approve:
        match_push(match)
    return match


@transaction.atomic
def match_review_bulk(
    *, matches: Iterable[Match], actor: Actor, approve: bool, note: str = ""
) -> list[Match]:
    """Approve or reject several proposals with one reason. Each goes through match_review,
    so each is checked, pushed and announced as if reviewed alone; if one fails, none is
    reviewed."""
    return [match_review(match=match, actor=actor, approve=approve, note=note) for match in matches]


def _public(listing_or_team):
    url = site_url(listing_or_team.get_absolute_url())
    if isinstance(listing_or_team, Organization):
        return {
            "kind": SupplyKind.TEAM,
            "id": listing_or_team.pk,
            "title": listing_or_team.name,
            "url": url,
            "organization": {"id": listing_or_team.pk, "name": listing_or_team.name},
        }
    return {
        "kind": listing_or_team.kind,
        "id": listing_or_team.pk,
        "title": listing_or_team.title,
        "url": url,
        "organization": {
            "id": listing_or_team.organization_id,
            "name": listing_or_team.organization.name,
        },
    }


def match_push(match: Match) -> None:
    """Tell both sides: notification centre, e-mail, and their webhooks."""
    match.pushed_at = timezone.now()
    match.save(update_fields=["pushed_at", "updated_at"])
    need, supply = match.need, match.supply
    sides = [
        (need.organization, supply, _("Proposed for your need “%(title)s”: %(other)s")),
        (match.supply_organization, need, _("An enterprise may need “%(title)s”: %(other)s")),
    ]
    for organization, other, template in sides:
        own = need if organization == need.organization else supply
        own_title = own.name if isinstance(own, Organization) else own.title
        other_title = other.name if isinstance(other, Organization) else other.title
        notify_organization(
            organization=organization,
            topic=Notification.Topic.MATCH,
            title=template % {"title": own_title, "other": other_title},
            body=_("Why: %(why)s") % {"why": explanation_text(match)},
            url=match.get_absolute_url(),
        )
        webhook_emit(
            organization=organization,
            event="match.pushed",
            payload={
                "match": {
                    "id": match.pk,
                    "score": match.score,
                    "explanation": match.explanation,
                    "pushed_at": match.pushed_at,
                    "url": site_url(match.get_absolute_url()),
                },
                "listing": _public(own),
                "counterpart": _public(other),
            },
        )


@transaction.atomic
def match_answer(
    *, match: Match, actor: Actor, answer: str, reason: str = "", comment: str = ""
) -> MatchAnswer:
    """One side answers a pushed match; the other side hears of it. Answering again replaces
    the answer."""
    organization_id = match_party_organization_id(actor=actor, match=match)
    if organization_id is None:
        raise PermissionDenied(_("Only the two sides of a match can answer it."))
    if match.status != Match.Status.APPROVED:
        raise ValidationError({"answer": _("Only approved matches can be answered.")})
    errors = {}
    if answer not in MatchAnswer.Answer.values:
        errors["answer"] = _("Choose interested, contacted or not relevant.")
    if answer == MatchAnswer.Answer.NOT_RELEVANT and reason not in MatchAnswer.Reason.values:
        errors["reason"] = _("Say why the match is not relevant.")
    if reason and reason not in MatchAnswer.Reason.values:
        errors["reason"] = _("Choose one of the listed reasons.")
    if len(comment) > 1000:
        errors["comment"] = _("Keep the comment within 1000 characters.")
    if errors:
        raise ValidationError(errors)
    if answer != MatchAnswer.Answer.NOT_RELEVANT:
        reason = ""
    result, _created = MatchAnswer.objects.update_or_create(
        match=match,
        organization_id=organization_id,
        defaults={
            "answer": answer,
            "reason": reason,
            "comment": comment.strip(),
            "answered_by": actor.user,
        },
    )
    other = (
        match.supply_organization
        if organization_id == match.need.organization_id
        else match.need.organization
    )
    answering = Organization.objects.get(pk=organization_id)
    _record_match_outcome(
        match,
        OutcomeEvent.Name.MATCH_ANSWERED,
        actor=actor.user,
        organization=answering,
        counterpart=other,
        data={"answer": result.answer, "reason": result.reason},
    )
    notify_organization(
        organization=other,
        topic=Notification.Topic.MATCH,
        title=_("%(organization)s answered a match: %(answer)s")
        % {"organization": answering.name, "answer": result.get_answer_display()},
        url=match.get_absolute_url(),
    )
    webhook_emit(
        organization=other,
        event="match.answered",
        payload={
            "match": {"id": match.pk},
            "answer": result.answer,
            "reason": result.reason,
            "answered_at": result.updated_at,
            "answered_by": {"organization": {"id": answering.pk, "name": answering.name}},
        },
    )
    return result


def auto_approve_rule_set(
    *, actor: Actor, region: Region, enabled: bool, min_score: float
) -> AutoApproveRule:
    if not region_can_set_auto_approval(actor=actor, region=region):
        raise PermissionDenied(_("This region is not yours to review."))
    if not 0 <= min_score <= 2:
        raise ValidationError({"min_score": _("The minimum score lies between 0 and 2.")})
    rule, _created = AutoApproveRule.objects.update_or_create(
        region=region,
        defaults={"enabled": enabled, "min_score": min_score, "updated_by": actor.user},
    )
    return rule


def explanation_text(match: Match, modes: dict[str, CooperationMode] | None = None) -> str:
    """The explanation in the reader's language: shared terms, field, region, modes.
    `modes`: cooperation modes by code, for pages that explain many matches."""
    explanation = match.explanation or {}
    pieces = []
    if explanation.get("terms"):
        terms = _list_separator().join(explanation["terms"])
        pieces.append(_("shared terms: %(terms)s") % {"terms": terms})
    levels = explanation.get("field_levels", 0)
    if levels == 3:
        pieces.append(_("same technical direction"))
    elif levels == 2:
        pieces.append(_("same industry"))
    elif levels == 1:
        pieces.append(_("same domain"))
    if explanation.get("region") == "city":
        pieces.append(_("same city"))
    elif explanation.get("region") == "province":
        pieces.append(_("same province"))
    if codes := explanation.get("cooperation_modes"):
        if modes is None:
            modes = cooperation_modes_by_code()
        known = sorted((modes[code] for code in codes if code in modes), key=lambda m: m.position)
        names = [mode.label for mode in known]
        pieces.append(_("both accept: %(modes)s") % {"modes": _list_separator().join(names)})
    if explanation.get("maturity"):
        pieces.append(_("maturity TRL %(level)s") % {"level": explanation["maturity"]})
    return pgettext("clause separator", "; ").join(str(p) for p in pieces) or _("similar texts")
