from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from challenges import services
from tests.challenges.conftest import act, publish

pytestmark = pytest.mark.django_db


def _form(**overrides):
    close_on = timezone.localdate() + timedelta(days=30)
    data = {
        "title": "高镍正极材料包覆技术揭榜",
        "problem": "循环寿命不足。",
        "success_criteria": "1000次循环容量保持率≥90%。",
        "trl_now": "4",
        "trl_wanted": "7",
        "reward_amount": "200",
        "reward_terms": "分两期支付。",
        "ip_arrangement": "exclusive",
        "eligibility": "不限。",
        "max_winners": "3",
        "applications_close_on": close_on.isoformat(),
        "decision_by": (close_on + timedelta(days=30)).isoformat(),
        "indicators-TOTAL_FORMS": "2",
        "indicators-INITIAL_FORMS": "0",
        "indicators-MIN_NUM_FORMS": "0",
        "indicators-MAX_NUM_FORMS": "20",
        "indicators-0-name": "容量保持率",
        "indicators-0-target_value": "90",
        "indicators-0-unit": "",
        "indicators-0-test_method": "GB/T 31486",
    }
    data.update(overrides)
    return data


def test_a_unit_less_indicator_comes_back_bound_with_a_chinese_row_error(world, client):
    client.force_login(world.sponsor_user)
    response = client.post(reverse("challenges:create"), _form())
    assert response.status_code == 400
    page = response.content.decode()
    assert "第1行指标“单位”：请填写此项。" in page
    assert "高镍正极材料包覆技术揭榜" in page and "GB/T 31486" in page
    response = client.post(reverse("challenges:create"), _form(**{"indicators-0-unit": "%"}))
    assert response.status_code == 302


def test_hidden_sponsor_is_never_shown_to_the_public(world, client):
    world.challenge.hide_sponsor = True
    world.challenge.save()
    challenge = publish(world)
    for url in (reverse("challenges:list"), challenge.get_absolute_url()):
        page = client.get(url).content.decode()
        assert "某企业" in page and world.sponsor.name not in page
    client.force_login(world.sponsor_user)
    assert world.sponsor.name in client.get(challenge.get_absolute_url()).content.decode()


def test_the_annex_is_behind_the_nda(world, client):
    challenge = world.challenge
    services.challenge_save(
        actor=act(world.sponsor_user),
        challenge=challenge,
        data={
            **{f: getattr(challenge, f) for f in services.CHALLENGE_FIELDS},
            "need": None,
        },
        indicators=[
            {n: getattr(i, n) for n in services.INDICATOR_FIELDS}
            for i in challenge.indicators.all()
        ],
        annex_files=[SimpleUploadedFile("工艺.pdf", b"%PDF-1.4 secret")],
    )
    challenge = publish(world)
    annex = challenge.annexes.get()
    client.force_login(world.rival_user)
    assert client.get(reverse("challenges:annex", args=[annex.pk])).status_code == 404
    client.post(reverse("challenges:nda", args=[challenge.pk]))
    response = client.get(reverse("challenges:annex", args=[annex.pk]))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"


def test_pages_render_for_each_role(world, client):
    challenge = publish(world)
    assert client.get(challenge.get_absolute_url()).status_code == 200
    for user, url in (
        (world.sponsor_user, reverse("challenges:mine")),
        (world.staff, reverse("challenges:vetting")),
        (world.rival_user, reverse("challenges:my_applications")),
        (world.rival_user, reverse("challenges:apply", args=[challenge.pk])),
    ):
        client.force_login(user)
        assert client.get(url).status_code == 200
    # A bad application form comes back bound with what was typed and the uncovered indicator.
    response = client.post(
        reverse("challenges:apply", args=[challenge.pk]),
        {
            "approach": "膜分离耦合工艺",
            "budget": "100",
            "team": "博士3名",
            "evidence": "小试数据",
            "coi_declared": "on",
            "milestones-TOTAL_FORMS": "1",
            "milestones-INITIAL_FORMS": "0",
            "milestones-MIN_NUM_FORMS": "0",
            "milestones-MAX_NUM_FORMS": "20",
            "milestones-0-title": "小试",
            "milestones-0-due_on": (timezone.localdate() + timedelta(days=9)).isoformat(),
            "milestones-0-deliverable": "报告",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "膜分离耦合工艺" in page and "没有里程碑对应指标“锂回收率”" in page


def test_a_draft_is_hidden_from_others(world, client):
    client.force_login(world.rival_user)
    assert client.get(world.challenge.get_absolute_url()).status_code == 404
