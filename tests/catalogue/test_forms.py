"""Bad input on the offering form comes back bound, with Chinese errors on the fields."""

import pytest

from catalogue.models import ServiceCategory, ServiceOffering

GOOD = {
    "title": "专利检索",
    "description": "检索国内外专利。",
    "deliverables": "检索报告",
    "price_kind": "fixed",
    "price_amount": "5000",
    "lead_time_days": "10",
}


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"price_amount": "-1"}, "price_amount", "金额不能为负数"),
        ({"price_amount": ""}, "price_amount", "请填写金额"),
        ({"price_kind": "from", "price_amount": "0"}, "price_amount", "大于 0 元"),
        ({"price_kind": "on_quote"}, "price_amount", "面议时请不要填写金额"),
        ({"price_amount": "12,5x"}, "price_amount", "请以元为单位填写数字"),
        ({"price_amount": "1" * 30}, "price_amount", "金额最多"),
        ({"price_kind": "gratis"}, "price_kind", "请从列表中选择计价方式"),
        ({"lead_time_days": "0"}, "lead_time_days", "至少 1 天"),
        ({"lead_time_days": "100000"}, "lead_time_days", "最多 730 天"),
        ({"title": ""}, "title", "请填写服务名称"),
        ({"title": "a\u202eb"}, "title", "不能包含"),
        ({"regions": "99999999999999999999"}, "regions", ""),
    ],
)
def test_bad_input_comes_back_with_field_errors(world, client, change, field, message):
    client.force_login(world.provider)
    category = ServiceCategory.objects.get(code="patent_search")
    response = client.post("/services/new/", {**GOOD, "category": category.pk, **change})
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field])
    assert f'data-field="{field}"' in response.content.decode()
    assert not ServiceOffering.objects.exists()


def test_good_input_makes_a_draft(world, client):
    client.force_login(world.provider)
    category = ServiceCategory.objects.get(code="patent_search")
    response = client.post(
        "/services/new/", {**GOOD, "category": category.pk, "regions": ["1"][:0]}
    )
    offering = ServiceOffering.objects.get()
    assert response.url == f"/services/{offering.pk}/"
    assert (offering.provider, offering.status, offering.created_by) == (
        world.agency,
        "draft",
        world.provider,
    )
    assert offering.price_display == "5,000元"
