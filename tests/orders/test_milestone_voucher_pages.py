"""The milestones and innovation vouchers through the pages: a plan and its milestones walked
through by posting the order page's forms, the office's voucher pages and queue, the buyer's
"pay part with a voucher", who may reach what (404 for those who may not read, 403 for the
staff who oversee but do not take part), and bad input coming back with its Chinese error and
what was typed."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, OrderMilestone, OrderStatus, Voucher, VoucherRedemption
from orders.services import milestone_save, voucher_apply
from tests.factories import OrganizationFactory, member_of
from tests.orders.conftest import act, office_of

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
CJK = re.compile(r"[\u4e00-\u9fff]")
M = OrderMilestone.Status


def html(response):
    return response.content.decode()


def field_errors(page, name):
    return re.findall(rf'data-field="{name}">(.*?)</div>', page)


def login(client, user):
    client.force_login(user)
    return client


def in_days(days):
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def url(name, *args):
    return reverse(f"orders:{name}", args=args)


# --- milestones ----------------------------------------------------------------------------


def test_milestones_walked_through_the_order_page(client, market, in_progress):
    order = in_progress
    buyer = login(client, market.buyer_user)
    page = html(buyer.get(order.get_absolute_url()))
    assert 'id="milestone-form"' in page and 'id="no-milestones"' in page
    response = buyer.post(
        url("milestone_add", order.pk),
        {"title": "现场调研", "due_on": in_days(10), "amount": "3000"},
    )
    assert response.status_code == 302
    buyer.post(url("milestone_add", order.pk), {"title": "评价报告", "due_on": in_days(20)})
    first, second = order.milestones.all()
    page = html(buyer.get(order.get_absolute_url()))
    assert "现场调研" in page and "¥3,000" in page
    assert 'id="milestones-before-delivery"' in page

    provider = login(client, market.agency_user)
    response = provider.post(
        url("milestone_deliver", order.pk, first.pk),
        {
            "note": "调研纪要",
            "files": [SimpleUploadedFile("纪要.pdf", PDF, content_type="application/pdf")],
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == M.DELIVERED
    # The plan is fixed now: no form to add one.
    assert 'id="milestone-form"' not in html(provider.get(order.get_absolute_url()))
    # The whole order is not delivered while a milestone waits: the reason on the page.
    response = provider.post(url("act", order.pk), {"action": "deliver", "note": "全部交付"})
    assert response.status_code == 400
    assert "评价报告" in html(response) and "验收" in html(response)

    buyer = login(client, market.buyer_user)
    page = html(buyer.get(order.get_absolute_url()))
    assert "milestone-review-form" in page and "纪要.pdf" in page
    response = buyer.post(url("milestone_review", order.pk, first.pk), {"decision": "send_back"})
    assert response.status_code == 400
    assert CJK.search(field_errors(html(response), "note")[0])
    buyer.post(
        url("milestone_review", order.pk, first.pk),
        {"decision": "send_back", "note": "缺少访谈记录"},
    )
    first.refresh_from_db()
    assert first.status == M.SENT_BACK
    assert "缺少访谈记录" in html(buyer.get(order.get_absolute_url()))
    # Out of turn through the page: the buyer delivering is told why, nothing changes.
    response = buyer.post(url("milestone_deliver", order.pk, second.pk), {"note": "买方交付"})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == M.PENDING
    history = html(buyer.get(order.get_absolute_url()))
    assert "退回里程碑" in history and "新增里程碑" in history


def test_bad_milestones_come_back_with_chinese_errors_and_what_was_typed(client, market, order):
    buyer = login(client, market.buyer_user)
    response = buyer.post(
        url("milestone_add", order.pk),
        {"title": "保留的阶段名", "due_on": "2020-01-01", "amount": "一千"},
    )
    page = html(response)
    assert response.status_code == 400
    assert 'value="保留的阶段名"' in page
    assert CJK.search(field_errors(page, "amount")[0])
    response = buyer.post(
        url("milestone_add", order.pk),
        {"title": "保留的阶段名", "due_on": "2020-01-01", "amount": "9000"},
    )
    page = html(response)
    assert response.status_code == 400
    assert CJK.search(field_errors(page, "due_on")[0])
    response = buyer.post(
        url("milestone_add", order.pk),
        {"title": "保留的阶段名", "due_on": in_days(5), "amount": "9000"},
    )
    (error,) = field_errors(html(response), "amount")
    assert "9,000.00" in error and "8,000.00" in error
    assert not order.milestones.exists()


def test_a_milestone_is_edited_and_deleted_by_a_party(client, market, order):
    milestone = milestone_save(
        actor=act(market.buyer_user), order=order, title="初稿", due_on=order.due_on
    )
    provider = login(client, market.agency_user)
    assert provider.get(url("milestone_edit", order.pk, milestone.pk)).status_code == 200
    response = provider.post(
        url("milestone_edit", order.pk, milestone.pk),
        {"title": "初稿与修改", "due_on": in_days(10), "amount": "100"},
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.title, milestone.amount) == ("初稿与修改", Decimal("100"))
    staff = login(client, market.staff)
    assert staff.get(url("milestone_edit", order.pk, milestone.pk)).status_code == 403
    rival = login(client, market.rival_user)
    assert rival.get(url("milestone_edit", order.pk, milestone.pk)).status_code == 404
    assert rival.post(url("milestone_delete", order.pk, milestone.pk)).status_code == 404
    provider = login(client, market.agency_user)
    provider.post(url("milestone_delete", order.pk, milestone.pk))
    assert not order.milestones.exists()


# --- vouchers ------------------------------------------------------------------------------


def test_the_office_issues_and_the_holder_sees_its_balance(client, market):
    staff = login(client, market.staff)
    page = html(staff.get(url("vouchers")))
    assert 'id="voucher-issue"' in page
    response = staff.post(
        url("voucher_issue"),
        {
            "holder": market.buyer.pk,
            "amount": "20000",
            "valid_until": in_days(365),
            "categories": [market.category.pk],
            "number": "",
            "note": "2026年第一批",
        },
    )
    assert response.status_code == 302, html(response)
    voucher = Voucher.objects.get()
    assert response.url == voucher.get_absolute_url()
    assert voucher.number in html(staff.get(url("vouchers")))

    buyer = login(client, market.buyer_user)
    page = html(buyer.get(url("vouchers")))
    assert voucher.number in page and "¥20,000" in page
    assert 'id="voucher-issue"' not in page
    assert buyer.get(url("voucher_issue")).status_code == 403
    assert buyer.get(url("redemptions")).status_code == 403
    page = html(buyer.get(voucher.get_absolute_url()))
    assert "不经手资金" in page and 'id="voucher-revoke"' not in page


def test_bad_vouchers_come_back_with_chinese_errors_and_what_was_typed(client, market):
    staff = login(client, market.staff)
    response = staff.post(
        url("voucher_issue"),
        {"holder": market.agency.pk, "amount": "-1", "valid_until": "昨天", "note": "保留的说明"},
    )
    page = html(response)
    assert response.status_code == 400
    assert "保留的说明" in page
    assert CJK.search(field_errors(page, "amount")[0])
    assert CJK.search(field_errors(page, "valid_until")[0])
    assert field_errors(page, "holder")  # an agency is not among the enterprises to choose
    response = staff.post(
        url("voucher_issue"),
        {"holder": market.buyer.pk, "amount": "5000", "valid_until": "2020-01-01"},
    )
    assert "今天" in field_errors(html(response), "valid_until")[0]
    assert not Voucher.objects.exists()


def test_the_buyer_pays_part_and_the_office_verifies(client, market, order, voucher):
    buyer = login(client, market.buyer_user)
    page = html(buyer.get(order.get_absolute_url()))
    assert 'id="voucher-form"' in page and "不经手资金" in page
    response = buyer.post(url("voucher_apply", order.pk), {"voucher": voucher.pk, "amount": "5000"})
    assert response.status_code == 302
    redemption = VoucherRedemption.objects.get()
    page = html(buyer.get(order.get_absolute_url()))
    assert f'id="redemption-{redemption.pk}"' in page and "待核验" in page
    # Too much: the amount named in Chinese, what was typed kept.
    response = buyer.post(url("voucher_apply", order.pk), {"voucher": voucher.pk, "amount": "9000"})
    assert response.status_code == 400
    assert "9000" in html(response)
    assert field_errors(html(response), "voucher") or field_errors(html(response), "amount")
    # The provider sees the payment but has no form; it may not pay.
    provider = login(client, market.agency_user)
    page = html(provider.get(order.get_absolute_url()))
    assert f'id="redemption-{redemption.pk}"' in page and 'id="voucher-form"' not in page
    assert (
        provider.post(url("voucher_apply", order.pk), {"voucher": voucher.pk, "amount": "1"})
    ).status_code == 403

    staff = login(client, market.staff)
    page = html(staff.get(url("redemptions")))
    assert f'id="redemption-{redemption.pk}"' in page
    response = staff.post(url("redemption_decide", redemption.pk), {"decision": "verify"})
    assert response.status_code == 400  # the order is not completed
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.COMPLETED, completed_at=timezone.now()
    )
    response = staff.post(url("redemption_decide", redemption.pk), {"decision": "verify"})
    assert response.status_code == 302
    redemption.refresh_from_db()
    assert redemption.status == VoucherRedemption.Status.VERIFIED
    # Another region's office finds nothing.
    far = login(client, market.far_staff)
    assert far.get(voucher.get_absolute_url()).status_code == 404
    assert (
        far.post(url("redemption_decide", redemption.pk), {"decision": "reject"}).status_code == 404
    )
    # Its own queue holds nothing of Hangzhou's.
    for state in ("pending", "verified"):
        page = html(far.get(url("redemptions"), {"status": state}))
        assert f'id="redemption-{redemption.pk}"' not in page and 'id="no-redemptions"' in page


def test_a_rejection_needs_a_reason_and_frees_the_amount(client, market, order, voucher):
    redemption = voucher_apply(
        actor=act(market.buyer_user), order=order, voucher=voucher, amount=Decimal("8000")
    )
    staff = login(client, market.staff)
    response = staff.post(
        url("redemption_decide", redemption.pk), {"decision": "reject", "next": "voucher"}
    )
    assert response.status_code == 400
    assert CJK.search(field_errors(html(response), "note")[0])
    response = staff.post(
        url("redemption_decide", redemption.pk),
        {"decision": "reject", "note": "服务内容不在支持范围", "next": "voucher"},
    )
    assert response.status_code == 302 and response.url == voucher.get_absolute_url()
    page = html(staff.get(voucher.get_absolute_url()))
    assert "¥20,000" in page and "服务内容不在支持范围" in page


def test_revoked_through_the_page(client, market, voucher):
    staff = login(client, market.staff)
    response = staff.post(url("voucher_revoke", voucher.pk), {"note": ""})
    assert response.status_code == 400
    assert CJK.search(field_errors(html(response), "note")[0])
    staff.post(url("voucher_revoke", voucher.pk), {"note": "企业迁出辖区"})
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.REVOKED
    buyer = login(client, market.buyer_user)
    assert buyer.post(url("voucher_revoke", voucher.pk), {"note": "x"}).status_code == 403


@pytest.mark.parametrize(
    ("role", "expected"),
    [("buyer_user", 200), ("staff", 200), ("agency_user", 404), ("rival_user", 404)],
)
def test_who_reads_a_voucher(client, market, voucher, role, expected):
    login(client, getattr(market, role))
    assert client.get(voucher.get_absolute_url()).status_code == expected


def test_anonymous_visitors_are_sent_to_sign_in(client, market, order, voucher):
    for target in (
        url("vouchers"),
        url("voucher_issue"),
        voucher.get_absolute_url(),
        url("redemptions"),
    ):
        response = client.get(target)
        assert response.status_code == 302 and "login" in response.url
    response = client.post(url("voucher_apply", order.pk), {"voucher": voucher.pk, "amount": "1"})
    assert response.status_code == 302
    assert not VoucherRedemption.objects.exists()


def test_a_neighbours_voucher_is_not_the_buyers(client, market, order):
    neighbour = OrganizationFactory()
    member_of(neighbour)
    from orders.services import voucher_issue

    theirs = voucher_issue(
        actor=act(market.staff),
        office=office_of(market.staff),
        holder=neighbour,
        amount=Decimal("1000"),
        valid_until=timezone.localdate() + timedelta(days=30),
    )
    buyer = login(client, market.buyer_user)
    response = buyer.post(url("voucher_apply", order.pk), {"voucher": theirs.pk, "amount": "1"})
    assert response.status_code == 400
    assert CJK.search(field_errors(html(response), "voucher")[0])
