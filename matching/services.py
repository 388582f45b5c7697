"""Writes: proposing matches for a listing, reviewing, pushing and answering them."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from core.web import site_url
from matching import training
from matching.indexing import TEAM_KIND, profiles_lookup
from matching.matcher import Matcher
from matching.models import AutoApproveRule, Match, MatchAnswer, RankerModel, SupplyKind
from matching.permissions import (
    match_can_review,
    match_party_organization_id,
    region_can_set_auto_approval,
)
from matching.ranker import active_ranker
from matching.selectors import explanation_names
from notifications.models import Notification
from organizations.models import Organization
from organizations.selectors import Actor
from organizations.services import notify_organization
from outcomes.models import OutcomeEvent
from outcomes.services import outcome_record
from repositories.models import Listing, ListingKind
from search.backends import get_backend
from search.embedding import encoder
from taxonomy.models import Region
from webhooks.services import webhook_emit

logger = logging.getLogger(__name__)

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


def matches_refresh(
    *, listing_id: int, vectors: tuple[np.ndarray, np.ndarray] | None = None
) -> list[Match]:
    """Propose matches for a listing: supply for a need, needs for supply. Safe to run twice:
    one row per need and supply; reviewed matches keep their review; proposals that fell out
    of the top are withdrawn. Returns the listing's matches, rejected ones aside. `vectors`: the
    listing's text and title already embedded as queries (bulk runs embed many at once)."""
    listing = Listing.objects.filter(pk=listing_id).first()
    own = Q(need_id=listing_id) | Q(supply_listing_id=listing_id)
    profiles = profiles_lookup([f"{listing.kind}:{listing_id}"]) if listing else {}
    if not profiles:
        _withdraw(Match.objects.filter(own, status=Match.Status.PROPOSED))
        return []
    (profile,) = profiles.values()
    is_need = listing.kind == ListingKind.NEED
    ranker = active_ranker()
    vector, title_vector = vectors or (None, None)
    candidates = Matcher(get_backend(), ranker=ranker).match(
        profile,
        kinds=SUPPLY_KINDS if is_need else [ListingKind.NEED],
        lookup=profiles_lookup,
        k=settings.MATCHING["top"],
        exclude_ids=_hidden_for(listing.organization_id, need_side=is_need),
        vector=vector,
        title_vector=title_vector,
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
                    "degree": candidate.degree,
                    "ranker_version": ranker.version,
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
    if rule is None or match.degree < rule.min_degree:
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
        (need.organization, supply, gettext_lazy("Proposed for your need “%(title)s”: %(other)s")),
        (
            match.supply_organization,
            need,
            gettext_lazy("An enterprise may need “%(title)s”: %(other)s"),
        ),
    ]
    for organization, other, template in sides:
        own = need if organization == need.organization else supply
        own_title = own.name if isinstance(own, Organization) else own.title
        other_title = other.name if isinstance(other, Organization) else other.title
        notify_organization(
            organization=organization,
            topic=Notification.Topic.MATCH,
            title=lambda other_title=other_title, own_title=own_title, template=template: (
                template % {"title": own_title, "other": other_title}
            ),
            body=lambda: _("Why: %(why)s") % {"why": explanation_text(match)},
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
        title=lambda: (
            _("%(organization)s answered a match: %(answer)s")
            % {"organization": answering.name, "answer": result.get_answer_display()}
        ),
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
    *, actor: Actor, region: Region, enabled: bool, min_degree: int
) -> AutoApproveRule:
    if not region_can_set_auto_approval(actor=actor, region=region):
        raise PermissionDenied(_("This region is not yours to review."))
    if not 0 <= min_degree <= 100:
        raise ValidationError({"min_degree": _("The lowest match degree lies between 0 and 100.")})
    rule, _created = AutoApproveRule.objects.update_or_create(
        region=region,
        defaults={"enabled": enabled, "min_degree": min_degree, "updated_by": actor.user},
    )
    return rule


def _decision_label(match: Match) -> int | None:
    """1 if people found the match relevant, 0 if not, None if undecided. A party's answer
    outweighs the review: it knows its own need best."""
    answers = {answer.answer for answer in match.answers.all()}
    if MatchAnswer.Answer.NOT_RELEVANT in answers:
        return 0
    if answers & {MatchAnswer.Answer.INTERESTED, MatchAnswer.Answer.CONTACTED}:
        return 1
    if match.status == Match.Status.APPROVED and not match.auto_approved:
        return 1
    if match.status == Match.Status.REJECTED:
        return 0
    return None


def decisions_training_set() -> training.TrainingSet:
    """Every decided match whose stored signals hold all of training.ALL_FEATURES, labelled
    by _decision_label and grouped by need."""
    matches = Match.objects.exclude(status=Match.Status.PROPOSED).prefetch_related("answers")
    candidates, grades = {}, {}
    for match in matches.order_by("pk").iterator(chunk_size=2000):
        label = _decision_label(match)
        if label is None or not all(name in match.parts for name in training.ALL_FEATURES):
            continue
        candidates.setdefault(match.need_id, []).append((match.supply_key, match.parts))
        grades.setdefault(match.need_id, {})[match.supply_key] = label
    return training.training_set(candidates, grades)


def _decided_since(moment) -> int:
    decided = Q(reviewed_at__gt=moment) | Q(answers__updated_at__gt=moment)
    return Match.objects.exclude(status=Match.Status.PROPOSED).filter(decided).distinct().count()


@transaction.atomic
def ranker_retrain() -> RankerModel | None:
    """Fit a new ranker model on the decisions, over every signal, if there are
    MATCHING["retrain_min_decisions"] and MATCHING["retrain_min_new_decisions"] came since the
    last fit. A quarter of the needs is held back; the new model becomes active only if it
    beats the active one there (training.compare). Either way the attempt is kept, with both
    models' figures; run again without new decisions, it does nothing."""
    options = settings.MATCHING
    # One retraining at a time: the last version's row is the lock.
    last = RankerModel.objects.select_for_update().order_by("-version").first()
    new_decisions = _decided_since(last.trained_at) if last else None
    data = decisions_training_set()
    if len(data.labels) < options["retrain_min_decisions"] or (
        last and new_decisions < options["retrain_min_new_decisions"]
    ):
        logger.info("ranker: %s decisions, %s new: no retraining", len(data.labels), new_decisions)
        return None
    fitting, held = training.split_by_demand(data)
    if len(set(fitting.labels.tolist())) < 2 or len(set(held.labels.tolist())) < 2:
        logger.info("ranker: the decisions hold one answer only: no retraining")
        return None
    model = training.fit(fitting, training.ALL_FEATURES)
    better, figures = training.compare(model, active_ranker().model_for("default"), held)
    if better:
        RankerModel.objects.filter(active=True).update(active=False)
    return RankerModel.objects.create(
        version=(last.version if last else 0) + 1,
        coefficients={"default": model.as_dict()},
        metrics={
            "held_back": figures,
            "fitted_on": len(fitting.labels),
            "held_back_pairs": len(held.labels),
            "needs": len(set(data.groups.tolist())),
        },
        decisions=len(data.labels),
        active=better,
    )


def explanation_reasons(match: Match, names: dict | None = None) -> list[str]:
    """Why the match was proposed, one sentence per reason, in the reader's language: the
    rare key terms both use, the field they share, region, cooperation modes and maturity.
    `names`: modes and fields by code (selectors.explanation_names), for pages of matches."""
    explanation = match.explanation or {}
    if names is None:
        names = explanation_names()
    separator = _list_separator()
    reasons = []
    if explanation.get("terms"):
        reasons.append(
            _("Both speak of %(terms)s") % {"terms": separator.join(explanation["terms"])}
        )
    fields = [
        names["fields"][code] for code in explanation.get("fields", ()) if code in names["fields"]
    ]
    if fields:
        path = " → ".join(field.label for field in fields)
        level = fields[-1].get_level_display()
        reasons.append(_("Both in %(path)s (%(level)s)") % {"path": path, "level": level})
    if explanation.get("region") == "city":
        reasons.append(_("In the same city"))
    elif explanation.get("region") == "province":
        reasons.append(_("In the same province"))
    if codes := explanation.get("cooperation_modes"):
        known = sorted(
            (names["modes"][code] for code in codes if code in names["modes"]),
            key=lambda mode: mode.position,
        )
        if known:
            labels = separator.join(mode.label for mode in known)
            reasons.append(_("Both accept %(modes)s") % {"modes": labels})
    offered, wanted = explanation.get("maturity"), explanation.get("maturity_wanted")
    if offered and wanted:
        template = (
            _(
                "The achievement has reached TRL %(offered)s; the need asks for TRL "
                "%(wanted)s or more"
            )
            if offered >= wanted
            else _(
                "The achievement is at TRL %(offered)s, short of the TRL %(wanted)s the "
                "need asks for"
            )
        )
        reasons.append(template % {"offered": offered, "wanted": wanted})
    elif offered:
        reasons.append(_("The achievement has reached TRL %(offered)s") % {"offered": offered})
    return [str(reason) for reason in reasons]


def explanation_text(match: Match, names: dict | None = None) -> str:
    """The reasons as one sentence (notifications, e-mails, the API)."""
    reasons = explanation_reasons(match, names)
    return pgettext("clause separator", "; ").join(reasons) or str(_("similar texts"))
