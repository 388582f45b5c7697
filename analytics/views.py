"""The statistics pages: the public one (aggregates only, small cells hidden), the CAST staff's
dashboard (their regions, full figures and leaderboards), and the funnel of each as CSV.
Thin: the form reads the filters, the selectors count."""

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.forms import StatisticsFilterForm
from analytics.permissions import statistics_can_see_full, statistics_full_region_ids
from analytics.selectors import (
    StatisticsFilter,
    funnel_compute,
    statistics_chart_data,
    statistics_filter_build,
    statistics_report_shown,
)
from analytics.templatetags.statistics_ui import HIDDEN


def _filters(request, *, full: bool) -> tuple[StatisticsFilterForm, StatisticsFilter | None]:
    """The form bound to the query string and the filter it gives (None if invalid)."""
    within = statistics_full_region_ids(actor=request.actor) if full else None
    form = StatisticsFilterForm(request.GET, regions=within)
    if not form.is_valid():
        return form, None
    return form, statistics_filter_build(**form.cleaned_data, within_region_ids=within)


def _staff_only(request):
    if not statistics_can_see_full(actor=request.actor):
        raise PermissionDenied(_("Only the CAST staff see the dashboard."))


def _page(request, *, full: bool):
    form, filter_ = _filters(request, full=full)
    context = {"form": form, "full": full, "export_query": request.GET.urlencode()}
    if filter_ is None:
        return render(request, "analytics/statistics.html", context, status=400)
    report = statistics_report_shown(filter_=filter_, full=full)
    context.update(report=report, chart_data=statistics_chart_data(report))
    return render(request, "analytics/statistics.html", context)


def statistics_public(request):
    """Anyone: the funnel, the loss reasons and the breakdowns, cells under five hidden."""
    return _page(request, full=False)


@login_required
def statistics_dashboard(request):
    """The CAST staff: the full figures of their regions (and below), with the leaderboards;
    platform administrators choose any region."""
    _staff_only(request)
    return _page(request, full=True)


def _funnel_csv(request, *, full: bool):
    form, filter_ = _filters(request, full=full)
    if filter_ is None:
        lines = [
            f"{form.fields[name].label if name in form.fields else ''}: {message}"
            for name, messages in form.errors.items()
            for message in messages
        ]
        return HttpResponse("\n".join(lines), status=400, content_type="text/plain; charset=utf-8")
    steps = funnel_compute(filter_=filter_, public=not full)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().strftime("%Y%m%d")
    name = "dashboard" if full else "public"
    response["Content-Disposition"] = f'attachment; filename="techbridge-funnel-{name}-{stamp}.csv"'
    # The byte order mark lets Excel read the file as UTF-8 (Chinese) instead of GBK.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
            _("step"),
            _("needs"),
            _("conversion from the previous step (%)"),
            _("conversion from published (%)"),
            _("median days from the previous step"),
            _("needs behind the median"),
        ]
    )
    for step in steps:
        writer.writerow(
            [
                step.label,
                HIDDEN if step.count is None else step.count,
                "" if step.from_previous is None else step.from_previous,
                "" if step.from_published is None else step.from_published,
                "" if step.median_days is None else step.median_days,
                "" if step.key == "published" else _hidden_or(step.median_sample),
            ]
        )
    return response


def _hidden_or(value):
    return HIDDEN if value is None else value


def statistics_public_csv(request):
    return _funnel_csv(request, full=False)


@login_required
def statistics_dashboard_csv(request):
    _staff_only(request)
    return _funnel_csv(request, full=True)
