"""The demo's demand analyses (`manage.py load_demo_demand_analyses`, run by `make run`): every
status on the demo needs, through the services, loaded once."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalogue.models import OfferingStatus, PriceKind, ServiceCategory, ServiceOffering
from demand_analysis import demo
from demand_analysis.models import AnalysisSource, AnalysisStatus, DemandAnalysis
from organizations.models import Organization
from outcomes.models import OutcomeEvent
from repositories.models import Need, PendingStatus
from tests.factories import (
    HANGZHOU,
    NINGBO,
    NeedFactory,
    OrganizationFactory,
    cast_staff,
    member_of,
    region,
)

pytestmark = pytest.mark.django_db


def test_demo_analyses_reach_every_status_once(settings):
    settings.DEBUG = True
    cast_staff("330000")
    for title in (demo.WASTEWATER, demo.FABRIC, demo.MOULDING, demo.COLD_CHAIN, demo.SCHEDULING):
        owner = OrganizationFactory(region=region(NINGBO if title == demo.MOULDING else HANGZHOU))
        member_of(owner)
        NeedFactory(
            organization=owner, title=title, published_at=timezone.now() - timedelta(days=60)
        )
    member_of(OrganizationFactory(kind=Organization.Kind.SERVICE_TEAM, region=region(HANGZHOU)))
    agency = OrganizationFactory(kind=Organization.Kind.AGENCY)
    ServiceOffering.objects.create(
        provider=agency,
        category=ServiceCategory.objects.get(code="demand_analysis"),
        title="企业技术需求诊断与挖掘",
        description="驻企走访，梳理技术瓶颈。",
        deliverables="需求诊断报告",
        price_kind=PriceKind.FIXED,
        price_amount=Decimal("5000"),
        lead_time_days=10,
        status=OfferingStatus.PUBLISHED,
        created_by=member_of(agency),
    )
    call_command("load_demo_demand_analyses")
    assert set(DemandAnalysis.objects.values_list("status", flat=True)) == set(
        AnalysisStatus.values
    )
    assert DemandAnalysis.objects.get(source=AnalysisSource.ORDER).status == "submitted"
    accepted = DemandAnalysis.objects.get(status=AnalysisStatus.ACCEPTED)
    need = Need.objects.get(pk=accepted.need_id)
    assert need.pending_status == PendingStatus.SUBMITTED
    assert "HJ 828-2017" in need.pending_changes["target_indicators"]
    assert not OutcomeEvent.objects.filter(occurred_at__gt=timezone.now()).exists()
    count = DemandAnalysis.objects.count()
    call_command("load_demo_demand_analyses")
    assert DemandAnalysis.objects.count() == count == 5
