"""Writes about evaluations: opening one with an evaluation order, setting out its purpose,
scope and materials, seating the panel under the conflict rule, recording the experts'
opinions, issuing the report (and delivering the order with it), making it final when the
buyer completes the order, and the owner's one appeal.

Issuing and the appeal record their fact in the outcome log (evaluation.*) in the same
transaction; the other party is told in the app and its programs by the webhook
`evaluation.updated`.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from catalogue.models import ServiceCategory
from core.web import site_url
from evaluations import rubric
from evaluations.models import (
    SUMMARY_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    Appeal,
    Evaluation,
    EvaluationStatus,
    Material,
    Opinion,
    PanelMember,
    Purpose,
    Report,
)
from evaluations.report import report_pdf
from evaluations.selectors import (
    evaluation_work_is_open,
    latest_report,
    opinions_current,
    result_from,
)
from notifications.models import Notification
from notifications.services import Words, notify
from orders.models import Order, OrderStatus
from orders.services import order_transition
from orders.transitions import Action
from organizations.models import Membership, Organization
from organizations.selectors import Actor
from organizations.services import notify_organization
from outcomes.models import OutcomeEvent
from outcomes.services import outcome_record
from repositories.models import Achievement
from webhooks.models import WebhookEvent
from webhooks.services import webhook_emit

CATEGORY_CODE = "evaluation"
PANEL_MAX = 15
MATERIALS_MAX = 30
# The checklist an evaluation starts with (the provider adds or ticks items).
DEFAULT_MATERIALS = (
    gettext_noop("technical summary of the achievement"),
    gettext_noop("test or inspection reports"),
    gettext_noop("proof of intellectual property (patent certificates)"),
    gettext_noop("novelty search report"),
    gettext_noop("application evidence or users' opinions"),
)
S = EvaluationStatus
WORKING_ORDER = frozenset({OrderStatus.IN_PROGRESS, OrderStatus.REVISION_REQUESTED})


# --- checks --------------------------------------------------------------------------------


def _clean_text(value, field: str, *, required: bool = True, limit: int = TEXT_MAX_LENGTH):
    value = (value or "").replace("\x00", "").strip()
    if required and not value:
        raise ValidationError({field: _("Fill in this field.")})
    if len(value) > limit:
        raise ValidationError({field: _("Keep it within %(limit)d characters.") % {"limit": limit}})
    return value


def _line(value, field: str, *, required: bool = True, limit: int = 200):
    value = " ".join((value or "").replace("\x00", "").split())
    return _clean_text(value, field, required=required, limit=limit)


def _as_provider(actor: Actor, evaluation: Evaluation) -> None:
    if evaluation.order.provider_id not in actor.organization_ids:
        raise PermissionDenied(_("Only the evaluating provider does this."))


def _for_member(actor: Actor, member: PanelMember, evaluation: Evaluation) -> None:
    """An expert with an account declares and scores in person; the provider does it for an
    expert without one."""
    if member.user_id is not None:
        if not (actor.is_person and actor.user.pk == member.user_id):
            raise PermissionDenied(
                _("%(name)s declares and scores in person, with their own account.")
                % {"name": member.name}
            )
        return
    _as_provider(actor, evaluation)


def _as_owner(actor: Actor, evaluation: Evaluation) -> None:
    if evaluation.order.buyer_id not in actor.organization_ids:
        raise PermissionDenied(_("Only the achievement's owner appeals its evaluation."))


def _work_open(evaluation: Evaluation) -> None:
    if evaluation_work_is_open(evaluation):
        return
    raise ValidationError(
        {
            "status": _(
                "The evaluation is worked on while its order is in progress; the order is "
                "“%(status)s”."
            )
            % {"status": evaluation.order.get_status_display()}
        }
    )


def _in_status(evaluation: Evaluation, *statuses, field="status") -> None:
    if evaluation.status not in statuses:
        raise ValidationError(
            {
                field: _("Not possible while the evaluation is “%(status)s”.")
                % {"status": evaluation.get_status_display()}
            }
        )


def _locked(evaluation: Evaluation) -> Evaluation:
    return (
        Evaluation.objects.select_for_update(of=("self",))
        .select_related("order", "order__buyer", "order__provider", "achievement")
        .get(pk=evaluation.pk)
    )


# --- telling -------------------------------------------------------------------------------


def _payload(evaluation: Evaluation, **extra) -> dict:
    report = latest_report(evaluation)
    return {
        "evaluation": {
            "id": evaluation.pk,
            "order": evaluation.order_id,
            "achievement": evaluation.achievement_id,
            "status": evaluation.status,
            "round": evaluation.round,
            "purpose": evaluation.purpose,
            "version": report.version if report else None,
            "evaluated_maturity": report.evaluated_maturity if report else None,
            "url": site_url(evaluation.get_absolute_url()),
            "summary_url": site_url(evaluation.get_summary_url()),
        },
        **extra,
    }


def _tell(evaluation: Evaluation, *, title: Words, body: Words = "", skip: int | None = None):
    """The parties (but the one that acted) hear of it in the app and by webhook."""
    for organization_id in evaluation.order.party_ids:
        if organization_id == skip:
            continue
        notify_organization(
            organization=Organization.objects.get(pk=organization_id),
            topic=Notification.Topic.ORDER,
            title=title,
            body=body,
            url=evaluation.get_absolute_url(),
        )


def _emit(evaluation: Evaluation, *, action: str, skip: int | None = None, **extra):
    for organization_id in evaluation.order.party_ids:
        if organization_id != skip:
            webhook_emit(
                organization=organization_id,
                event=WebhookEvent.EVALUATION_UPDATED,
                payload=_payload(evaluation, action=action, **extra),
            )


def _record(evaluation: Evaluation, *, name: str, actor: Actor | None, acting: int, data=None):
    order = evaluation.order
    achievement = evaluation.achievement
    outcome_record(
        name=name,
        subject_type="evaluation",
        subject_id=evaluation.pk,
        actor=actor.user if actor is not None else None,
        organization=Organization(pk=acting),
        counterpart=Organization(pk=order.other_party_id(acting)),
        region_id=order.region_id,
        field_id=achievement.field_id if achievement else None,
        data={
            "order": order.pk,
            "buyer": order.buyer_id,
            "provider": order.provider_id,
            "achievement": evaluation.achievement_id,
            "purpose": evaluation.purpose,
            "declared_maturity": achievement.maturity if achievement else None,
            **(data or {}),
        },
    )


# --- opening -------------------------------------------------------------------------------


def evaluation_open(*, order: Order) -> Evaluation | None:
    """An evaluation order that serves one of the buyer's achievements gets its evaluation,
    with the usual materials checklist; any other order none. Safe to call twice."""
    existing = Evaluation.objects.filter(order=order).first()
    if existing is not None:
        return existing
    if not ServiceCategory.objects.filter(pk=order.category_id, code=CATEGORY_CODE).exists():
        return None
    achievement = Achievement.objects.filter(
        pk=order.listing_id, organization_id=order.buyer_id
    ).first()
    if achievement is None:
        return None
    evaluation = Evaluation.objects.create(order=order, achievement=achievement, scope=order.scope)
    Material.objects.bulk_create(
        Material(evaluation=evaluation, name=_(name)) for name in DEFAULT_MATERIALS
    )
    return evaluation


# --- setting up ----------------------------------------------------------------------------


@transaction.atomic
def evaluation_setup(*, actor: Actor, evaluation: Evaluation, purpose: str, scope: str):
    """The purpose and the scope, while the panel is being seated."""
    evaluation = _locked(evaluation)
    _as_provider(actor, evaluation)
    _work_open(evaluation)
    _in_status(evaluation, S.SETUP)
    errors = {}
    if purpose not in Purpose.values:
        errors["purpose"] = _("Choose the purpose from the list.")
    try:
        scope = _clean_text(scope, "scope")
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    evaluation.purpose = purpose
    evaluation.scope = scope
    evaluation.save(update_fields=["purpose", "scope", "updated_at"])
    _emit(evaluation, action="set_up", skip=evaluation.order.provider_id)
    return evaluation


@transaction.atomic
def material_add(*, actor: Actor, evaluation: Evaluation, name: str) -> Material:
    evaluation = _locked(evaluation)
    _as_provider(actor, evaluation)
    _work_open(evaluation)
    _in_status(evaluation, S.SETUP, S.SCORING, field="name")
    name = _line(name, "name")
    materials = Material.objects.filter(evaluation=evaluation)
    if materials.count() >= MATERIALS_MAX:
        raise ValidationError(
            {"name": _("At most %(count)d materials.") % {"count": MATERIALS_MAX}}
        )
    if materials.filter(name=name).exists():
        raise ValidationError({"name": _("This material is on the checklist already.")})
    return Material.objects.create(evaluation=evaluation, name=name)


@transaction.atomic
def material_set_received(*, actor: Actor, material: Material, received: bool) -> Material:
    """Tick (or untick) a material the buyer supplied."""
    evaluation = _locked(material.evaluation)
    _as_provider(actor, evaluation)
    _work_open(evaluation)
    _in_status(evaluation, S.SETUP, S.SCORING, field="received")
    material = Material.objects.select_for_update().get(pk=material.pk)
    if material.received != bool(received):
        material.received = bool(received)
        material.received_at = timezone.now() if received else None
        material.save(update_fields=["received", "received_at"])
    return material


def _normal(name: str) -> str:
    return "".join((name or "").split()).casefold()


def _parties(evaluation: Evaluation) -> dict[int, str]:
    """The organizations no expert may come from: the achievement's owner (the buyer), the
    evaluating provider and, when the order serves a deal, both of the deal's parties."""
    order = evaluation.order
    ids = {order.buyer_id, order.provider_id}
    if evaluation.achievement is not None:
        ids.add(evaluation.achievement.organization_id)
    if order.deal_id is not None:
        ids.update(order.deal.party_ids)
    return dict(Organization.objects.filter(pk__in=ids).values_list("pk", "name"))


def conflict_errors(
    *,
    evaluation: Evaluation,
    organization: Organization | None,
    affiliation: str,
    user: User | None = None,
) -> dict:
    """The conflict rule: an expert from a party's organization — chosen on the platform, typed
    as the affiliation, or a member of it by their account — cannot sit on the panel."""
    parties = _parties(evaluation)
    if user is not None:
        member_of = Membership.objects.filter(
            user=user, organization_id__in=parties, status=Membership.Status.ACTIVE
        ).values_list("organization_id", flat=True)
        for organization_id in member_of[:1]:
            return {
                "user": _(
                    "This account belongs to %(name)s, a party to this evaluation: no expert may "
                    "come from a party's organization."
                )
                % {"name": parties[organization_id]}
            }
    if organization is not None and organization.pk in parties:
        return {
            "organization": _(
                "%(name)s is a party to this evaluation: no expert may come from a party's "
                "organization."
            )
            % {"name": parties[organization.pk]}
        }
    typed = _normal(affiliation)
    for name in parties.values():
        if typed and typed == _normal(name):
            return {
                "affiliation": _(
                    "%(name)s is a party to this evaluation: no expert may come from a party's "
                    "organization."
                )
                % {"name": name}
            }
    return {}


@transaction.atomic
def panel_member_add(
    *,
    actor: Actor,
    evaluation: Evaluation,
    name: str,
    affiliation: str,
    title: str = "",
    field: str = "",
    organization: Organization | None = None,
    declared_no_conflict: bool = False,
    statement: str = "",
    user: User | None = None,
) -> PanelMember:
    """Seat an expert, with their declaration of interest when they have made it. An expert
    seated with their account is told, and declares and scores in person."""
    evaluation = _locked(evaluation)
    _as_provider(actor, evaluation)
    _work_open(evaluation)
    _in_status(evaluation, S.SETUP, field="name")
    errors = {}
    values = {}
    for key, value, required, limit in (
        ("name", name, True, 100),
        ("affiliation", affiliation, True, 200),
        ("title", title, False, 100),
        ("field", field, False, 100),
    ):
        try:
            values[key] = _line(value, key, required=required, limit=limit)
        except ValidationError as error:
            errors.update(error.message_dict)
    try:
        statement = _clean_text(statement, "statement", required=False, limit=1000)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    if user is not None and declared_no_conflict:
        errors["declared_no_conflict"] = _(
            "An expert with an account declares in person: leave this unticked."
        )
    if user is not None and not user.is_active:
        errors["user"] = _("This account is closed.")
    if errors:
        raise ValidationError(errors)
    errors = conflict_errors(
        evaluation=evaluation,
        organization=organization,
        affiliation=values["affiliation"],
        user=user,
    )
    if errors:
        raise ValidationError(errors)
    panel = PanelMember.objects.filter(evaluation=evaluation)
    if user is not None and panel.filter(user=user).exists():
        raise ValidationError({"user": _("This account is on the panel already.")})
    if panel.count() >= PANEL_MAX:
        raise ValidationError({"name": _("At most %(count)d experts.") % {"count": PANEL_MAX}})
    if panel.filter(name=values["name"], affiliation=values["affiliation"]).exists():
        raise ValidationError({"name": _("This expert is on the panel already.")})
    member = PanelMember.objects.create(
        evaluation=evaluation,
        organization=organization,
        user=user,
        declared_no_conflict=bool(declared_no_conflict),
        declared_at=timezone.now() if declared_no_conflict else None,
        statement=statement,
        **values,
    )
    if user is not None:
        notify(
            users=[user],
            topic=Notification.Topic.EVALUATION,
            title=lambda: (
                _("You are on the expert panel evaluating “%(title)s”")
                % {"title": _achievement_title(evaluation)}
            ),
            body=lambda: _(
                "Declare whether you have a conflict of interest with either party; you score "
                "once the panel is seated."
            ),
            url=member.get_absolute_url(),
        )
    return member


def _achievement_title(evaluation: Evaluation) -> str:
    return evaluation.achievement.title if evaluation.achievement else evaluation.order.title


@transaction.atomic
def panel_member_declare(
    *, actor: Actor, member: PanelMember, no_conflict: bool, statement: str = ""
) -> PanelMember:
    """Record the expert's declaration: no conflict of interest, or the conflict they have
    (then they cannot score: remove them and seat another)."""
    evaluation = _locked(member.evaluation)
    _for_member(actor, member, evaluation)
    _work_open(evaluation)
    _in_status(evaluation, S.SETUP, field="statement")
    statement = _clean_text(statement, "statement", required=not no_conflict, limit=1000)
    member = PanelMember.objects.select_for_update().get(pk=member.pk)
    member.declared_no_conflict = bool(no_conflict)
    member.declared_at = timezone.now()
    member.statement = statement
    member.save(update_fields=["declared_no_conflict", "declared_at", "statement"])
    return member


@transaction.atomic
def panel_member_remove(*, actor: Actor, member: PanelMember) -> None:
    evaluation = _locked(member.evaluation)
    _as_provider(actor, evaluation)
    _work_open(evaluation)
    _in_status(evaluation, S.SETUP, field="name")
    PanelMember.objects.filter(pk=member.pk).delete()


@transaction.atomic
def panel_confirm(*, actor: Actor, evaluation: Evaluation) -> Evaluation:
    """Seat the panel for scoring: at least EVALUATION_PANEL_MIN experts, every one having
    declared no conflict of interest. The panel is fixed from then on."""
    evaluation = _locked(evaluation)
    _as_provider(actor, evaluation)
    _work_open(evaluation)
    _in_status(evaluation, S.SETUP, field="panel")
    panel = list(PanelMember.objects.filter(evaluation=evaluation))
    minimum = settings.EVALUATION_PANEL_MIN
    if len(panel) < minimum:
        raise ValidationError(
            {
                "panel": _("A panel needs at least %(minimum)d experts; it has %(count)d.")
                % {"minimum": minimum, "count": len(panel)}
            }
        )
    undeclared = [member.name for member in panel if not member.declared_no_conflict]
    if undeclared:
        raise ValidationError(
            {
                "panel": _(
                    "Every expert must declare no conflict of interest before scoring; not yet: "
                    "%(names)s."
                )
                % {"names": "、".join(undeclared)}
            }
        )
    # A party may have become one since the expert was seated (a deal opened): check again.
    for member in panel:
        if conflict_errors(
            evaluation=evaluation, organization=member.organization, affiliation=member.affiliation
        ):
            raise ValidationError(
                {"panel": _("%(name)s comes from a party's organization.") % {"name": member.name}}
            )
    evaluation.status = S.SCORING
    evaluation.save(update_fields=["status", "updated_at"])
    _emit(evaluation, action="panel_confirmed", skip=evaluation.order.provider_id)
    for member in panel:
        if member.user_id is not None:
            notify(
                users=[member.user],
                topic=Notification.Topic.EVALUATION,
                title=lambda: (
                    _("The panel is seated: score “%(title)s”")
                    % {"title": _achievement_title(evaluation)}
                ),
                url=member.get_absolute_url(),
            )
    return evaluation


# --- scoring -------------------------------------------------------------------------------


def score_error(criterion: rubric.Criterion) -> str:
    """What a score outside the criterion's bands is told, naming the criterion."""
    return _("%(label)s: enter a whole number from %(low)d to %(high)d.") % {
        "label": criterion.label,
        "low": criterion.low,
        "high": criterion.high,
    }


def _score_errors(scores: dict) -> dict:
    errors = {}
    for criterion in rubric.CRITERIA:
        value = scores.get(criterion.key)
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not criterion.low <= value <= criterion.high
        ):
            errors[criterion.key] = score_error(criterion)
    return errors


@transaction.atomic
def opinion_record(*, actor: Actor, member: PanelMember, comment: str, **scores) -> Opinion:
    """An expert's scores on the rubric and written opinion, for the current round (entered
    again, it replaces the round's earlier entry)."""
    evaluation = _locked(member.evaluation)
    _for_member(actor, member, evaluation)
    _work_open(evaluation)
    _in_status(evaluation, S.SCORING, field="comment")
    member = PanelMember.objects.get(pk=member.pk, evaluation=evaluation)
    if not member.declared_no_conflict:
        raise ValidationError(
            {
                "comment": _("%(name)s has not declared being free of conflicts of interest.")
                % {"name": member.name}
            }
        )
    errors = _score_errors(scores)
    try:
        comment = _clean_text(comment, "comment")
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    opinion, _created = Opinion.objects.update_or_create(
        member=member,
        round=evaluation.round,
        defaults={
            **{key: scores[key] for key in rubric.KEYS},
            "comment": comment,
            "entered_by": actor.user if actor.is_authenticated else None,
        },
    )
    if member.user_id is not None:
        notify_organization(
            organization=evaluation.order.provider,
            topic=Notification.Topic.EVALUATION,
            title=lambda: (
                _("%(name)s entered their opinion on “%(title)s”")
                % {"name": member.name, "title": _achievement_title(evaluation)}
            ),
            url=evaluation.get_absolute_url() + "#panel",
        )
    return opinion


def _new_round(evaluation: Evaluation) -> None:
    """A new scoring round starts from the last round's opinions."""
    previous = list(Opinion.objects.filter(member__evaluation=evaluation, round=evaluation.round))
    evaluation.round += 1
    Opinion.objects.bulk_create(
        Opinion(
            member_id=opinion.member_id,
            round=evaluation.round,
            comment=opinion.comment,
            entered_by=opinion.entered_by,
            **{key: getattr(opinion, key) for key in rubric.KEYS},
        )
        for opinion in previous
    )


@transaction.atomic
def evaluation_reopen(*, actor: Actor, evaluation: Evaluation) -> Evaluation:
    """The buyer sent the delivered report back for revision: score again (a new round,
    starting from the last one's opinions) and re-issue."""
    evaluation = _locked(evaluation)
    _as_provider(actor, evaluation)
    _in_status(evaluation, S.ISSUED)
    if evaluation.order.status != OrderStatus.REVISION_REQUESTED:
        raise ValidationError(
            {"status": _("The report is revised when the buyer sends the delivery back.")}
        )
    _new_round(evaluation)
    evaluation.status = S.SCORING
    evaluation.save(update_fields=["round", "status", "updated_at"])
    _emit(evaluation, action="reopened", skip=evaluation.order.provider_id)
    return evaluation


# --- issuing -------------------------------------------------------------------------------


def _set_achievement(evaluation: Evaluation, report: Report) -> None:
    if evaluation.achievement_id is None:
        return
    Achievement.objects.filter(pk=evaluation.achievement_id).update(
        evaluated_maturity=report.evaluated_maturity, evaluated_at=timezone.now()
    )


@transaction.atomic
def report_issue(
    *, actor: Actor, evaluation: Evaluation, conclusion: str, public_summary: str
) -> Report:
    """Issue the report from the current round's opinions: the mean per criterion, the
    weighted score, the level and the evaluated TRL (median, rounded down), as a PDF.

    While the order is in progress (or sent back) the order is delivered with the PDF and the
    buyer accepts it, which makes the evaluation final; after an appeal for re-issue it is
    final at once and the achievement shows the new TRL."""
    evaluation = _locked(evaluation)
    _as_provider(actor, evaluation)
    _work_open(evaluation)
    _in_status(evaluation, S.SCORING, field="conclusion")
    errors = {}
    for key, value, limit in (
        ("conclusion", conclusion, TEXT_MAX_LENGTH),
        ("public_summary", public_summary, SUMMARY_MAX_LENGTH),
    ):
        try:
            _clean_text(value, key, limit=limit)
        except ValidationError as error:
            errors.update(error.message_dict)
    panel = list(PanelMember.objects.filter(evaluation=evaluation))
    opinions = opinions_current(evaluation)
    missing = [member.name for member in panel if member.pk not in opinions]
    if missing:
        errors["panel"] = _("Opinions still missing from: %(names)s.") % {
            "names": "、".join(missing)
        }
    wanting = list(
        Material.objects.filter(evaluation=evaluation, received=False).values_list(
            "name", flat=True
        )
    )
    if wanting:
        errors["materials"] = _("Materials not yet received: %(names)s.") % {
            "names": "、".join(wanting)
        }
    if errors:
        raise ValidationError(errors)
    conclusion = conclusion.strip()
    public_summary = public_summary.strip()
    result = result_from([opinions[member.pk] for member in panel])
    version = (latest_report(evaluation).version + 1) if latest_report(evaluation) else 1
    pdf = report_pdf(
        evaluation=evaluation,
        version=version,
        panel=panel,
        opinions=opinions,
        result=result,
        conclusion=conclusion,
        public_summary=public_summary,
    )
    report = Report(
        evaluation=evaluation,
        version=version,
        conclusion=conclusion,
        public_summary=public_summary,
        means={key: str(value) for key, value in result.means.items()},
        overall=result.overall,
        level=result.level,
        evaluated_maturity=result.evaluated_maturity,
        panel_size=len(panel),
        size=len(pdf),
        issued_by=actor.user if actor.is_authenticated else None,
    )
    report.file.save(f"report-{evaluation.pk}-v{version}.pdf", ContentFile(pdf), save=False)
    report.save()
    order = evaluation.order
    delivering = order.status in WORKING_ORDER
    evaluation.status = S.ISSUED if delivering else S.FINAL
    evaluation.save(update_fields=["status", "updated_at"])
    _record(
        evaluation,
        name=OutcomeEvent.Name.EVALUATION_REPORT_ISSUED,
        actor=actor,
        acting=order.provider_id,
        data={
            "version": version,
            "evaluated_maturity": result.evaluated_maturity,
            "overall": str(result.overall),
            "level": result.level,
            "panel_size": len(panel),
        },
    )
    if delivering:
        order_transition(
            actor=actor,
            order=order,
            action=Action.DELIVER,
            note=_(
                "Achievement evaluation report, version %(version)d: evaluated maturity "
                "TRL %(trl)d, overall score %(overall)s. Accept the delivery to make it final."
            )
            % {"version": version, "trl": result.evaluated_maturity, "overall": result.overall},
            files=[ContentFile(pdf, name=report.file_name)],
        )
    else:
        _set_achievement(evaluation, report)
    _tell(
        evaluation,
        title=lambda: _("Evaluation report issued: %(title)s") % {"title": order.title},
        body=public_summary,
        skip=order.provider_id,
    )
    _emit(evaluation, action="report_issued", skip=order.provider_id)
    return report


def evaluation_finalize(*, order_id: int) -> Evaluation | None:
    """The buyer accepted the delivered report (or the order was completed otherwise): the
    evaluation is final, its summary public, and the achievement shows the evaluated TRL.
    Runs in the completing step's transaction (evaluations.receivers)."""
    evaluation = (
        Evaluation.objects.select_for_update(of=("self",))
        .select_related("order", "achievement")
        .filter(order_id=order_id, status=S.ISSUED)
        .first()
    )
    if evaluation is None:
        return None
    report = latest_report(evaluation)
    evaluation.status = S.FINAL
    evaluation.final_at = timezone.now()
    evaluation.save(update_fields=["status", "final_at", "updated_at"])
    _set_achievement(evaluation, report)
    _emit(evaluation, action="final")
    return evaluation


# --- the appeal ----------------------------------------------------------------------------


@transaction.atomic
def appeal_file(*, actor: Actor, evaluation: Evaluation, statement: str) -> Appeal:
    """The owner appeals once, within EVALUATION_APPEAL_DAYS of the evaluation becoming final,
    stating the grounds; the provider answers by re-issuing or upholding."""
    evaluation = _locked(evaluation)
    _as_owner(actor, evaluation)
    earlier = Appeal.objects.filter(evaluation=evaluation).first()
    if earlier is not None:
        raise ValidationError(
            {
                "statement": _(
                    "The owner may appeal an evaluation once; it was appealed on %(date)s."
                )
                % {"date": timezone.localtime(earlier.created_at).strftime("%Y-%m-%d")}
            }
        )
    _in_status(evaluation, S.FINAL, field="statement")
    days = settings.EVALUATION_APPEAL_DAYS
    if timezone.now() > evaluation.final_at + timedelta(days=days):
        raise ValidationError(
            {
                "statement": _(
                    "An appeal is made within %(days)d days of the evaluation becoming final."
                )
                % {"days": days}
            }
        )
    statement = _clean_text(statement, "statement")
    appeal = Appeal.objects.create(
        evaluation=evaluation, statement=statement, created_by=actor.user
    )
    evaluation.status = S.APPEALED
    evaluation.save(update_fields=["status", "updated_at"])
    order = evaluation.order
    _record(
        evaluation,
        name=OutcomeEvent.Name.EVALUATION_APPEALED,
        actor=actor,
        acting=order.buyer_id,
        data={"appeal": appeal.pk},
    )
    _tell(
        evaluation,
        title=lambda: _("The owner appeals the evaluation: %(title)s") % {"title": order.title},
        body=statement,
        skip=order.buyer_id,
    )
    _emit(evaluation, action="appealed", skip=order.buyer_id, statement=statement)
    return appeal


@transaction.atomic
def appeal_decide(*, actor: Actor, evaluation: Evaluation, decision: str, reasons: str) -> Appeal:
    """The provider answers the appeal with reasons: re-evaluate (a new scoring round, then a
    new version of the report) or uphold the report as issued."""
    evaluation = _locked(evaluation)
    _as_provider(actor, evaluation)
    _in_status(evaluation, S.APPEALED, field="decision")
    errors = {}
    if decision not in Appeal.Decision.values:
        errors["decision"] = _("Choose re-issue or uphold.")
    try:
        reasons = _clean_text(reasons, "reasons")
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    appeal = Appeal.objects.select_for_update().get(evaluation=evaluation)
    appeal.decision = decision
    appeal.reasons = reasons
    appeal.decided_by = actor.user if actor.is_authenticated else None
    appeal.decided_at = timezone.now()
    appeal.save(update_fields=["decision", "reasons", "decided_by", "decided_at"])
    if decision == Appeal.Decision.REISSUE:
        _new_round(evaluation)
        evaluation.status = S.SCORING
    else:
        evaluation.status = S.FINAL
    evaluation.save(update_fields=["round", "status", "updated_at"])
    order = evaluation.order
    _record(
        evaluation,
        name=OutcomeEvent.Name.EVALUATION_APPEAL_DECIDED,
        actor=actor,
        acting=order.provider_id,
        data={"appeal": appeal.pk, "decision": decision},
    )
    _tell(
        evaluation,
        title=lambda: (
            _("Your appeal was answered: %(decision)s")
            % {"decision": appeal.get_decision_display()}
        ),
        body=reasons,
        skip=order.provider_id,
    )
    _emit(evaluation, action="appeal_decided", skip=order.provider_id, decision=decision)
    return appeal
