"""The business licence (营业执照): checked by content, shown only through a permission check."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from organizations import services
from organizations.models import Membership, Organization
from tests.factories import (
    GUANGDONG,
    NINGBO,
    ZHEJIANG,
    OrganizationFactory,
    UserFactory,
    cast_staff,
    member_of,
    region,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF"
REGISTER = reverse("organizations:register")


def registration(**overrides):
    data = {
        "name": "杭州锂想科技有限公司",
        "kind": Organization.Kind.ENTERPRISE,
        "region": region("330100").pk,
        "credit_code": "91330100MA27U1234X",
        "contact_name": "张经理",
        "contact_phone": "13900000000",
    }
    data.update(overrides)
    return data


def licence_url(organization):
    return reverse("organizations:licence", args=[organization.pk])


@pytest.fixture
def applicant(client):
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    ("filename", "content", "stored_as", "content_type"),
    [
        ("执照.pdf", PDF, "pdf", "application/pdf"),
        ("执照.PNG", PNG, "png", "image/png"),
        ("执照.jpeg", JPG, "jpg", "image/jpeg"),
    ],
)
def test_licence_uploaded_at_registration_is_served_to_the_applicant(
    client, applicant, filename, content, stored_as, content_type
):
    response = client.post(
        REGISTER, registration(business_licence=SimpleUploadedFile(filename, content))
    )
    assert response.status_code == 302
    organization = Organization.objects.get()
    assert organization.business_licence.name.startswith("licences/")
    assert organization.business_licence.name.endswith(f".{stored_as}")

    download = client.get(licence_url(organization))
    assert download.status_code == 200
    assert download["Content-Type"] == content_type
    assert download["Cache-Control"] == "private, no-store"
    assert b"".join(download.streaming_content) == content


@pytest.mark.parametrize(
    ("upload", "error"),
    [
        (
            SimpleUploadedFile("执照.pdf", b"MZ\x90\x00 not a pdf"),
            "请上传 PDF、JPG 或 PNG 格式的营业执照；该文件内容不属于这几种格式。",
        ),
        (
            SimpleUploadedFile("执照.pdf", PNG),
            "该文件内容为 PNG 格式，但文件名后缀为“.pdf”，请上传原始扫描件或 PDF。",
        ),
        (
            SimpleUploadedFile("执照.exe", PDF),
            "该文件内容为 PDF 格式，但文件名后缀为“.exe”，请上传原始扫描件或 PDF。",
        ),
        (
            SimpleUploadedFile("执照.pdf", PDF + b"0" * (10 * 1024 * 1024)),
            "营业执照文件不能超过 10 MB，当前文件为 10.0 MB。",
        ),
    ],
    ids=["not-a-document", "png-named-pdf", "pdf-named-exe", "too-large"],
)
def test_a_bad_licence_is_refused_naming_the_field(client, applicant, upload, error):
    response = client.post(REGISTER, registration(business_licence=upload))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"business_licence": [error]}
    assert form["name"].value() == "杭州锂想科技有限公司"
    assert Organization.objects.count() == 0


@pytest.mark.parametrize("kind", [Organization.Kind.ENTERPRISE, Organization.Kind.AGENCY])
def test_enterprises_and_agencies_must_upload_a_licence(client, applicant, kind):
    response = client.post(REGISTER, registration(kind=kind))
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "business_licence": ["企业和第三方服务机构入驻须上传营业执照。"]
    }


def test_an_institution_may_register_without_a_licence(client, applicant):
    response = client.post(
        REGISTER, registration(kind=Organization.Kind.INSTITUTION, credit_code="")
    )
    assert response.status_code == 302
    assert not Organization.objects.get().business_licence


@pytest.fixture
def pending_with_licence():
    organization = OrganizationFactory(status=Organization.Status.PENDING, region=region("330100"))
    organization.business_licence.save("licence.pdf", SimpleUploadedFile("x.pdf", PDF))
    return organization


def test_licence_is_seen_by_admins_reviewers_and_superusers_only(client, pending_with_licence):
    organization = pending_with_licence
    url = licence_url(organization)
    assert client.get(url).status_code == 302  # to the login page
    allowed = [
        member_of(organization),
        cast_staff(ZHEJIANG),
        UserFactory(is_superuser=True),
    ]
    refused = [
        member_of(organization, role=Membership.Role.MEMBER),
        member_of(OrganizationFactory()),
        cast_staff(NINGBO),
        cast_staff(GUANGDONG),
        UserFactory(),
    ]
    for user in allowed:
        client.force_login(user)
        assert client.get(url).status_code == 200, user
    for user in refused:
        client.force_login(user)
        assert client.get(url).status_code == 404, user


def test_the_reviewer_sees_the_licence_on_the_review_page(client, pending_with_licence):
    client.force_login(cast_staff(ZHEJIANG))
    page = client.get(reverse("organizations:detail", args=[pending_with_licence.pk]))
    assert page.context["can_review"] is True
    assert f'href="{licence_url(pending_with_licence)}"' in page.content.decode()


def test_a_new_licence_replaces_the_old_file(
    actor, pending_with_licence, django_capture_on_commit_callbacks
):
    organization = pending_with_licence
    storage = organization.business_licence.storage
    old_name = organization.business_licence.name
    with django_capture_on_commit_callbacks(execute=True):
        services.organization_update(
            organization=organization,
            actor=actor(member_of(organization)),
            data={},
            business_licence=SimpleUploadedFile("新执照.png", PNG),
        )
    assert organization.business_licence.name.endswith(".png")
    assert not storage.exists(old_name)
    assert storage.exists(organization.business_licence.name)


def test_the_review_queue_links_the_licence(client, pending_with_licence):
    client.force_login(cast_staff(ZHEJIANG))
    page = client.get(reverse("repositories:review_queue"))
    assert f'href="{licence_url(pending_with_licence)}"' in page.content.decode()
