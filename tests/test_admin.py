"""The back office (/admin/): every page loads for the platform administrators, in bounded
queries; nobody else gets in; state changes go through the domain's services."""

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.models import SignUp
from matching.models import Match, RankerModel
from notifications.models import Notification
from organizations.models import CastOffice, Membership, Organization
from organizations.selectors import actor_for, organization_list_for_review
from outbox.models import OutboxMessage
from repositories.models import ListingStatus, Need
from subscriptions.models import Subscription
from tests.factories import (
    HANGZHOU,
    ZHEJIANG,
    AchievementFactory,
    NeedFactory,
    OrganizationFactory,
    ProjectFactory,
    TalentFactory,
    UserFactory,
    api_token_for,
    cast_staff,
    member_of,
    region,
)
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.fixture
def superuser(client):
    user = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(user)
    return user


def make_rows(count=3):
    """A few rows of every model the back office shows."""
    for number in range(count):
        organization = OrganizationFactory(status=Organization.Status.PENDING)
        member_of(organization)
        cast_staff(f"33{number + 1:02d}00")
        api_token_for(OrganizationFactory())
        need = NeedFactory(status=ListingStatus.SUBMITTED)
        achievement = AchievementFactory()
        ProjectFactory()
        TalentFactory()
        Match.objects.create(
            need=need,
            supply_kind="achievement",
            supply_listing=achievement,
            supply_key=f"achievement:{achievement.pk}",
            region=need.region,
            score=0.9,
            degree=72,
            model="test",
        )
        RankerModel.objects.create(
            version=number + 1, coefficients={}, decisions=200, active=number == 0
        )
        Notification.objects.create(user=UserFactory(), topic="match", title=f"消息{number}")
        Subscription.objects.create(user=UserFactory(), name=f"订阅{number}", keywords="锂电池")
        endpoint = WebhookEndpoint.objects.create(
            organization=organization,
            url=f"https://hooks{number}.example.cn/",
            secret="s3cret",
            events=["listing.published"],
        )
        WebhookDelivery.objects.create(endpoint=endpoint, event="ping", payload={"n": number})
        OutboxMessage.objects.create(task="webhooks.tasks.deliver_webhook", args=[number])
        SignUp.objects.create(
            username=f"waiting{number}",
            email=f"waiting{number}@example.cn",
            password="!",
            terms_version="test",
            terms_accepted_at=timezone.now(),
            link_sent_at=timezone.now(),
        )
        Group.objects.create(name=f"组{number}")
        _conversation_rows(need, achievement, number)
        _evaluation_rows(number)
        _demand_analysis_rows(number)
        _challenge_rows(need, number)
        _roadshow_rows(achievement, number)
        _service_team_rows(need, number)


def _challenge_rows(need, number):
    """A challenge with an indicator, a question, an invitation and an application."""
    from challenges.models import Application, Challenge, ChallengeIndicator, Invitation, Question

    day = timezone.localdate()
    challenge = Challenge.objects.create(
        sponsor=need.organization,
        need=need,
        title=f"测试榜单{number}",
        problem="难题",
        success_criteria="达标",
        trl_now=3,
        trl_wanted=6,
        reward_amount=100,
        reward_terms="两期",
        ip_arrangement="exclusive",
        eligibility="不限",
        applications_close_on=day,
        decision_by=day,
        region=need.region,
    )
    ChallengeIndicator.objects.create(
        challenge=challenge, name="回收率", target_value="95", unit="%", test_method="检测"
    )
    applicant = OrganizationFactory(name=f"揭榜单位{number}")
    Question.objects.create(challenge=challenge, organization=applicant, text="问题")
    Invitation.objects.create(challenge=challenge, organization=applicant, reason="相近")
    application = Application.objects.create(
        challenge=challenge,
        applicant=applicant,
        approach="方案",
        budget=90,
        team="团队",
        evidence="证明",
        coi_declared=True,
        originality_declared=True,
    )
    from challenges.models import PanelAssignment, PanelMember, ReviewCriterion, Score

    criterion = ReviewCriterion.objects.create(challenge=challenge, name="方案", weight=100)
    member = PanelMember.objects.create(
        challenge=challenge, user=member_of(applicant), name=f"评审{number}"
    )
    assignment = PanelAssignment.objects.create(member=member, application=application)
    Score.objects.create(assignment=assignment, criterion=criterion, value=8, comment="好")


def _roadshow_rows(achievement, number):
    """A roadshow with a pitch, a registration, a criterion and score, a question, a meeting
    and an intent."""
    from roadshows.models import (
        Criterion,
        Intent,
        Meeting,
        PanelMember,
        Pitch,
        Question,
        Registration,
        Roadshow,
        Score,
    )

    now = timezone.now()
    host = OrganizationFactory(name=f"路演学会{number}", kind="society")
    roadshow = Roadshow.objects.create(
        host=host,
        title=f"测试路演{number}",
        theme="主题",
        starts_at=now,
        ends_at=now + timezone.timedelta(hours=3),
        pitches_close_on=now.date(),
        region=host.region,
        is_competition=True,
    )
    pitch = Pitch.objects.create(
        roadshow=roadshow,
        organization=achievement.organization,
        listing=achievement,
        summary="摘要",
    )
    attendee = OrganizationFactory(name=f"路演观众{number}")
    user = UserFactory()
    Registration.objects.create(roadshow=roadshow, organization=attendee, user=user)
    PanelMember.objects.create(roadshow=roadshow, user=user)
    criterion = Criterion.objects.create(roadshow=roadshow, name="技术", weight=50)
    Score.objects.create(pitch=pitch, criterion=criterion, judge=user, value=80)
    Question.objects.create(pitch=pitch, organization=attendee, text="问题")
    Meeting.objects.create(
        pitch=pitch,
        presenter=achievement.organization,
        attendee=attendee,
        attendee_user=user,
        starts_at=now,
        ends_at=now + timezone.timedelta(minutes=30),
    )
    Intent.objects.create(pitch=pitch, organization=attendee, kind="license", note="意向")


def _service_team_rows(need, number):
    """A team with a member and a station, a pilot city, a verified mission with a host, a
    member going, a collected need, an hour record, and an assessment."""
    from service_teams.models import (
        Mission,
        MissionHost,
        MissionMember,
        MissionNeed,
        PilotAssessment,
        PilotCity,
        ServiceHourRecord,
        ServiceStation,
        TeamMember,
    )

    day = timezone.localdate()
    team = OrganizationFactory(name=f"测试服务团{number}", kind="service_team")
    member = TeamMember.objects.create(team=team, role="chief", name=f"专家{number}")
    station = ServiceStation.objects.create(
        kind="expert", name=f"测试服务站{number}", host=need.organization, region=need.region
    )
    station.teams.add(team)
    pilot = PilotCity.objects.create(
        region=region(f"33{number + 1:02d}00"), name=f"试点{number}", starts_on=day
    )
    mission = Mission.objects.create(
        team=team,
        pilot_city=pilot,
        kind="training",
        title=f"测试服务{number}",
        starts_on=day,
        ends_on=day,
        status="verified",
    )
    MissionHost.objects.create(mission=mission, host=need.organization)
    MissionMember.objects.create(mission=mission, member=member, hours=4)
    MissionNeed.objects.create(mission=mission, listing=need)
    ServiceHourRecord.objects.create(
        member=member, mission=mission, hours=4, verified_at=timezone.now()
    )
    PilotAssessment.objects.create(
        pilot_city=pilot, period="2026上半年", assessor=team, score=80, level="good", findings="好"
    )


def _demand_analysis_rows(number):
    """A demand analysis of a need, with a target indicator and a solution route."""
    from demand_analysis.models import DemandAnalysis, Indicator, SolutionRoute

    need = NeedFactory()
    analysis = DemandAnalysis.objects.create(
        need=need,
        source="service_team",
        analyst=OrganizationFactory(kind=Organization.Kind.SERVICE_TEAM),
        region=need.region,
        status="submitted",
        problem_statement="问题陈述",
    )
    Indicator.objects.create(analysis=analysis, name="回用率", target="≥ 85", unit="%")
    SolutionRoute.objects.create(analysis=analysis, route="双膜法")


def _evaluation_rows(number):
    """An evaluation with a material, an expert, an opinion, a report and an appeal."""
    from catalogue.models import ServiceCategory
    from evaluations.models import Appeal, Evaluation, Material, Opinion, PanelMember, Report
    from orders.models import Order

    owner, agency = OrganizationFactory(), OrganizationFactory(kind=Organization.Kind.AGENCY)
    achievement = AchievementFactory(organization=owner)
    order = Order.objects.create(
        buyer=owner,
        provider=agency,
        category=ServiceCategory.objects.get(code="evaluation"),
        title=f"成果评价{number}",
        scope="评价",
        price=9800,
        due_on=timezone.localdate(),
        region=owner.region,
        accept_by=timezone.now(),
        listing=achievement,
        status="completed",
    )
    evaluation = Evaluation.objects.create(
        order=order, achievement=achievement, scope="评价", status="appealed"
    )
    Material.objects.create(evaluation=evaluation, name="科技查新报告", received=True)
    member = PanelMember.objects.create(
        evaluation=evaluation, name="李明华", affiliation="浙江大学", declared_no_conflict=True
    )
    Opinion.objects.create(
        member=member,
        innovation=4,
        advancement=4,
        maturity=6,
        ip_strength=3,
        market=4,
        comment="可信",
    )
    Report.objects.create(
        evaluation=evaluation,
        version=1,
        conclusion="国内领先",
        public_summary="摘要",
        overall=76,
        level=4,
        evaluated_maturity=6,
        panel_size=1,
        file=f"evaluations/{number}.pdf",
    )
    Appeal.objects.create(evaluation=evaluation, statement="请复核成熟度")


def _conversation_rows(need, achievement, number):
    """A conversation with a message, a contact request, a block, a report, a shared contact."""
    from conversations.models import (
        AbuseReport,
        Block,
        ContactRequest,
        Conversation,
        Message,
        SharedContact,
    )

    parties = (need.organization, achievement.organization)
    conversation = Conversation.objects.create(
        origin="request",
        party_a=parties[0],
        party_b=parties[1],
        subject=f"对接{number}",
        listing=achievement,
        region=need.region,
    )
    Message.objects.create(conversation=conversation, sender_organization=parties[0], body="您好")
    ContactRequest.objects.create(
        listing=achievement, organization=parties[0], owner=parties[1], message="希望对接"
    )
    Block.objects.create(organization=parties[1], blocked=parties[0])
    AbuseReport.objects.create(
        conversation=conversation,
        reporter_organization=parties[1],
        reported_organization=parties[0],
        region=need.region,
        reason="spam",
    )
    SharedContact.objects.create(organization=parties[1], name="钱工", phone="13700001111")
    _market_rows(conversation, parties, number)


def _market_rows(conversation, parties, number):
    """A deal with its contract and case, an offering, an order with a dispute, a request for
    quotes."""
    from cases.models import Case
    from catalogue.models import ServiceCategory, ServiceOffering
    from deals.models import Contract, Deal
    from orders.models import Dispute, Order, QuoteRequest

    deal = Deal.objects.create(
        title=f"交易{number}",
        origin="conversation",
        demand_party=parties[0],
        supply_party=parties[1],
        conversation=conversation,
        region=conversation.region,
    )
    Contract.objects.create(
        deal=deal, contract_type="transfer", total_amount=100, payment_terms="lump_sum"
    )
    Case.objects.create(
        deal=deal,
        title=f"案例{number}",
        need_summary="需求",
        solution_summary="方案",
        demand_party=parties[0],
        supply_party=parties[1],
        region=conversation.region,
        contract_type="transfer",
        amount_band="50_100",
    )
    category = ServiceCategory.objects.get(code="evaluation")
    offering = ServiceOffering.objects.create(
        provider=parties[1],
        category=category,
        title=f"成果评价{number}",
        description="评价",
        lead_time_days=30,
        created_by=parties[1].memberships.first().user
        if parties[1].memberships.exists()
        else member_of(parties[1]),
    )
    order = Order.objects.create(
        buyer=parties[0],
        provider=parties[1],
        offering=offering,
        category=category,
        title=f"订单{number}",
        scope="评价",
        price=8000,
        due_on=timezone.localdate(),
        region=conversation.region,
        accept_by=timezone.now(),
        status="disputed",
    )
    Dispute.objects.create(
        order=order, opened_by=parties[0], statement="逾期", answer_due_on=timezone.localdate()
    )
    _credit_rows(parties[1], order)
    _voucher_rows(parties, order, number)
    _manager_rows(deal, parties[0], number)
    QuoteRequest.objects.create(
        buyer=parties[0],
        category=category,
        title=f"询价{number}",
        description="请报价",
        quotes_due_at=timezone.now(),
    )


def _manager_rows(deal, organization, number):
    """A technology manager with a mandate from a party and a commission on its deal."""
    from managers.models import Commission, ManagerProfile
    from organizations.models import Mandate

    user = UserFactory()
    ManagerProfile.objects.create(
        user=user, name=f"经理人{number}", bio="从事技术转移十年", region=organization.region
    )
    mandate = Mandate.objects.create(
        organization=organization,
        manager=user,
        scope_note="寻找受让方",
        base_fee=5000,
        success_share=3,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
    )
    Commission.objects.create(
        mandate=mandate,
        deal=deal,
        technical_amount=1000000,
        base_fee=5000,
        share_amount=30000,
        amount_due=35000,
    )


def _voucher_rows(parties, order, number):
    """An order milestone, an innovation voucher and a payment with it."""
    from orders.models import OrderMilestone, Voucher, VoucherRedemption

    OrderMilestone.objects.create(order=order, title=f"阶段{number}", due_on=order.due_on)
    office = OrganizationFactory(kind=Organization.Kind.CAST_OFFICE, name=f"发券科协{number}")
    voucher = Voucher.objects.create(
        number=f"CXQ-{number}",
        issued_by=office,
        holder=parties[0],
        amount=10000,
        valid_from=timezone.localdate(),
        valid_until=timezone.localdate(),
    )
    VoucherRedemption.objects.create(voucher=voucher, order=order, amount=1000)


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_the_back_office_manages_the_platform_not_only_users():
    registered = {model._meta.label for model in MODELS}
    assert {
        "organizations.Organization",
        "organizations.CastOffice",
        "repositories.Need",
        "repositories.Achievement",
        "repositories.Project",
        "repositories.Talent",
        "matching.Match",
        "taxonomy.Field",
        "taxonomy.Region",
        "taxonomy.CooperationMode",
    } <= registered


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_changelist_and_change_page_load_for_the_superuser(
    client, superuser, model, django_assert_max_num_queries
):
    make_rows()
    with django_assert_max_num_queries(8):
        response = client.get(changelist(model))
    assert response.status_code == 200
    # Chinese headings, from the models' own verbose names.
    assert str(model._meta.verbose_name_plural) in response.content.decode()
    # Filters and search do not break the page.
    model_admin = admin.site._registry[model]
    if model_admin.search_fields:
        assert client.get(changelist(model), {"q": "测试"}).status_code == 200
    obj = model_admin.get_queryset(response.wsgi_request).first()
    assert obj is not None
    change = reverse(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk]
    )
    assert client.get(change).status_code == 200


def test_province_filter_takes_in_the_cities(client, superuser):
    in_zhejiang = OrganizationFactory(region=region(HANGZHOU))
    OrganizationFactory(region=region("440300"))
    response = client.get(changelist(Organization), {"province": region(ZHEJIANG).pk})
    assert list(response.context["cl"].result_list) == [in_zhejiang]


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: UserFactory(),
        lambda: cast_staff(ZHEJIANG),
    ],
    ids=["user", "cast-staff"],
)
def test_people_who_are_not_staff_cannot_reach_the_back_office(client, make_user):
    client.force_login(make_user())
    for url in (reverse("admin:index"), changelist(Organization), changelist(Need)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_staff_without_permissions_see_nothing(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(changelist(Organization)).status_code == 403
    assert client.get(changelist(CastOffice)).status_code == 403


# --- actions go through the services ----------------------------------------------------------


def run_action(client, model, action, objects, **extra):
    return client.post(
        changelist(model),
        {"action": action, ACTION_CHECKBOX_NAME: [obj.pk for obj in objects], **extra},
    )


def test_verify_action_verifies_and_tells_the_organization(client, superuser):
    organization = OrganizationFactory(status=Organization.Status.PENDING)
    admin_user = member_of(organization)
    response = run_action(client, Organization, "verify", [organization])
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.status == Organization.Status.VERIFIED
    assert organization.reviewed_by == superuser
    assert Notification.objects.get(user=admin_user).title == (
        f"{organization.name} 已通过审核，现在可以提交信息了"
    )


def test_reject_action_asks_for_the_reason_first(client, superuser):
    organization = OrganizationFactory(status=Organization.Status.PENDING)
    asked = run_action(client, Organization, "reject", [organization])
    assert asked.status_code == 200
    assert asked.templates[0].name == "admin/service_action_reason.html"
    blank = run_action(client, Organization, "reject", [organization], apply="1", note=" ")
    assert blank.status_code == 200
    assert blank.context["form"].errors == {"note": ["请填写原因：申请方会看到它。"]}
    organization.refresh_from_db()
    assert organization.status == Organization.Status.PENDING

    done = run_action(
        client, Organization, "reject", [organization], apply="1", note="营业执照不清晰"
    )
    assert done.status_code == 302
    organization.refresh_from_db()
    assert (organization.status, organization.review_note) == (
        Organization.Status.REJECTED,
        "营业执照不清晰",
    )


def test_a_refused_action_is_reported_not_forced(client, superuser):
    verified = OrganizationFactory()
    response = client.post(
        changelist(Organization),
        {"action": "verify", ACTION_CHECKBOX_NAME: [verified.pk]},
        follow=True,
    )
    client_messages = [str(m) for m in response.context["messages"]]
    assert client_messages == [f"{verified.name}: 该机构当前不在待审核状态。"]


def test_organization_profile_and_workflow_are_read_only(client, superuser):
    organization = OrganizationFactory(status=Organization.Status.PENDING)
    url = reverse("admin:organizations_organization_change", args=[organization.pk])
    client.post(url, {"status": "verified", "name": "改名"})
    organization.refresh_from_db()
    assert (organization.status, organization.name) != (Organization.Status.VERIFIED, "改名")
    assert organization.status == Organization.Status.PENDING


def test_the_platform_sets_up_a_cast_office_with_its_staff(client, superuser):
    staff = UserFactory()
    pending = OrganizationFactory(status=Organization.Status.PENDING, region=region(HANGZHOU))
    response = client.post(
        reverse("admin:organizations_castoffice_add"),
        {
            "name": "浙江省科协",
            "region": region(ZHEJIANG).pk,
            "contact_name": "李老师",
            "contact_phone": "0571-85171234",
            "contact_email": "",
            "website": "",
            "description": "",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-user": staff.pk,
            "memberships-0-role": Membership.Role.MEMBER,
            "memberships-0-status": Membership.Status.ACTIVE,
        },
    )
    assert response.status_code == 302
    office = Organization.objects.get(name="浙江省科协")
    assert (office.kind, office.status, office.reviewed_by) == (
        Organization.Kind.CAST_OFFICE,
        Organization.Status.VERIFIED,
        superuser,
    )
    # The new staff member reviews the province and its cities at once.
    assert list(organization_list_for_review(actor=actor_for(user=staff))) == [pending]


def test_a_cast_office_with_a_bad_phone_is_refused_naming_the_field(client, superuser):
    response = client.post(
        reverse("admin:organizations_castoffice_add"),
        {
            "name": "浙江省科协",
            "region": region(ZHEJIANG).pk,
            "contact_name": "李老师",
            "contact_phone": "0571-8666",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["contact_phone"]
    assert not Organization.objects.filter(name="浙江省科协").exists()


def test_cast_offices_are_listed_apart_from_organizations(client, superuser):
    office = OrganizationFactory(kind=Organization.Kind.CAST_OFFICE, name="杭州市科协")
    enterprise = OrganizationFactory()
    offices = client.get(changelist(CastOffice)).context["cl"].result_list
    organizations = client.get(changelist(Organization)).context["cl"].result_list
    assert [o.pk for o in offices] == [office.pk]
    assert [o.pk for o in organizations] == [enterprise.pk]


def test_publish_action_publishes_through_the_review_service(client, superuser):
    need = NeedFactory(status=ListingStatus.SUBMITTED, published_at=None, expires_at=None)
    response = run_action(client, Need, "publish", [need])
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == ListingStatus.PUBLISHED
    assert need.expires_at is not None
    assert need.revisions.filter(action="approved").count() == 1


def test_listings_cannot_be_added_or_deleted_in_the_back_office(client, superuser):
    need = NeedFactory()
    assert client.get(reverse("admin:repositories_need_add")).status_code == 403
    assert client.get(reverse("admin:repositories_need_delete", args=[need.pk])).status_code == 403


def test_staff_with_admin_permissions_still_cannot_set_up_an_office(client):
    """Setting up an office is the platform administrators' (superusers') call, whatever the
    admin permissions say: the service refuses."""
    from django.contrib.auth.models import Permission

    staff = UserFactory(is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__endswith="castoffice"))
    client.force_login(staff)
    response = client.post(
        reverse("admin:organizations_castoffice_add"),
        {
            "name": "浙江省科协",
            "region": region(ZHEJIANG).pk,
            "contact_name": "李老师",
            "contact_phone": "0571-85171234",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 403
    assert not Organization.objects.filter(name="浙江省科协").exists()


def _credit_rows(organization, order):
    """A standing and an appeal against the event of a lost dispute."""
    from credit.models import CreditAppeal, CreditStanding
    from outcomes.models import OutcomeEvent

    CreditStanding.objects.create(
        organization=organization, score=53, level="C", event_count=6, computed_at=timezone.now()
    )
    event = OutcomeEvent.objects.create(
        name="order.dispute_decided",
        subject_type="order",
        subject_id=order.pk,
        organization=organization,
        data={"decision": "for_buyer"},
    )
    CreditAppeal.objects.create(organization=organization, event=event, statement="买方未提供资料")
