"""Pages of achievement evaluations: the published rubric, the public summary, and the
evaluation's workspace — the provider sets it out, seats the panel, enters the opinions and
issues the report; the owner reads it and appeals. Thin: the services decide; their errors come
back on the forms with what was typed.

Anyone who may not read the evaluation gets 404 (evaluation_get), as if it did not exist,
except its public summary once it is final; a refused step is a message for a party and a 403
for anyone else (the overseeing staff).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.uploads import upload_private_response
from core.web import add_service_errors, error_text
from evaluations import rubric, services
from evaluations.forms import (
    AppealDecisionForm,
    AppealForm,
    DeclareForm,
    IssueForm,
    MaterialsForm,
    MemberForm,
    OpinionForm,
    SetupForm,
)
from evaluations.models import Appeal, EvaluationStatus, Opinion, PanelMember, Report
from evaluations.permissions import evaluation_side
from evaluations.selectors import (
    evaluation_get,
    evaluation_is_public,
    evaluation_public_get,
    evaluation_work_is_open,
    latest_report,
    opinions_current,
    panel_seat_get,
    panel_seats,
)
from orders.models import OrderStatus
from taxonomy.models import Maturity

S = EvaluationStatus
STATUS_BADGES = {
    S.SETUP: "text-bg-info",
    S.SCORING: "text-bg-primary",
    S.ISSUED: "text-bg-warning",
    S.FINAL: "text-bg-success",
    S.APPEALED: "text-bg-danger",
}
PATH = [S.SETUP, S.SCORING, S.ISSUED, S.FINAL]


def badge(status):
    return STATUS_BADGES.get(status, "text-bg-secondary")


def result_rows(report):
    """The report's mean per criterion, with the rubric's label, weight and scale."""
    if report is None:
        return []
    return [
        {
            "key": criterion.key,
            "label": criterion.label,
            "weight": criterion.weight,
            "high": criterion.high,
            "mean": report.means.get(criterion.key, ""),
        }
        for criterion in rubric.CRITERIA
    ]


def rubric_page(request):
    """The published rubric: what each criterion asks, its bands and its weight."""
    return render(
        request,
        "evaluations/rubric.html",
        {
            "criteria": rubric.CRITERIA,
            "levels": sorted(rubric.LEVELS.items(), reverse=True),
            "panel_min": settings.EVALUATION_PANEL_MIN,
            "appeal_days": settings.EVALUATION_APPEAL_DAYS,
        },
    )


def summary(request, pk):
    """The public summary: everyone's once final (of a published achievement); the parties'
    and the staff's before."""
    evaluation = evaluation_public_get(actor=request.actor, pk=pk)
    report = latest_report(evaluation)
    if report is None:
        raise Http404
    appeal = Appeal.objects.filter(evaluation=evaluation).first()
    return render(
        request,
        "evaluations/summary.html",
        {
            "evaluation": evaluation,
            "report": report,
            "rows": result_rows(report),
            "level": rubric.LEVELS.get(report.level, ""),
            "evaluated_label": Maturity(report.evaluated_maturity).label,
            "public": evaluation_is_public(evaluation),
            "appeal": appeal,
            "can_read_work": evaluation_side(actor=request.actor, evaluation=evaluation) is not None
            or request.actor.can_review_region(evaluation.order.region_id),
        },
    )


# --- the workspace -------------------------------------------------------------------------


def _opinion_initial(opinion):
    """The form for changing an opinion starts from what was entered."""
    if opinion is None:
        return {}
    return {**{key: getattr(opinion, key) for key in rubric.KEYS}, "comment": opinion.comment}


def _panel_rows(evaluation, *, provider, working, opinions, bound):
    declare_forms = bound.get("declare_forms", {})
    opinion_forms = bound.get("opinion_forms", {})
    rows = []
    for member in evaluation.panel.all():
        opinion = opinions.get(member.pk)
        in_setup = provider and working and evaluation.status == S.SETUP
        row = {
            "member": member,
            "opinion": opinion,
            "declare_form": None,
            "opinion_form": None,
            "removable": in_setup,
        }
        # An expert with an account declares and scores in person, on their seat's page.
        in_person = member.user_id is not None
        if in_setup and not in_person:
            row["declare_form"] = declare_forms.get(member.pk) or DeclareForm(
                initial={"no_conflict": "yes" if member.declared_no_conflict else ""},
                auto_id=f"id_declare_{member.pk}_%s",
            )
        if provider and working and evaluation.status == S.SCORING and not in_person:
            row["opinion_form"] = opinion_forms.get(member.pk) or OpinionForm(
                initial=_opinion_initial(opinion), auto_id=f"id_opinion_{member.pk}_%s"
            )
        if opinion is not None:
            row["scores"] = [(c.label, getattr(opinion, c.key)) for c in rubric.CRITERIA]
        rows.append(row)
    return rows


def _work_page(request, evaluation, *, status=200, **bound):
    actor = request.actor
    side = evaluation_side(actor=actor, evaluation=evaluation)
    provider = side == "provider"
    owner = side == "buyer"
    working = evaluation_work_is_open(evaluation)
    order = evaluation.order
    materials = list(evaluation.materials.all())
    opinions = opinions_current(evaluation)
    report = latest_report(evaluation)
    appeal = Appeal.objects.filter(evaluation=evaluation).first()
    in_setup = provider and working and evaluation.status == S.SETUP
    in_scoring = provider and working and evaluation.status == S.SCORING
    appeal_open = (
        owner
        and appeal is None
        and evaluation.status == S.FINAL
        and evaluation.final_at is not None
        and (timezone.now() - evaluation.final_at).days < settings.EVALUATION_APPEAL_DAYS
    )
    context = {
        "evaluation": evaluation,
        "order": order,
        "side": side,
        "is_party": side is not None,
        "badge": badge(evaluation.status),
        "path": [
            {
                "label": S(step).label,
                "state": "done"
                if PATH.index(step) < PATH.index(evaluation.status)
                or (step == S.FINAL and evaluation.status == S.FINAL)
                else ("current" if step == evaluation.status else "todo"),
            }
            for step in PATH
        ]
        if evaluation.status in PATH
        else [],
        "working": working,
        "provider": provider,
        "owner": owner,
        "materials": materials,
        "materials_received": sum(1 for m in materials if m.received),
        "materials_form": (
            bound.get("materials_form")
            or MaterialsForm(materials=materials, auto_id="id_materials_%s")
        )
        if provider and working and evaluation.status in (S.SETUP, S.SCORING)
        else None,
        "setup_form": (
            bound.get("setup_form")
            or SetupForm(
                initial={"purpose": evaluation.purpose, "scope": evaluation.scope},
                auto_id="id_setup_%s",
            )
        )
        if in_setup
        else None,
        "member_form": (bound.get("member_form") or MemberForm(auto_id="id_member_%s"))
        if in_setup
        else None,
        "panel_min": settings.EVALUATION_PANEL_MIN,
        "can_confirm": in_setup,
        "panel": _panel_rows(
            evaluation, provider=provider, working=working, opinions=opinions, bound=bound
        ),
        "opinion_count": len(opinions),
        "issue_form": (bound.get("issue_form") or IssueForm(auto_id="id_issue_%s"))
        if in_scoring
        else None,
        "can_reopen": provider
        and evaluation.status == S.ISSUED
        and order.status == OrderStatus.REVISION_REQUESTED,
        "report": report,
        "reports": list(evaluation.reports.all()),
        "rows": result_rows(report),
        "level": rubric.LEVELS.get(report.level, "") if report else "",
        "evaluated_label": Maturity(report.evaluated_maturity).label if report else "",
        "appeal": appeal,
        "appeal_form": (bound.get("appeal_form") or AppealForm(auto_id="id_appeal_%s"))
        if appeal_open
        else None,
        "appeal_days": settings.EVALUATION_APPEAL_DAYS,
        "decision_form": (bound.get("decision_form") or AppealDecisionForm(auto_id="id_decide_%s"))
        if provider and evaluation.status == S.APPEALED
        else None,
        "criteria": rubric.CRITERIA,
    }
    return render(request, "evaluations/work.html", context, status=status)


@login_required
def work(request, pk):
    return _work_page(request, evaluation_get(actor=request.actor, pk=pk))


def _refused(request, evaluation, error):
    """A refused step: a party hears why; anyone else is refused outright (403)."""
    if evaluation_side(actor=request.actor, evaluation=evaluation) is None:
        raise error
    messages.error(request, error_text(error))
    return redirect(evaluation)


def _post(request, evaluation, form, call, *, done, bound_name, anchor="", member=None):
    """Validate the form, call the service, and either say `done` and go back to the page, or
    show the page again with the form's errors and what was typed."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except PermissionDenied as error:
            return _refused(request, evaluation, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(evaluation.get_absolute_url() + anchor)
    evaluation.refresh_from_db()
    bound = {bound_name: {member.pk: form} if member is not None else form}
    return _work_page(request, evaluation, status=400, **bound)


@login_required
@require_POST
def setup(request, pk):
    evaluation = evaluation_get(actor=request.actor, pk=pk)
    return _post(
        request,
        evaluation,
        SetupForm(request.POST, auto_id="id_setup_%s"),
        lambda data: services.evaluation_setup(actor=request.actor, evaluation=evaluation, **data),
        done=_("The purpose and scope are saved."),
        bound_name="setup_form",
        anchor="#setup",
    )


@login_required
@require_POST
def materials(request, pk):
    evaluation = evaluation_get(actor=request.actor, pk=pk)
    items = list(evaluation.materials.all())

    def save(data):
        received = set(data["received"])
        for material in items:
            if material.received != (material.pk in received):
                services.material_set_received(
                    actor=request.actor, material=material, received=material.pk in received
                )
        if data["new"].strip():
            try:
                services.material_add(actor=request.actor, evaluation=evaluation, name=data["new"])
            except ValidationError as error:
                raise ValidationError(
                    {"new": error.message_dict.get("name", error.messages)}
                ) from error

    return _post(
        request,
        evaluation,
        MaterialsForm(request.POST, materials=items, auto_id="id_materials_%s"),
        save,
        done=_("The materials checklist is saved."),
        bound_name="materials_form",
        anchor="#materials",
    )


@login_required
@require_POST
def member_add(request, pk):
    evaluation = evaluation_get(actor=request.actor, pk=pk)
    return _post(
        request,
        evaluation,
        MemberForm(request.POST, auto_id="id_member_%s"),
        lambda data: services.panel_member_add(actor=request.actor, evaluation=evaluation, **data),
        done=_("The expert is on the panel."),
        bound_name="member_form",
        anchor="#panel",
    )


def _member(request, pk):
    member = PanelMember.objects.filter(pk=pk).first()
    if member is None:
        raise Http404
    return member, evaluation_get(actor=request.actor, pk=member.evaluation_id)


@login_required
@require_POST
def member_declare(request, pk):
    member, evaluation = _member(request, pk)
    return _post(
        request,
        evaluation,
        DeclareForm(request.POST, auto_id=f"id_declare_{member.pk}_%s"),
        lambda data: services.panel_member_declare(actor=request.actor, member=member, **data),
        done=_("The declaration is recorded."),
        bound_name="declare_forms",
        member=member,
        anchor="#panel",
    )


@login_required
@require_POST
def member_remove(request, pk):
    member, evaluation = _member(request, pk)
    try:
        services.panel_member_remove(actor=request.actor, member=member)
    except PermissionDenied as error:
        return _refused(request, evaluation, error)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("%(name)s has left the panel.") % {"name": member.name})
    return redirect(evaluation.get_absolute_url() + "#panel")


@login_required
@require_POST
def panel_confirm(request, pk):
    evaluation = evaluation_get(actor=request.actor, pk=pk)
    try:
        services.panel_confirm(actor=request.actor, evaluation=evaluation)
    except PermissionDenied as error:
        return _refused(request, evaluation, error)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("The panel is seated: enter each expert's opinion."))
    return redirect(evaluation.get_absolute_url() + "#panel")


@login_required
@require_POST
def opinion(request, pk):
    member, evaluation = _member(request, pk)
    return _post(
        request,
        evaluation,
        OpinionForm(request.POST, auto_id=f"id_opinion_{member.pk}_%s"),
        lambda data: services.opinion_record(actor=request.actor, member=member, **data),
        done=_("%(name)s's opinion is recorded.") % {"name": member.name},
        bound_name="opinion_forms",
        member=member,
        anchor="#panel",
    )


@login_required
@require_POST
def issue(request, pk):
    evaluation = evaluation_get(actor=request.actor, pk=pk)
    return _post(
        request,
        evaluation,
        IssueForm(request.POST, auto_id="id_issue_%s"),
        lambda data: services.report_issue(actor=request.actor, evaluation=evaluation, **data),
        done=_("The report is issued."),
        bound_name="issue_form",
        anchor="#report",
    )


@login_required
@require_POST
def reopen(request, pk):
    evaluation = evaluation_get(actor=request.actor, pk=pk)
    try:
        services.evaluation_reopen(actor=request.actor, evaluation=evaluation)
    except PermissionDenied as error:
        return _refused(request, evaluation, error)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Scoring is open again for a revised report."))
    return redirect(evaluation.get_absolute_url() + "#panel")


@login_required
@require_POST
def appeal(request, pk):
    evaluation = evaluation_get(actor=request.actor, pk=pk)
    return _post(
        request,
        evaluation,
        AppealForm(request.POST, auto_id="id_appeal_%s"),
        lambda data: services.appeal_file(actor=request.actor, evaluation=evaluation, **data),
        done=_("Your appeal is sent to the provider."),
        bound_name="appeal_form",
        anchor="#appeal",
    )


@login_required
@require_POST
def appeal_decide(request, pk):
    evaluation = evaluation_get(actor=request.actor, pk=pk)
    return _post(
        request,
        evaluation,
        AppealDecisionForm(request.POST, auto_id="id_decide_%s"),
        lambda data: services.appeal_decide(actor=request.actor, evaluation=evaluation, **data),
        done=_("The appeal is answered."),
        bound_name="decision_form",
        anchor="#appeal",
    )


@login_required
def report_pdf(request, pk):
    """Through this check only, never a public folder: 404 for anyone who may not read the
    evaluation."""
    report = Report.objects.filter(pk=pk).first()
    if report is None:
        raise Http404
    evaluation_get(actor=request.actor, pk=report.evaluation_id)
    return upload_private_response(report.file, filename=report.file_name)


# --- an expert's own seat ------------------------------------------------------------------


def _seat_page(request, seat, *, status=200, declare_form=None, opinion_form=None):
    """What the expert needs to judge, and the form for the step the evaluation is at."""
    evaluation = seat.evaluation
    working = evaluation_work_is_open(evaluation)
    opinion = Opinion.objects.filter(member=seat, round=evaluation.round).first()
    in_setup = working and evaluation.status == S.SETUP
    in_scoring = working and evaluation.status == S.SCORING and seat.declared_no_conflict
    if in_setup and declare_form is None:
        declare_form = DeclareForm(
            initial={"no_conflict": "yes" if seat.declared_no_conflict else ""},
            auto_id="id_declare_%s",
        )
    if in_scoring and opinion_form is None:
        opinion_form = OpinionForm(initial=_opinion_initial(opinion), auto_id="id_opinion_%s")
    return render(
        request,
        "evaluations/seat.html",
        {
            "seat": seat,
            "evaluation": evaluation,
            "achievement": evaluation.achievement,
            "materials": list(evaluation.materials.all()),
            "badge": badge(evaluation.status),
            "declare_form": declare_form if in_setup else None,
            "opinion_form": opinion_form if in_scoring else None,
            "opinion": opinion,
            "scores": [(c.label, getattr(opinion, c.key)) for c in rubric.CRITERIA]
            if opinion
            else [],
            "criteria": rubric.CRITERIA,
        },
        status=status,
    )


@login_required
def seats(request):
    """我的评审: the panels the person sits on with their own account."""
    return render(request, "evaluations/seats.html", {"seats": panel_seats(actor=request.actor)})


@login_required
def seat(request, pk):
    return _seat_page(request, panel_seat_get(actor=request.actor, pk=pk))


def _seat_post(request, seat, form, call, *, done, bound_name):
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except PermissionDenied as error:
            messages.error(request, error_text(error))
            return redirect(seat)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(seat)
    seat.evaluation.refresh_from_db()
    return _seat_page(request, seat, status=400, **{bound_name: form})


@login_required
@require_POST
def seat_declare(request, pk):
    seat = panel_seat_get(actor=request.actor, pk=pk)
    return _seat_post(
        request,
        seat,
        DeclareForm(request.POST, auto_id="id_declare_%s"),
        lambda data: services.panel_member_declare(actor=request.actor, member=seat, **data),
        done=_("Your declaration is recorded."),
        bound_name="declare_form",
    )


@login_required
@require_POST
def seat_opinion(request, pk):
    seat = panel_seat_get(actor=request.actor, pk=pk)
    return _seat_post(
        request,
        seat,
        OpinionForm(request.POST, auto_id="id_opinion_%s"),
        lambda data: services.opinion_record(actor=request.actor, member=seat, **data),
        done=_("Your opinion is recorded; the provider has been told."),
        bound_name="opinion_form",
    )
