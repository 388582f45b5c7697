"""Registrations go to the nearest verified CAST office above them, or to the platform admins."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from notifications.models import Notification
from organizations import services
from organizations.models import Membership, Organization
from organizations.selectors import actor_for, organization_list_for_review
from tests.factories import OrganizationFactory, UserFactory, member_of, region

pytestmark = pytest.mark.django_db

JIANGXI = "360000"
NANCHANG = "360100"
REGISTER = reverse("organizations:register")


def office(region_code, name, **fields):
    return OrganizationFactory(
        kind=Organization.Kind.CAST_OFFICE, region=region(region_code), name=name, **fields
    )


def register(client, user):
    client.force_login(user)
    return client.post(
        REGISTER,
        {
            "name": "南昌赣新材料有限公司",
            "kind": Organization.Kind.ENTERPRISE,
            "region": region(NANCHANG).pk,
            "credit_code": "91330100MA27U1234X",
            "contact_name": "刘经理",
            "contact_phone": "0791-86668888",
            "business_licence": SimpleUploadedFile("执照.pdf", b"%PDF-1.7\n", "application/pdf"),
        },
    )


def success_message(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_city_without_an_office_goes_to_its_province_office(client):
    jiangxi = office(JIANGXI, "江西省科协")
    staff = member_of(jiangxi, role=Membership.Role.MEMBER)
    applicant = UserFactory()

    response = register(client, applicant)

    organization = Organization.objects.get(name="南昌赣新材料有限公司")
    assert response.status_code == 302
    assert success_message(response) == ["入驻申请已提交，江西省科协将审核您的机构。"]
    told_applicant = Notification.objects.get(user=applicant)
    assert told_applicant.title == "南昌赣新材料有限公司 已提交入驻申请，由江西省科协审核"
    told_staff = Notification.objects.get(user=staff)
    assert told_staff.title == "南昌赣新材料有限公司 的入驻信息等待您审核"
    assert told_staff.url == reverse("organizations:detail", args=[organization.pk])
    # ... and the province office finds it in its queue.
    assert list(organization_list_for_review(actor=actor_for(user=staff))) == [organization]
    page = client.get(reverse("organizations:detail", args=[organization.pk]))
    assert "等待江西省科协审核" in page.content.decode()


def test_the_city_office_comes_before_the_province_office(client):
    office(JIANGXI, "江西省科协")
    nanchang = office(NANCHANG, "南昌市科协")
    staff = member_of(nanchang, role=Membership.Role.MEMBER)

    response = register(client, UserFactory())

    assert success_message(response) == ["入驻申请已提交，南昌市科协将审核您的机构。"]
    assert Notification.objects.filter(user=staff).count() == 1


def test_unverified_offices_do_not_count(client):
    office(NANCHANG, "南昌市科协", status=Organization.Status.PENDING)
    superuser = UserFactory(is_superuser=True, is_staff=True)
    UserFactory(is_superuser=True, is_active=False)

    response = register(client, UserFactory())

    assert success_message(response) == ["入驻申请已提交，平台管理员将审核您的机构。"]
    organization = Organization.objects.get(name="南昌赣新材料有限公司")
    told = Notification.objects.filter(title__endswith="等待您审核")
    assert [n.user for n in told] == [superuser]
    assert list(organization_list_for_review(actor=actor_for(user=superuser))) == [organization]


def test_an_organization_that_moves_region_is_announced_to_its_new_reviewers(actor):
    jiangxi = office(JIANGXI, "江西省科协")
    staff = member_of(jiangxi, role=Membership.Role.MEMBER)
    organization = OrganizationFactory(name="赣江科技有限公司")
    admin = member_of(organization)

    services.organization_update(
        organization=organization, actor=actor(admin), data={"region": region(NANCHANG)}
    )

    assert organization.status == Organization.Status.PENDING
    assert Notification.objects.get(user=staff).title == "赣江科技有限公司 的入驻信息等待您审核"


def test_an_office_without_staff_is_passed_over(client):
    office(NANCHANG, "南昌市科协")
    staff = member_of(office(JIANGXI, "江西省科协"), role=Membership.Role.MEMBER)

    response = register(client, UserFactory())

    assert success_message(response) == ["入驻申请已提交，江西省科协将审核您的机构。"]
    assert Notification.objects.filter(user=staff).count() == 1
