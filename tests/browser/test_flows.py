"""End-to-end flows in a real browser: 入驻, verification, publishing, review and search.

Elements are found by form field names and ids, not by our own button texts, so the flows
hold whether or not the project's zh-hans catalogue translates them. Django's built-in
strings (its own catalogues) are what the language assertions read.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from organizations.models import Organization
from repositories.models import Achievement, ListingStatus, Need
from taxonomy.models import Field
from tests import factories
from tests.browser.conftest import PHONE

pytestmark = [
    pytest.mark.browser,
    # The taxonomy rows come from data migrations: restore them after each live-server test.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# forms.Field's "This field is required." in zh-hans. Django's own catalogue says
# "这个字段是必填项。", but the catalogues of installed apps take precedence over Django's and
# rest_framework's zh_Hans one translates the same msgid as below.
REQUIRED_ZH = "该字段是必填项。"
REQUIRED_EN = "This field is required."

NEED_TITLE = "动力电池回收中的钴镍分离工艺改进"
NEED_SUMMARY = (
    "我公司年处理退役动力电池两万吨，现有湿法冶金工艺中钴镍分离效率不足，"
    "希望与高校或科研院所合作开发新的萃取或膜分离工艺，提高回收率并降低酸碱消耗。"
)
NEED_PROBLEM = (
    "现有P507萃取体系在处理高镍三元正极浸出液时，钴镍分离系数偏低，"
    "镍中钴含量超标，需要多级反萃，酸碱消耗大；萃取剂夹带损失严重，"
    "每月更换一次，车间废水中有机物含量不稳定。希望找到分离选择性更高、"
    "萃取剂损耗更低、可在现有产线改造实施的工艺方案。"
)
NEED_TARGETS = "钴回收率≥98%，镍中钴含量≤50ppm，萃取剂损耗降低30%"
NEED_SECRET = "内部工艺参数：萃取温度42℃，相比O/A=1.5"


def completeness(page):
    """The percentage shown in the completeness box (swapped in by HTMX as one types: read in
    one script, since a found element can be swapped out before its attribute is read)."""
    page.find("#completeness [role=progressbar]")
    value = page.driver.execute_script(
        "const bar = document.querySelector('#completeness [role=progressbar]');"
        "return bar ? bar.getAttribute('aria-valuenow') : null;"
    )
    return int(value) if value is not None else -1


def wait_completeness_change(page, before):
    """The new percentage, once the swapped box shows one."""

    def changed(_driver):
        value = completeness(page)
        return (value,) if value not in (before, -1) else None

    return page.wait().until(changed)[0]


def review(page, element_id, decision="approve"):
    """In the review queue, decide the card with this id and wait for it to leave the queue."""
    page.go("/review/")
    page.submit_with(f'#{element_id} button[name="decision"][value="{decision}"]')
    assert page.path == "/review/"
    assert not page.driver.find_elements(By.ID, element_id)


def test_enterprise_joins_publishes_a_need_and_a_visitor_finds_it(new_browser, tmp_path):
    hangzhou = factories.region(factories.HANGZHOU)
    factories.cast_staff(factories.ZHEJIANG, username="zj_reviewer")

    # A new user signs up, confirms the address from the e-mail and is sent on to register the
    # organization (入驻).
    owner = new_browser()
    owner.go("/accounts/sign-up/")
    assert owner.find("html").get_attribute("lang") == "zh-hans"
    form = "#sign-up-form"
    owner.fill("username", "hz_cobalt", form=form)
    owner.fill("display_name", "李工", form=form)
    owner.fill("email", "li@hz-cobalt.example.cn", form=form)
    owner.fill("phone", "13900000001", form=form)
    owner.fill("password1", "Qiantang-river-2024", form=form)
    owner.fill("password2", "Qiantang-river-2024", form=form)
    owner.click(f'{form} input[name="accept_terms"]')
    owner.submit_with(f'{form} button[type="submit"]')
    owner.wait_for_path("/accounts/sign-up/sent/")
    assert "li@hz-cobalt.example.cn" in owner.text("#sign-up-sent")
    # The live server runs in this process: its locmem backend fills the same outbox.
    (letter,) = mail.outbox
    assert letter.to == ["li@hz-cobalt.example.cn"]
    link = re.search(r"https?://\S+/accounts/sign-up/confirm/\S+/", letter.body)[0]
    owner.go(urlsplit(link).path)
    owner.submit_with('#sign-up-confirm-form button[type="submit"]')
    owner.wait_for_path("/organizations/register/")

    form = "#organization-form"
    owner.fill("name", "杭州钴镍新材料有限公司", form=form)
    owner.select("kind", value=Organization.Kind.ENTERPRISE, form=form)
    owner.pick_region("region", "浙江省", "杭州市", form=form)
    assert owner.value("region", form=form) == str(hangzhou.pk)
    owner.fill("credit_code", "91330100MA2CDEF12X", form=form)
    owner.fill("contact_name", "李工", form=form)
    owner.fill("contact_phone", "0571-88880000", form=form)
    licence = tmp_path / "营业执照.pdf"
    licence.write_bytes(b"%PDF-1.4\n%scan\n")
    owner.find(f'{form} input[name="business_licence"]').send_keys(str(licence))
    owner.submit_with(f'{form} button[type="submit"]')
    organization_pk = int(owner.wait_for_path(r"/organizations/(\d+)/").group(1))
    organization = Organization.objects.get(pk=organization_pk)
    assert organization.status == Organization.Status.PENDING
    assert organization.region == hangzhou

    # The CAST office of Zhejiang verifies it from the review queue.
    staff = new_browser()
    staff.log_in("zj_reviewer", next_path="/review/")
    assert staff.path == "/review/"
    review(staff, f"review-organization-{organization_pk}")
    organization.refresh_from_db()
    assert organization.status == Organization.Status.VERIFIED

    # The enterprise writes the need; the completeness box follows the typing.
    owner.go("/needs/new/")
    form = "#listing-form"
    start = completeness(owner)
    owner.fill("summary", NEED_SUMMARY, form=form)
    after_summary = wait_completeness_change(owner, start)
    assert after_summary > start
    owner.fill("problem", NEED_PROBLEM, form=form)
    owner.fill("target_indicators", NEED_TARGETS, form=form)
    owner.pick("field", "锂离子", "锂离子电池", form=form)
    owner.click(f'{form} input[name="cooperation_modes"]')
    owner.fill("confidential_details", NEED_SECRET, form=form)
    before_title = wait_completeness_change(owner, after_summary)
    assert before_title > after_summary

    # Submitted without a title: a field-level error in Chinese, the rest kept.
    owner.submit_with(f'{form} button[name="submit"]')
    assert owner.path == "/needs/new/"
    error = owner.find('#group-title [data-field="title"]')  # next to the title input
    assert REQUIRED_ZH in error.text
    assert owner.find(f'{form} [name="title"]').get_attribute("aria-invalid") == "true"
    assert owner.value("summary", form=form) == NEED_SUMMARY
    assert owner.value("problem", form=form) == NEED_PROBLEM
    assert owner.value("target_indicators", form=form) == NEED_TARGETS
    assert owner.value("confidential_details", form=form) == NEED_SECRET
    direction = Field.objects.get(code="040204")
    assert owner.value("field", form=form) == str(direction.pk)
    assert owner.find(f'{form} input[name="cooperation_modes"]').is_selected()
    assert not Need.objects.exists()

    shown = completeness(owner)
    owner.fill("title", NEED_TITLE, form=form)
    assert wait_completeness_change(owner, shown) > shown
    owner.submit_with(f'{form} button[name="submit"]')
    need_pk = int(owner.wait_for_path(r"/needs/(\d+)/").group(1))
    need = Need.objects.get(pk=need_pk)
    assert need.status == ListingStatus.SUBMITTED
    assert need.title == NEED_TITLE
    assert need.region == hangzhou
    assert need.field == direction
    assert need.cooperation_modes.count() == 1

    # The reviewer approves it.
    review(staff, f"review-listing-{need_pk}")
    need.refresh_from_db()
    assert need.status == ListingStatus.PUBLISHED

    # An anonymous visitor finds it by a Chinese keyword; the details stay confidential.
    visitor = new_browser()
    visitor.go("/needs/?q=钴镍分离")
    assert visitor.find('#filters [name="q"]').get_attribute("value") == "钴镍分离"
    visitor.submit_with(f'#results a[href="/needs/{need_pk}/"]')
    assert visitor.path == f"/needs/{need_pk}/"
    assert visitor.text("h1") == NEED_TITLE
    page = visitor.text("main")
    assert NEED_SUMMARY in page
    assert NEED_PROBLEM in page
    assert NEED_SECRET not in page
    assert NEED_SECRET not in visitor.driver.page_source
    assert visitor.find("#confidential").text

    # A keyword that the need does not contain finds nothing.
    visitor.go("/needs/?q=石墨烯")
    assert not visitor.driver.find_elements(By.CSS_SELECTOR, "#results .listing-card")


ACHIEVEMENT_TITLE = "Graphene anticorrosion coating 石墨烯防腐涂层"
ACHIEVEMENT_SUMMARY = (
    "A waterborne graphene coating that protects offshore steel structures for 15 years."
)
ACHIEVEMENT_DESCRIPTION = (
    "Few-layer graphene dispersed in a waterborne epoxy forms a labyrinth barrier: "
    "salt-spray resistance exceeds 3000 hours at 80 micrometres dry film thickness."
)


def test_scientist_publishes_an_achievement_in_english(new_browser):
    institution = factories.OrganizationFactory(
        kind=Organization.Kind.INSTITUTION, name="江南理工大学"
    )
    factories.member_of(institution, username="prof_chen")
    factories.cast_staff(factories.ZHEJIANG, username="zj_reviewer")

    scientist = new_browser()
    scientist.go("/accounts/login/")
    # Before switching: Chinese, Django's own label of the username field included.
    assert scientist.find("html").get_attribute("lang") == "zh-hans"
    assert "用户名" in scientist.text("#login-form")
    scientist.log_in("prof_chen")

    # The navbar button switches the UI to English and comes back to the same page.
    here = scientist.path
    scientist.submit_with('nav button[name="language"][value="en"]')
    assert scientist.path == here
    assert scientist.find("html").get_attribute("lang") == "en"
    assert scientist.find('nav button[name="language"][value="zh-hans"]')

    scientist.go("/achievements/new/")
    assert scientist.find("html").get_attribute("lang") == "en"
    form = "#listing-form"
    scientist.fill("summary", ACHIEVEMENT_SUMMARY, form=form)
    scientist.fill("description", ACHIEVEMENT_DESCRIPTION, form=form)
    scientist.select("maturity", value=6, form=form)
    # Taxonomy labels follow the language too.
    scientist.pick("field", "nano", "Nanomaterials", form=form)

    # Django's built-in required-field message, in English.
    scientist.submit_with(f'{form} button[name="submit"]')
    assert REQUIRED_EN in scientist.find('[data-field="title"]').text
    assert REQUIRED_ZH not in scientist.text("main")
    assert scientist.value("description", form=form) == ACHIEVEMENT_DESCRIPTION

    scientist.fill("title", ACHIEVEMENT_TITLE, form=form)
    scientist.submit_with(f'{form} button[name="submit"]')
    achievement_pk = int(scientist.wait_for_path(r"/achievements/(\d+)/").group(1))
    achievement = Achievement.objects.get(pk=achievement_pk)
    assert achievement.status == ListingStatus.SUBMITTED
    assert achievement.maturity == 6
    assert achievement.field.code == "040101"
    assert achievement.organization == institution

    staff = new_browser()
    staff.log_in("zj_reviewer", next_path="/review/")
    review(staff, f"review-listing-{achievement_pk}")
    achievement.refresh_from_db()
    assert achievement.status == ListingStatus.PUBLISHED

    # Found by an English keyword (any case) and by a Chinese one.
    link = f'#results a[href="/achievements/{achievement_pk}/"]'
    for keyword in ("Graphene", "防腐涂层"):
        scientist.go(f"/achievements/?q={keyword}")
        assert scientist.find(link).text == ACHIEVEMENT_TITLE
    scientist.go("/achievements/?q=graphene&maturity=9")
    assert not scientist.driver.find_elements(By.CSS_SELECTOR, link)
    scientist.go("/achievements/?q=graphene")
    scientist.submit_with(link)
    assert scientist.text("h1") == ACHIEVEMENT_TITLE
    assert ACHIEVEMENT_DESCRIPTION in scientist.text("main")

    # The choice outlives the session (a cookie): after logging out, Django's login form
    # labels its field "Username".
    scientist.click("#nav-account .dropdown-toggle")
    scientist.submit_with("#nav-logout")
    scientist.go("/accounts/login/")
    assert scientist.find('label[for="id_username"]').text.startswith("Username")


def test_phone_navbar_collapses_and_the_publish_form_works(new_browser):
    organization = factories.OrganizationFactory()
    factories.member_of(organization, username="phone_user")
    phone = new_browser(PHONE)
    assert phone.driver.execute_script("return window.innerWidth") <= PHONE[0]

    phone.go("/")
    toggler = phone.visible("nav .navbar-toggler")
    needs_link = phone.find('#nav a[href="/needs/"]')
    assert not needs_link.is_displayed()
    toggler.click()
    phone.wait().until(EC.visibility_of(needs_link))
    assert toggler.get_attribute("aria-expanded") == "true"

    phone.log_in("phone_user")
    phone.go("/needs/new/")
    form = "#listing-form"
    # Nothing wider than the screen: no sideways scrolling to reach a field.
    width = phone.driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= phone.driver.execute_script("return window.innerWidth")
    for name in ("title", "summary", "problem"):
        element = phone.find(f'{form} [name="{name}"]')
        assert element.is_displayed()
        assert element.size["width"] > PHONE[0] / 2
    start = completeness(phone)
    phone.fill("title", "小型冷库节能改造方案征集", form=form)
    phone.fill("summary", "需要一套适合县域冷链物流的小型冷库节能改造方案。", form=form)
    phone.fill("problem", "压缩机能耗高，夏季库温波动大。", form=form)
    assert wait_completeness_change(phone, start) > start
    phone.submit_with(f'{form} button[name="save"]')
    need_pk = int(phone.wait_for_path(r"/needs/(\d+)/").group(1))
    need = Need.objects.get(pk=need_pk)
    assert need.status == ListingStatus.DRAFT
    assert need.organization == organization
    assert phone.find("#listing-status").is_displayed()
    assert phone.text("h1") == "小型冷库节能改造方案征集"
