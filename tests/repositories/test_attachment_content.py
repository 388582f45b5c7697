"""Listing attachments are judged by their content, not by the name the uploader gave them."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from organizations.selectors import actor_for
from repositories.models import Attachment
from repositories.services import attachment_add
from tests.factories import HANGZHOU, NeedFactory, OrganizationFactory, member_of, region

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def office_zip(main_part):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<document/>")
    return buffer.getvalue()


@pytest.fixture
def author():
    return member_of(OrganizationFactory(region=region(HANGZHOU)))


@pytest.fixture
def need(author):
    return NeedFactory(created_by=author, organization=author.memberships.get().organization)


def upload(client, need, name, content):
    url = reverse("repositories:attachment_upload", kwargs={"kind": "need", "pk": need.pk})
    response = client.post(url, {"file": SimpleUploadedFile(name, content)}, follow=True)
    return [str(message) for message in response.context["messages"]]


def test_a_web_page_named_pdf_is_refused_naming_the_field(client, author, need):
    client.force_login(author)
    assert upload(client, need, "技术方案.pdf", HTML) == [
        "文件：该文件内容不是真正的“.pdf”文件（例如被改名的网页），请上传原始文件。"
    ]
    assert Attachment.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "样机照片.pdf",
            PNG,
            "文件：该文件内容为 PNG 格式，但文件名后缀为“.pdf”，请按文件的实际格式上传。",
        ),
        (
            "报价.xlsx",
            office_zip("word/document.xml"),
            "文件：该文件内容为 Word (.docx) 格式，但文件名后缀为“.xlsx”，请按文件的实际格式上传。",
        ),
        (
            "说明.docx",
            office_zip("index.html"),
            "文件：该文件内容不是真正的“.docx”文件（例如被改名的网页），请上传原始文件。",
        ),
    ],
    ids=["png-named-pdf", "docx-named-xlsx", "plain-zip-named-docx"],
)
def test_content_that_is_not_what_the_name_says_is_refused(
    client, author, need, name, content, message
):
    client.force_login(author)
    assert upload(client, need, name, content) == [message]
    assert Attachment.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("技术方案.PDF", PDF),
        ("样机照片.png", PNG),
        ("照片.jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF"),
        ("报价.xlsx", office_zip("xl/workbook.xml")),
        ("路演.pptx", office_zip("ppt/presentation.xml")),
        ("旧版说明.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32),
    ],
)
def test_real_documents_are_accepted(client, author, need, name, content):
    client.force_login(author)
    assert upload(client, need, name, content) == ["文件已添加。"]
    attachment = Attachment.objects.get()
    assert attachment.file.read() == content


def test_the_service_refuses_a_mismatch_whoever_calls_it(author, need):
    with pytest.raises(ValidationError) as refused:
        attachment_add(
            listing=need,
            actor=actor_for(user=author),
            file=SimpleUploadedFile("报告.pdf", HTML),
        )
    assert refused.value.message_dict == {
        "file": ["文件：该文件内容不是真正的“.pdf”文件（例如被改名的网页），请上传原始文件。"]
    }
