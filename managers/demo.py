"""Demo technology managers (技术经理人) for `make run`, written by the team: six managers in
four regions — four with a certificate the CAST staff verified, one awaiting verification, one
sent back — and the mandates demo enterprises and institutions gave them, in every status:
in force, offered, declined and ended. Under the oldest mandate in force the manager carries a
deal about the enterprise's need to a verified registration, so a commission is due and shows
on the mandate, on the deal and in the manager's record and standing.

Everything goes through the services users go through, with the clock set back for each step
(core.demo.demo_clock), after the demo deals (load_demo_deals) so that those stay as they are.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from config.env import env
from conversations.services import message_send
from core.demo import demo_clock
from deals.demo import _pairs, _staff_of, _Walk
from deals.models import Deal
from managers.models import ManagerProfile
from managers.services import (
    certificate_decide,
    certificate_submit,
    mandate_accept,
    mandate_decline,
    mandate_end,
    mandate_offer,
    profile_save,
)
from organizations.models import Membership, Organization
from organizations.selectors import actor_for
from repositories.models import Listing, ListingKind, ListingStatus
from taxonomy.models import Field, Region

# A scan as small as a PDF can be: the demo's certificates are not read, only checked.
SCAN = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass(frozen=True)
class Spec:
    username: str
    name: str
    region: str
    fields: tuple[str, ...]
    headline: str
    bio: str
    number: str
    issuer: str
    level: str
    # verified, pending or rejected; the staff's note when rejected.
    outcome: str = "verified"
    note: str = ""


MANAGERS = [
    Spec(
        "mgr_zhou",
        "周知远",
        "330100",
        ("0501", "0502"),
        "环保与节能领域技术经理人 · 十二年成果转化经验",
        "曾任某省环境科学研究院技术转移中心主任，长期服务长三角环保工程企业与高校院所之间的"
        "技术对接。近五年促成工业废水深度处理、VOCs 治理等领域技术合同 20 余项，其中专利许可 "
        "8 项、技术转让 5 项，累计技术交易额逾 6000 万元。擅长技术尽职调查、许可条款设计和"
        "技术合同认定登记辅导。",
        "JSJL-2021-330100-0158",
        "中国科学技术交流中心",
        "高级",
    ),
    Spec(
        "mgr_shen",
        "沈嘉禾",
        "320100",
        ("0401", "0403"),
        "新材料专利许可与作价入股",
        "材料学博士，曾在高校技术转移办公室从事专利运营六年，熟悉先进高分子材料、催化与过程"
        "强化方向的产业需求。主导过三项科技成果作价入股，协助课题组完成成果评估、股权结构"
        "设计与国资备案。",
        "JSJL-2022-320100-0342",
        "江苏省技术市场协会",
        "中级",
    ),
    Spec(
        "mgr_li",
        "黎子航",
        "440300",
        ("0102", "0301"),
        "集成电路与智能制造成果转化",
        "深圳某技术转移机构合伙人，服务珠三角电子制造企业十年，擅长功率半导体、智能检测装备"
        "方向的技术需求梳理与供给方遴选，熟悉“先使用后付费”等新型许可模式。",
        "JSJL-2022-440300-0917",
        "深圳市技术转移促进中心",
        "中级",
    ),
    Spec(
        "mgr_han",
        "韩书宁",
        "310000",
        ("0201", "0202"),
        "生物医药许可谈判与注册申报辅导",
        "药学背景，先后在跨国药企业务拓展部和上海某技术交易平台工作，参与创新药、体外诊断"
        "产品许可交易 15 项，熟悉里程碑付款与销售提成条款设计。",
        "JSJL-2020-310000-0066",
        "上海技术交易所",
        "高级",
    ),
    Spec(
        "mgr_guo",
        "郭明远",
        "330100",
        ("0302",),
        "新能源汽车零部件技术对接",
        "汽车工程硕士，曾在整车企业研究院负责供应商技术合作，今年取得技术经理人证书，专注电驱动"
        "与热管理零部件方向的校企合作。",
        "JSJL-2025-330100-1203",
        "浙江省科技厅技术经理人培训班",
        "初级",
        outcome="pending",
    ),
    Spec(
        "mgr_deng",
        "邓雨桐",
        "440300",
        ("0402",),
        "储能与氢能项目技术经纪",
        "长期关注新型储能与氢能产业，协助多家初创企业对接高校实验室成果。",
        "JSJL-2024-440300-0785",
        "广东省技术经理人协会",
        "初级",
        outcome="rejected",
        note="证书扫描件模糊，编号无法辨认，请重新上传清晰的扫描件。",
    ),
]

FIELDS = {spec.username: spec.fields for spec in MANAGERS}
SCOPES = {
    "brokered": "代表我司就以下技术需求遴选高校院所的技术成果，组织技术交流与尽职调查，"
    "推进技术合同谈判、签订及技术合同认定登记。",
    "institution": "为我单位以下科技成果寻找受让方或被许可方，开展价值评估与许可谈判，"
    "协助办理技术合同认定登记。",
    "offered": "代表我司对接以下需求的技术供给方，协助完成技术评估与合作方案设计。",
    "declined": "代表我司就以下需求寻找合作院所并推进合作谈判。",
    "ended": "协助我单位推进以下成果的转化，对接意向企业并组织路演。",
}
DECLINE_NOTE = (
    "本人近期档期已满，且专长在生物医药方向，与贵公司需求不够匹配，建议另请熟悉该领域的技术经理人。"
)
END_NOTE = "该成果已由我单位技术转移中心接手推进，双方协商提前终止委托。"
MANAGER_INTRODUCTION = (
    "您好，我是贵我双方此次对接中需求方委托的技术经理人，后续合同条款与许可费安排由我来跟进，"
    "如方便可约一次线上会议，先确认技术指标与验收方式。"
)


def _admin(organization) -> User | None:
    membership = (
        Membership.objects.filter(
            organization=organization,
            role=Membership.Role.ADMIN,
            status=Membership.Status.ACTIVE,
        )
        .select_related("user")
        .order_by("id")
        .first()
    )
    return membership.user if membership else None


def _manager(spec: Spec, *, password_hash: str, when) -> ManagerProfile:
    """The manager's account, profile and certificate, decided by the region's staff."""
    user, _created = User.objects.get_or_create(
        username=spec.username,
        defaults={
            "display_name": spec.name,
            "email": f"{spec.username}@demo.techbridge.example",
            "password": password_hash,
        },
    )
    region = Region.objects.get(code=spec.region)
    person = actor_for(user=user)
    with demo_clock(when):
        profile = profile_save(
            actor=person,
            data={
                "name": spec.name,
                "headline": spec.headline,
                "bio": spec.bio,
                "region": region,
            },
            fields=Field.objects.filter(code__in=spec.fields),
        )
        profile = certificate_submit(
            actor=person,
            profile=profile,
            number=spec.number,
            issuer=spec.issuer,
            level=spec.level,
            file=ContentFile(SCAN, name=f"{spec.username}-证书.pdf"),
        )
    staff = _staff_of(region)
    if spec.outcome != "pending" and staff is not None:
        with demo_clock(when + timedelta(days=3, hours=2)):
            profile = certificate_decide(
                actor=actor_for(user=staff),
                profile=profile,
                approve=spec.outcome == "verified",
                note=spec.note,
            )
    return profile


def _matches(listing, prefixes) -> bool:
    code = listing.field.code if listing.field_id else ""
    return any(code.startswith(prefix) for prefix in prefixes)


def _open_listings(organization, *, first=None, count=3, prefer=()) -> list[Listing]:
    """Up to `count` of the organization's open needs, achievements and projects, those in the
    manager's fields first."""
    listings = sorted(
        Listing.objects.filter(organization=organization)
        .exclude(status=ListingStatus.CLOSED)
        .exclude(kind=ListingKind.TALENT)
        .exclude(pk=getattr(first, "pk", None))
        .select_related("field"),
        key=lambda listing: (not _matches(listing, prefer), -listing.pk),
    )[: count - (1 if first else 0)]
    return [first, *listings] if first else listings


def _mandating(kinds, *, exclude, prefer=()) -> list[Organization]:
    """Verified organizations of these kinds with an administrator and open listings, those
    with listings in the manager's fields first."""
    found = []
    for organization in Organization.objects.filter(
        kind__in=kinds, status=Organization.Status.VERIFIED
    ).order_by("id"):
        if organization.pk in exclude or _admin(organization) is None:
            continue
        listings = _open_listings(organization, count=1, prefer=prefer)
        if listings:
            found.append((not _matches(listings[0], prefer), organization.pk, organization))
    return [organization for *_key, organization in sorted(found)]


class _Mandates:
    """The mandates of the demo, each offered, answered and ended on its own days."""

    def __init__(self, *, managers: dict[str, ManagerProfile], now, rng):
        self.managers, self.now, self.rng = managers, now, rng
        self.used: set[int] = set()

    def offer(self, organization, manager, listings, *, scope, when, **terms):
        self.used.add(organization.pk)
        with demo_clock(when):
            today = timezone.localdate()
            return mandate_offer(
                actor=actor_for(user=_admin(organization)),
                organization=organization,
                manager=self.managers[manager],
                listings=listings,
                scope_note=SCOPES[scope],
                starts_on=today,
                ends_on=today + timedelta(days=365),
                **{"cap": None, **terms},
            )

    def accept(self, mandate, when):
        with demo_clock(when):
            return mandate_accept(actor=actor_for(user=mandate.manager), mandate=mandate)

    def brokered(self) -> Deal | None:
        """周知远's mandate from an enterprise on its need, and the deal he carries for it to a
        verified registration: the commission is computed as the staff verify it."""
        fields = FIELDS["mgr_zhou"]
        pairs = sorted(
            (
                (not _matches(need, fields), index, need, supplier)
                for index, (need, supplier) in enumerate(_pairs())
                if not Deal.objects.filter(need=need).exists()
                and _admin(need.organization) is not None
            ),
            key=lambda row: row[:2],
        )
        if not pairs:
            return None
        *_key, need, supplier = pairs[0]
        offered = max(need.published_at + timedelta(days=2), self.now - timedelta(days=150))
        mandate = self.offer(
            need.organization,
            "mgr_zhou",
            _open_listings(need.organization, first=need, count=2, prefer=fields),
            scope="brokered",
            when=offered,
            base_fee=Decimal("20000"),
            success_share=Decimal("3"),
            cap=Decimal("150000"),
        )
        self.accept(mandate, offered + timedelta(days=1, hours=3))
        walk = _Walk(
            need=need,
            supplier=supplier,
            start=offered + timedelta(days=4),
            rng=self.rng,
            now=self.now,
        )
        if walk.demand_user is None or walk.supply_user is None:
            return None
        walk.open()
        # From here on the manager acts for the enterprise, by mandate: in the conversation
        # first, then on the deal.
        walk.demand_user = mandate.manager
        with walk.later(1, 2):
            message_send(
                actor=actor_for(user=mandate.manager),
                conversation=walk.deal.conversation,
                body=MANAGER_INTRODUCTION,
            )
        walk.agree("license_ordinary", "180", "20", "instalments")
        walk.sign()
        walk.register(901)
        return walk.deal

    def the_others(self):
        self._institution_in_force()
        self._ended()
        self._offered()
        self._declined()

    def _pick(self, kinds, manager):
        found = _mandating(kinds, exclude=self.used, prefer=FIELDS[manager])
        return found[0] if found else None

    def _institution_in_force(self):
        """An institution's achievements (else an enterprise's needs), in force for 沈嘉禾."""
        organization = self._pick([Organization.Kind.INSTITUTION], "mgr_shen") or self._pick(
            [Organization.Kind.ENTERPRISE], "mgr_shen"
        )
        if organization is None:
            return
        when = self.now - timedelta(days=62, hours=5)
        mandate = self.offer(
            organization,
            "mgr_shen",
            _open_listings(organization, prefer=FIELDS["mgr_shen"]),
            scope="institution",
            when=when,
            base_fee=Decimal("0"),
            success_share=Decimal("5"),
        )
        self.accept(mandate, when + timedelta(days=2))

    def _ended(self):
        """Accepted months ago, ended by the institution a month ago."""
        organization = self._pick([Organization.Kind.INSTITUTION], "mgr_zhou")
        if organization is None:
            return
        when = self.now - timedelta(days=130, hours=2)
        mandate = self.offer(
            organization,
            "mgr_zhou",
            _open_listings(organization, count=2, prefer=FIELDS["mgr_zhou"]),
            scope="ended",
            when=when,
            base_fee=Decimal("30000"),
            success_share=Decimal("2"),
            cap=Decimal("200000"),
        )
        self.accept(mandate, when + timedelta(days=1))
        with demo_clock(self.now - timedelta(days=28)):
            mandate_end(actor=actor_for(user=_admin(organization)), mandate=mandate, note=END_NOTE)

    def _offered(self):
        """Offered three days ago: awaiting 黎子航's answer."""
        organization = self._pick([Organization.Kind.ENTERPRISE], "mgr_li")
        if organization is None:
            return
        self.offer(
            organization,
            "mgr_li",
            _open_listings(organization, count=2, prefer=FIELDS["mgr_li"]),
            scope="offered",
            when=self.now - timedelta(days=3, hours=4),
            base_fee=Decimal("10000"),
            success_share=Decimal("2"),
            cap=Decimal("80000"),
        )

    def _declined(self):
        organization = self._pick([Organization.Kind.ENTERPRISE], "mgr_han")
        if organization is None:
            return
        when = self.now - timedelta(days=21, hours=1)
        mandate = self.offer(
            organization,
            "mgr_han",
            _open_listings(organization, count=1, prefer=FIELDS["mgr_han"]),
            scope="declined",
            when=when,
            base_fee=Decimal("15000"),
            success_share=Decimal("3"),
            cap=Decimal("100000"),
        )
        with demo_clock(when + timedelta(days=2)):
            mandate_decline(
                actor=actor_for(user=mandate.manager), mandate=mandate, note=DECLINE_NOTE
            )


def demo_managers_loaded() -> bool:
    return ManagerProfile.objects.filter(user__username=MANAGERS[0].username).exists()


def demo_managers_load() -> int:
    """Create the demo managers and their mandates once (nothing when they exist); returns how
    many demo managers there are."""
    usernames = [spec.username for spec in MANAGERS]
    if demo_managers_loaded():
        return ManagerProfile.objects.filter(user__username__in=usernames).count()
    now = timezone.now()
    rng = random.Random(2026)
    password_hash = make_password(env("DEMO_PASSWORD", default="techbridge-demo"))
    with transaction.atomic():
        managers = {
            spec.username: _manager(
                spec,
                password_hash=password_hash,
                when=now - timedelta(days=200 - 9 * index, hours=index),
            )
            for index, spec in enumerate(MANAGERS)
        }
        mandates = _Mandates(managers=managers, now=now, rng=rng)
        mandates.brokered()
        mandates.the_others()
    return len(managers)
