"""Site-wide pieces: the favicon, ReDoc served locally, the footer's ICP record number, and
templates that the Content-Security-Policy does not break."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db


def test_favicon_ico_redirects_to_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response.url == "/static/img/favicon.ico"
    with open(finders.find("img/favicon.ico"), "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # an ICO header


def test_pages_link_the_icon(client):
    page = client.get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in page
    assert '<link rel="icon" href="/static/img/favicon.ico" sizes="32x32">' in page
    assert finders.find("img/favicon.svg")


def test_redoc_is_served_from_our_own_static_files(client):
    response = client.get("/api/redoc/")
    assert response.status_code == 200
    page = response.content.decode()
    scripts = re.findall(r'<script[^>]* src="([^"]+)"', page)
    assert scripts == ["/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"]
    assert re.findall(r'<link[^>]* href="([^"]+)"', page) == ["/static/img/favicon.svg"]
    assert 'Redoc.init("/api/schema/"' in page
    assert finders.find("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js")
    assert "http://" not in page.replace("http://testserver", "")
    assert "https://" not in page
    # The bundle's one outside image (a logo on cdn.redoc.ly) is blocked.
    # (The whole policy: tests/core/test_headers.py.)
    assert "img-src 'self' data:" in response["Content-Security-Policy"].split("; ")


def test_footer_shows_the_icp_record_only_when_set(settings):
    settings.ICP_RECORD = ""
    page = Client().get("/accounts/login/").content.decode()
    assert "beian.miit.gov.cn" not in page
    assert '<a href="/accounts/agreement/">用户协议</a>' in page
    assert '<a href="/accounts/privacy/">隐私政策</a>' in page

    settings.ICP_RECORD = "京ICP备12345678号-1"
    page = Client().get("/accounts/login/").content.decode()
    assert (
        '<a href="https://beian.miit.gov.cn/" target="_blank" rel="noopener" '
        'id="icp-record">京ICP备12345678号-1</a>'
    ) in page


def test_page_templates_carry_no_style_attribute():
    """The Content-Security-Policy allows styles from the site's files only (style-src
    'self'): a browser ignores a style="…" attribute, so a page relying on one renders
    wrong. Only e-mails, which no CSP governs, may carry them."""
    root = Path(settings.BASE_DIR) / "templates"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if "email" not in path.parts and ' style="' in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
