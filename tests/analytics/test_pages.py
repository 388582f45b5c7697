"""The public statistics page, the CAST staff's dashboard and the CSV exports."""

import csv
import io
import json
import re

import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories import (
    GUANGDONG,
    HANGZHOU,
    NINGBO,
    ZHEJIANG,
    OrganizationFactory,
    cast_staff,
    member_of,
)

pytestmark = pytest.mark.django_db

PUBLIC = reverse("analytics:public")
DASHBOARD = reverse("analytics:dashboard")


def row(html, row_id):
    """The cells of one table row, as text."""
    match = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S)
    assert match, row_id
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", match.group(1), re.S)
    ]


def table(html, table_id):
    match = re.search(rf'<table[^>]*id="{table_id}">(.*?)</table>', html, re.S)
    assert match, table_id
    return re.sub(r"<[^>]+>", " ", match.group(1))


def test_the_page_renders_without_any_history(client):
    response = client.get(PUBLIC)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="statistics-data"' in html
    assert "vendor/echarts/echarts.min.js" in html
    assert row(html, "funnel-published")[1] == "&lt;5"
    assert 'id="footer-statistics"' in html


def test_the_public_page_hides_every_cell_under_five(client, history):
    html = client.get(PUBLIC).content.decode()
    assert row(html, "funnel-published")[:2] == ["已发布", "5"]
    # 4 needs got a proposal: shown as "<5", and no conversion or median gives it away.
    assert row(html, "funnel-proposed")[1:] == ["&lt;5", "—", "—", "—"]
    months = table(html, "breakdown-month")
    assert "2025-03" in months and "&lt;5" in months and " 4 " not in months
    regions = table(html, "breakdown-region")
    assert "浙江省" in regions and " 4 " not in regions
    assert " 1 " not in table(html, "reasons-table")
    data = json.loads(re.search(r'id="statistics-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert data["funnel"]["counts"] == [5, None, None, None, None, None, None, None, None]
    # No leaderboard and no deal figures in public.
    assert 'id="leaders-staff"' not in html and "杭州审核员" not in html


def test_the_dashboard_is_for_the_cast_staff(client, history):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login")
    )
    client.force_login(member_of(history.hangzhou))
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(reverse("analytics:dashboard_csv")).status_code == 403


def test_a_city_office_sees_its_city_only(client, history):
    client.force_login(cast_staff(NINGBO))
    html = client.get(DASHBOARD).content.decode()
    assert row(html, "funnel-published")[1] == "2"
    assert row(html, "funnel-proposed")[1] == "2"
    regions = table(html, "breakdown-region")
    assert "宁波市" in regions and "杭州市" not in regions
    assert "杭州市" not in table(html, "leaders-region")
    assert "杭州审核员" not in html
    # Another region's figures cannot be asked for.
    response = client.get(DASHBOARD, {"region": HANGZHOU})
    assert response.status_code == 400
    assert 'data-field="region"' in response.content.decode()
    assert 'id="funnel-table"' not in response.content.decode()


def test_a_province_office_sees_its_cities(client, history):
    client.force_login(cast_staff(ZHEJIANG))
    html = client.get(DASHBOARD).content.decode()
    assert row(html, "funnel-published")[1] == "4"
    assert row(html, "funnel-signed")[1:] == ["2", "66.7%", "50.0%", "10.0"]
    regions = table(html, "breakdown-region")
    assert "杭州市" in regions and "宁波市" in regions and "深圳市" not in regions
    assert "杭州审核员" in table(html, "leaders-staff")
    assert row(html, "origin-challenge")[1:] == ["1", "1", "0", "0"]
    assert row(html, "origin-mission")[1:] == ["1", "0", "0", "0"]
    html = client.get(DASHBOARD, {"region": NINGBO}).content.decode()
    assert row(html, "funnel-published")[1] == "2"


def test_another_province_sees_none_of_these(client, history):
    client.force_login(cast_staff(GUANGDONG))
    html = client.get(DASHBOARD).content.decode()
    assert row(html, "funnel-published")[1] == "1"
    assert "浙江" not in table(html, "breakdown-region")


def test_a_platform_administrator_sees_everything_and_chooses_a_region(client, history):
    admin = User.objects.create_superuser("root", "root@example.cn", "correct-horse-42")
    client.force_login(admin)
    html = client.get(DASHBOARD).content.decode()
    assert row(html, "funnel-published")[1] == "5"
    assert row(html, "funnel-completed")[1] == "1"
    assert "90.00" in html  # technical-transaction amount signed
    html = client.get(DASHBOARD, {"region": GUANGDONG}).content.decode()
    assert row(html, "funnel-published")[1] == "1"


def test_bad_filters_are_named_in_chinese(client):
    response = client.get(
        PUBLIC, {"month_from": "2025-13", "month_to": "2024-01", "region": "999999", "field": "x"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    for name in ("month_from", "region", "field"):
        assert f'data-field="{name}"' in html
    assert "发布起始月份" in html and "请按 YYYY-MM 输入月份" in html
    response = client.get(PUBLIC, {"month_from": "2025-05", "month_to": "2025-01"})
    assert response.status_code == 400
    assert "结束月份早于起始月份" in response.content.decode()
    response = client.get(reverse("analytics:public_csv"), {"organization_kind": "nobody"})
    assert response.status_code == 400
    assert response.content.decode().startswith("机构类型")


def read_csv(response):
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:])))


def test_the_public_csv_follows_the_public_rules(client, history):
    response = client.get(reverse("analytics:public_csv"), {"region": ZHEJIANG})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="techbridge-funnel-public-\d{8}\.csv"',
        response["Content-Disposition"],
    )
    lines = read_csv(response)
    assert lines[0][:2] == ["步骤", "需求数"]
    assert lines[1][:2] == ["已发布", "<5"]
    assert [line[1] for line in lines[1:]] == ["<5"] * 9


def test_the_dashboard_csv_has_the_full_figures(client, history):
    client.force_login(cast_staff(ZHEJIANG))
    lines = read_csv(client.get(reverse("analytics:dashboard_csv")))
    assert lines[1] == ["已发布", "4", "", "", "", ""]
    assert lines[2][1:] == ["4", "100.0", "100.0", "1.5", "4"]  # match proposed
    assert lines[8][1:3] == ["1", "50.0"]  # registered


def test_an_enterprise_is_told_of_no_dashboard(client):
    client.force_login(member_of(OrganizationFactory()))
    html = client.get(PUBLIC).content.decode()
    assert 'id="statistics-dashboard-link"' not in html
    client.force_login(cast_staff(HANGZHOU))
    assert 'id="statistics-dashboard-link"' in client.get(PUBLIC).content.decode()


def test_the_public_figures_are_computed_once_per_filter_the_dashboard_always(
    client, history, monkeypatch
):
    from analytics import selectors

    computed = []
    real = selectors.statistics_report

    def counting(**kwargs):
        computed.append(kwargs["full"])
        return real(**kwargs)

    monkeypatch.setattr(selectors, "statistics_report", counting)
    public = reverse("analytics:public")
    for query in ("", "", "?organization_kind=enterprise", "?organization_kind=enterprise"):
        assert client.get(public + query).status_code == 200
    assert computed == [False, False]
    client.force_login(User.objects.filter(is_superuser=True).first() or _superuser())
    for _ in range(2):
        assert client.get(reverse("analytics:dashboard")).status_code == 200
    assert computed == [False, False, True, True]


def _superuser():
    return User.objects.create_superuser(username="platform_admin", password="x-secret-1234")
