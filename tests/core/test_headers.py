"""What every response tells the browser (CSP, caching) and uploads refused by size up front."""

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from repositories.models import Attachment
from tests.factories import (
    HANGZHOU,
    NeedFactory,
    OrganizationFactory,
    api_token_for,
    member_of,
    region,
)

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
NEEDS = "/api/v1/needs/"


def directives(response):
    """The Content-Security-Policy as {directive: sources}; django-csp's order varies."""
    pairs = (part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    return {name: sources for name, sources in pairs}


@pytest.fixture
def author():
    return member_of(OrganizationFactory(region=region(HANGZHOU)))


def test_every_page_carries_the_content_security_policy(client, author):
    assert directives(client.get("/")) == POLICY
    client.force_login(author)
    form = client.get("/needs/new/")
    assert form.status_code == 200
    assert directives(form) == POLICY


def test_the_api_docs_get_a_nonce_for_their_start_up_script(client):
    response = client.get("/api/docs/")
    nonce = response.wsgi_request.csp_nonce
    assert directives(response) == {**POLICY, "script-src": f"'self' 'nonce-{nonce}'"}
    assert f'<script nonce="{nonce}">' in response.content.decode()
    assert "<style>" not in response.content.decode()


def test_redoc_may_write_its_styles_and_start_its_search_worker(client):
    response = client.get("/api/redoc/")
    nonce = response.wsgi_request.csp_nonce
    assert directives(response) == {
        **POLICY,
        "script-src": f"'self' 'nonce-{nonce}'",
        "style-src": "'self' 'unsafe-inline'",
        "worker-src": "'self' blob:",
        "font-src": "'self' data:",
    }


def test_signed_in_pages_are_never_stored(client, author):
    client.force_login(author)
    assert client.get("/").headers["Cache-Control"] == "private, no-store"
    assert client.get("/workspace/").headers["Cache-Control"] == "private, no-store"
    assert client.get(NEEDS).headers["Cache-Control"] == "private, no-store"


def test_api_answers_to_a_token_are_never_stored(client, author):
    _token, key = api_token_for(author.memberships.get().organization, user=author)
    response = client.get(NEEDS, headers={"Authorization": f"Token {key}"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"


def test_anonymous_pages_and_static_files_stay_cacheable(client, author, settings):
    assert "Cache-Control" not in client.get("/").headers
    assert "Cache-Control" not in client.get(NEEDS).headers
    settings.WHITENOISE_USE_FINDERS = True
    client.force_login(author)
    static = client.get("/static/js/techbridge.js")
    assert static.status_code == 200
    assert static.headers["Cache-Control"] == "max-age=60, public"


@pytest.fixture
def upload_url(author):
    need = NeedFactory(created_by=author, organization=author.memberships.get().organization)
    return reverse("repositories:attachment_upload", kwargs={"kind": "need", "pk": need.pk})


def test_an_oversized_upload_is_refused_before_the_view_reads_it(client, author, upload_url):
    client.force_login(author)
    with mock.patch("repositories.services.attachment_add") as attachment_add:
        response = client.post(
            upload_url,
            {"file": SimpleUploadedFile("方案.pdf", b"%PDF-1.7 small body")},
            # What the browser announces: 25 MB and one byte.
            CONTENT_LENGTH=str(25 * 1024 * 1024 + 1),
        )
    assert response.status_code == 413
    assert attachment_add.call_count == 0
    page = response.content.decode()
    assert '<h1 class="h3">上传内容过大</h1>' in page
    assert "上传内容过大：一次最多可提交 25 MB。" in page
    assert Attachment.objects.count() == 0


def test_a_body_over_the_limit_is_refused_with_413(client, author, upload_url, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
    client.force_login(author)
    body = b"%PDF-1.7 " + b"0" * (2 * 1024 * 1024)
    with mock.patch("repositories.services.attachment_add") as attachment_add:
        response = client.post(upload_url, {"file": SimpleUploadedFile("方案.pdf", body)})
    assert response.status_code == 413
    assert attachment_add.call_count == 0


def test_an_upload_within_the_limit_goes_through(client, author, upload_url):
    client.force_login(author)
    response = client.post(upload_url, {"file": SimpleUploadedFile("方案.pdf", b"%PDF-1.7 ok")})
    assert response.status_code == 302
    assert Attachment.objects.count() == 1


def test_an_oversized_api_upload_is_refused_in_the_api_format(client, author):
    _token, key = api_token_for(author.memberships.get().organization, user=author)
    with mock.patch("api.views.ListingViewSet.create") as create:
        response = client.post(
            NEEDS,
            {"title": "大文件"},
            headers={"Authorization": f"Token {key}"},
            CONTENT_LENGTH=str(25 * 1024 * 1024 + 1),
        )
    assert response.status_code == 413
    assert create.call_count == 0
    assert response.json() == {
        "status": 413,
        "code": "too_large",
        "message": "请求正文过大：单次最多可发送 25 MB。",
        "fields": {},
    }
