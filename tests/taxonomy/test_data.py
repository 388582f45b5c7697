"""The taxonomy rows written by the 0002 data migration."""

import json
from collections import Counter
from pathlib import Path

import pytest

from taxonomy.models import CooperationMode, Field, Region

DATA_DIR = Path(__file__).resolve().parents[2] / "taxonomy" / "data"
PREFECTURE_COUNT = 333


def load(name):
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def test_field_counts(db):
    counts = Counter(Field.objects.values_list("level", flat=True))
    assert counts == {1: 5, 2: 16, 3: 80}


def test_every_industry_has_four_to_six_directions(db):
    for industry in Field.objects.filter(level=Field.Level.INDUSTRY):
        assert 4 <= industry.children.count() <= 6, industry.code


def test_field_codes_are_hierarchical(db):
    for field in Field.objects.select_related("parent"):
        assert len(field.code) == 2 * field.level
        if field.level == Field.Level.DOMAIN:
            assert field.parent is None
        else:
            assert field.parent is not None
            assert field.parent.level == field.level - 1
            assert field.code.startswith(field.parent.code)
        assert field.name and field.name_en and field.keywords


def test_region_counts(db):
    assert Region.objects.filter(level=Region.Level.PROVINCE).count() == 34
    assert Region.objects.filter(level=Region.Level.CITY).count() == PREFECTURE_COUNT


def test_region_parents(db):
    for region in Region.objects.select_related("parent"):
        assert len(region.code) == 6 and region.code.isdigit()
        if region.level == Region.Level.PROVINCE:
            assert region.parent is None
            assert region.code.endswith("0000")
        else:
            assert region.parent is not None
            assert region.parent.level == Region.Level.PROVINCE
            assert region.code[:2] == region.parent.code[:2]
            assert region.code.endswith("00")
        assert region.name and region.name_en


@pytest.mark.parametrize("code", ["110000", "120000", "310000", "500000"])
def test_municipalities_have_no_cities(db, code):
    assert not Region.objects.get(code=code).children.exists()


@pytest.mark.parametrize(
    "code,name,parent_code,parent_name",
    [
        ("330100", "杭州市", "330000", "浙江省"),
        ("330200", "宁波市", "330000", "浙江省"),
        ("440300", "深圳市", "440000", "广东省"),
        ("320500", "苏州市", "320000", "江苏省"),
        ("510100", "成都市", "510000", "四川省"),
        ("152900", "阿拉善盟", "150000", "内蒙古自治区"),
        ("222400", "延边朝鲜族自治州", "220000", "吉林省"),
        ("654300", "阿勒泰地区", "650000", "新疆维吾尔自治区"),
        ("460400", "儋州市", "460000", "海南省"),
    ],
)
def test_region_spot_checks(db, code, name, parent_code, parent_name):
    region = Region.objects.select_related("parent").get(code=code)
    assert region.name == name
    assert region.parent.code == parent_code
    assert region.parent.name == parent_name


def test_special_regions_and_taiwan(db):
    assert Region.objects.get(code="810000").name == "香港特别行政区"
    assert Region.objects.get(code="820000").name == "澳门特别行政区"
    assert Region.objects.get(code="710000").name == "台湾省"


def test_cooperation_modes(db):
    expected = {
        "transfer": "技术转让",
        "license": "技术许可",
        "equity": "作价入股",
        "joint_development": "合作开发",
        "commissioned_development": "委托开发",
        "technical_service": "技术服务",
        "consulting": "技术咨询",
        "other": "其他",
    }
    assert dict(CooperationMode.objects.values_list("code", "name")) == expected
    positions = list(CooperationMode.objects.values_list("position", flat=True))
    assert positions == sorted(positions) and len(set(positions)) == len(positions)


@pytest.mark.parametrize("name", ["fields.json", "regions.json", "cooperation_modes.json"])
def test_json_codes_unique_and_parents_listed_first(name):
    rows = load(name)
    codes = [row["code"] for row in rows]
    assert len(codes) == len(set(codes))
    seen = set()
    for row in rows:
        if row.get("parent"):
            assert row["parent"] in seen, row["code"]
        seen.add(row["code"])


def test_json_matches_database(db):
    assert Field.objects.count() == len(load("fields.json"))
    assert Region.objects.count() == len(load("regions.json"))
    assert CooperationMode.objects.count() == len(load("cooperation_modes.json"))
