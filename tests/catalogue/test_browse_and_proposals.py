"""The catalogue's filters, and the services proposed beside a need by the rule table."""

from decimal import Decimal

from django.core.management import call_command
from django.test import override_settings

from catalogue.models import OfferingStatus, ServiceCategory, ServiceOffering
from catalogue.selectors import offering_proposals_for_listing
from organizations.models import Organization
from outcomes.models import OutcomeEvent
from taxonomy.models import CooperationMode
from tests.catalogue.conftest import make_offering
from tests.factories import (
    GUANGDONG,
    HANGZHOU,
    NINGBO,
    ZHEJIANG,
    NeedFactory,
    OrganizationFactory,
    region,
)


def _titles(client, query):
    response = client.get(f"/services/?{query}")
    assert response.status_code == 200
    return {offering.title for offering in response.context["page"]}


def test_filters_region_subtree_nationwide_category_keyword(world, client):
    make_offering(world, title="全国估值")
    make_offering(world, title="浙江估值", regions=[region(ZHEJIANG)])
    make_offering(world, title="宁波估值", regions=[region(NINGBO)])
    make_offering(world, title="广东检测", category="testing", regions=[region(GUANGDONG)])
    make_offering(world, title="草稿", publish=False)
    assert _titles(client, "") == {"全国估值", "浙江估值", "宁波估值", "广东检测"}
    # A city: nationwide, its province's and its own; a province: also its cities'.
    assert _titles(client, f"region={region(HANGZHOU).pk}") == {"全国估值", "浙江估值"}
    assert _titles(client, f"region={region(ZHEJIANG).pk}") == {"全国估值", "浙江估值", "宁波估值"}
    assert _titles(client, "category=testing") == {"广东检测"}
    assert _titles(client, "q=宁波") == {"宁波估值"}
    assert _titles(client, "price_kind=on_quote") == set()
    # Filters that are not understood are dropped, not a 500.
    assert _titles(client, "region=99999999999999999999&category=nope&page=x") == {
        "全国估值",
        "浙江估值",
        "宁波估值",
        "广东检测",
    }


def test_the_keyword_is_cut_into_words_as_chinese_is_written(world, client):
    make_offering(world, title="锂电池性能检测", category="testing")
    make_offering(world, title="电池回收工艺咨询")
    make_offering(world, title="食品检测", category="testing")
    # No space between the words: each must be there, not the whole string.
    assert _titles(client, "q=电池检测") == {"锂电池性能检测"}
    assert _titles(client, "q=检测") == {"锂电池性能检测", "食品检测"}
    assert _titles(client, "q=电池 咨询") == {"电池回收工艺咨询"}
    assert _titles(client, "q=纳米涂层检测") == set()
    # Punctuation alone filters nothing out.
    assert len(_titles(client, "q=，。")) == 3


def test_need_page_proposes_services_by_the_rules(world, client):
    need = NeedFactory(organization=world.enterprise, problem="短")
    need.cooperation_modes.set([CooperationMode.objects.get(code="transfer")])
    make_offering(world, title="需求诊断", category="demand_analysis")
    make_offering(world, title="价值评估", category="valuation")
    make_offering(world, title="深圳评估", category="valuation", regions=[region("440300")])
    make_offering(world, title="培训", category="training")
    page = client.get(need.get_absolute_url()).content.decode()
    assert 'id="service-proposals"' in page
    assert "转让前可先做技术价值评估" in page
    proposals = offering_proposals_for_listing(listing=need)
    assert [p.offering.title for p in proposals] == ["需求诊断", "价值评估"]
    # Once a contract is signed on the need, registration is proposed.
    make_offering(world, title="合同登记", category="contract_registration")
    OutcomeEvent.objects.create(
        name=OutcomeEvent.Name.DEAL_SIGNED,
        subject_type="deal",
        subject_id=1,
        data={"need": need.pk},
    )
    titles = [p.offering.title for p in offering_proposals_for_listing(listing=need)]
    assert titles[:2] == ["需求诊断", "合同登记"]


def test_demo_loads_once(db):
    OrganizationFactory(kind=Organization.Kind.AGENCY)
    from tests.factories import member_of

    for kind in (Organization.Kind.INSTITUTION, Organization.Kind.SOCIETY):
        member_of(OrganizationFactory(kind=kind))
    member_of(Organization.objects.filter(kind=Organization.Kind.AGENCY).get())
    with override_settings(DEBUG=True):
        call_command("load_demo_offerings", stdout=open("/dev/null", "w"))
        count = ServiceOffering.objects.count()
        call_command("load_demo_offerings", stdout=open("/dev/null", "w"))
    assert ServiceOffering.objects.count() == count == 19
    # Every category has a published offering: a newcomer browses a living market.
    published = ServiceOffering.objects.filter(status=OfferingStatus.PUBLISHED)
    assert published.values("category").distinct().count() == ServiceCategory.objects.count()
    statuses = list(ServiceOffering.objects.values_list("status", flat=True))
    assert statuses.count(OfferingStatus.PENDING) == 2
    assert statuses.count(OfferingStatus.REJECTED) == 1
    assert ServiceOffering.objects.filter(price_amount__lt=Decimal("0")).count() == 0
