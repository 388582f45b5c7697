"""The team-written demo content: counts, references and values, checked without a database."""

import datetime
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from organizations.models import Membership, Organization, validate_credit_code
from repositories.demo import content
from repositories.models import (
    Achievement,
    ListingKind,
    ListingStatus,
    Need,
    Project,
    Talent,
)

TAXONOMY_DIR = Path(__file__).resolve().parents[2] / "taxonomy" / "data"
MODELS = {
    ListingKind.NEED: Need,
    ListingKind.ACHIEVEMENT: Achievement,
    ListingKind.PROJECT: Project,
    ListingKind.TALENT: Talent,
}
# Keys of a listing dict that are not plain model fields, resolved by the loader.
NON_FIELD_KEYS = {"kind", "organization", "created_by", "cooperation_modes", "societies"}
MAIN_TEXT = {
    ListingKind.NEED: "problem",
    ListingKind.ACHIEVEMENT: "description",
    ListingKind.PROJECT: "description",
    ListingKind.TALENT: "research_interests",
}
MUNICIPALITIES = {"110000", "120000", "310000", "500000"}


def _load(name):
    return {row["code"]: row for row in json.loads((TAXONOMY_DIR / name).read_text("utf-8"))}


FIELDS = _load("fields.json")
REGIONS = _load("regions.json")
MODES = _load("cooperation_modes.json")
ORGS = {org["key"]: org for org in content.ORGANIZATIONS}
USERS = {user["username"]: user for user in content.USERS}


def _province(code):
    region = REGIONS[code]
    return region["parent"] or region["code"]


def _industry(field_code):
    return FIELDS[field_code]["parent"]


def _listings(kind):
    return [item for item in content.LISTINGS if item["kind"] == kind]


# --- organizations -----------------------------------------------------------


def test_organization_keys_and_names_unique():
    assert len(ORGS) == len(content.ORGANIZATIONS) >= 30
    names = [org["name"] for org in content.ORGANIZATIONS]
    assert len(set(names)) == len(names)


def test_every_organization_kind_present():
    kinds = Counter(org["kind"] for org in content.ORGANIZATIONS)
    assert set(kinds) == set(Organization.Kind.values)


def test_organization_regions():
    for org in content.ORGANIZATIONS:
        region = REGIONS[org["region"]]
        if org["kind"] != Organization.Kind.CAST_OFFICE and org["region"] not in MUNICIPALITIES:
            assert region["level"] == 2, org["key"]


def test_cast_offices_cover_every_province_with_organizations():
    provincial_offices = {
        org["region"]
        for org in content.ORGANIZATIONS
        if org["kind"] == Organization.Kind.CAST_OFFICE and REGIONS[org["region"]]["level"] == 1
    }
    city_offices = [
        org
        for org in content.ORGANIZATIONS
        if org["kind"] == Organization.Kind.CAST_OFFICE and REGIONS[org["region"]]["level"] == 2
    ]
    assert city_offices, "a few city-level CAST offices are expected"
    provinces = {_province(org["region"]) for org in content.ORGANIZATIONS}
    assert len(provinces) >= 10
    assert provinces <= provincial_offices


def test_credit_codes():
    needs_code = {
        Organization.Kind.ENTERPRISE,
        Organization.Kind.AGENCY,
        Organization.Kind.INVESTOR,
    }
    codes = []
    for org in content.ORGANIZATIONS:
        if org["kind"] in needs_code:
            validate_credit_code(org["credit_code"])
            codes.append(org["credit_code"])
        else:
            assert org["credit_code"] == "", org["key"]
    assert len(set(codes)) == len(codes)


def test_organization_values_fit_the_model():
    for org in content.ORGANIZATIONS:
        for name in ("name", "kind", "description", "contact_name", "contact_phone"):
            Organization._meta.get_field(name).clean(org[name], None)
        for code in org["fields"]:
            assert FIELDS[code]["level"] in (1, 2), (org["key"], code)


def test_service_teams_belong_to_societies():
    for org in content.ORGANIZATIONS:
        if org["kind"] == Organization.Kind.SERVICE_TEAM:
            assert ORGS[org["parent"]]["kind"] == Organization.Kind.SOCIETY
        else:
            assert org["parent"] is None, org["key"]


# --- users ---------------------------------------------------------------------


def test_users_unique_and_valid():
    User = get_user_model()
    assert len(USERS) == len(content.USERS)
    emails = [user["email"] for user in content.USERS]
    assert len(set(emails)) == len(emails)
    for user in content.USERS:
        assert user["username"].isascii()
        User._meta.get_field("username").clean(user["username"], None)
        User._meta.get_field("display_name").clean(user["display_name"], None)
        validate_email(user["email"])
        assert user["organization"] in ORGS
        assert user["role"] in Membership.Role.values


def _has_user(kind, role=None):
    return any(
        ORGS[user["organization"]]["kind"] == kind and (role is None or user["role"] == role)
        for user in content.USERS
    )


def test_one_user_per_role_at_least():
    assert _has_user(Organization.Kind.ENTERPRISE, "admin")
    assert _has_user(Organization.Kind.INSTITUTION, "member")
    assert _has_user(Organization.Kind.SOCIETY, "member")
    assert _has_user(Organization.Kind.SERVICE_TEAM)
    assert _has_user(Organization.Kind.AGENCY, "admin")
    assert _has_user(Organization.Kind.INVESTOR)


def test_every_cast_office_has_staff():
    staffed = {user["organization"] for user in content.USERS}
    for org in content.ORGANIZATIONS:
        if org["kind"] == Organization.Kind.CAST_OFFICE:
            assert org["key"] in staffed, org["key"]


# --- listings ------------------------------------------------------------------


def test_listing_counts():
    counts = Counter(item["kind"] for item in content.LISTINGS)
    assert counts[ListingKind.NEED] >= 110
    assert counts[ListingKind.ACHIEVEMENT] >= 110
    assert counts[ListingKind.PROJECT] >= 50
    assert counts[ListingKind.TALENT] >= 50
    assert sum(counts.values()) >= 320


def test_listing_coverage():
    industries = {_industry(item["field"]) for item in content.LISTINGS}
    provinces = {_province(item["region"]) for item in content.LISTINGS}
    assert len(industries) >= 8
    assert len(provinces) >= 10
    # Every listing can be reviewed by its province's CAST office.
    provincial_offices = {
        org["region"]
        for org in content.ORGANIZATIONS
        if org["kind"] == Organization.Kind.CAST_OFFICE and REGIONS[org["region"]]["level"] == 1
    }
    assert provinces <= provincial_offices


def test_titles_unique():
    titles = [item["title"] for item in content.LISTINGS]
    assert len(set(titles)) == len(titles)


def test_listing_references_resolve():
    for item in content.LISTINGS:
        title = item["title"]
        assert item["kind"] in ListingKind.values, title
        assert item["organization"] in ORGS, title
        assert USERS[item["created_by"]]["organization"] == item["organization"], title
        assert FIELDS[item["field"]]["level"] == 3, title
        assert item["region"] in REGIONS, title
        assert item["cooperation_modes"], title
        assert set(item["cooperation_modes"]) <= set(MODES), title
        for society in item.get("societies", []):
            assert ORGS[society]["kind"] == Organization.Kind.SOCIETY, title


def test_listing_owners_by_kind():
    kinds_of = Counter()
    for item in content.LISTINGS:
        kinds_of[(item["kind"], ORGS[item["organization"]]["kind"])] += 1
    enterprise, institution = Organization.Kind.ENTERPRISE, Organization.Kind.INSTITUTION
    for item in _listings(ListingKind.NEED):
        assert ORGS[item["organization"]]["kind"] == enterprise, item["title"]
    for item in _listings(ListingKind.PROJECT):
        assert ORGS[item["organization"]]["kind"] in (enterprise, institution), item["title"]
    for kind in (ListingKind.ACHIEVEMENT, ListingKind.TALENT):
        total = len(_listings(kind))
        assert kinds_of[(kind, institution)] > total / 2


def test_listing_keys_are_model_fields():
    for item in content.LISTINGS:
        model = MODELS[item["kind"]]
        names = {field.name for field in model._meta.get_fields()}
        extra = set(item) - NON_FIELD_KEYS - names
        assert not extra, (item["title"], extra)
        assert ("societies" in item) == (item["kind"] == ListingKind.TALENT)


def test_listing_values_pass_field_validation():
    for item in content.LISTINGS:
        model = MODELS[item["kind"]]
        for name, value in item.items():
            if name in NON_FIELD_KEYS:
                continue
            field = model._meta.get_field(name)
            if field.is_relation:
                continue
            try:
                field.clean(value, None)
            except ValidationError as error:  # pragma: no cover - the message is the point
                pytest.fail(f"{item['title']}: {name}: {error.messages}")


def test_statuses():
    statuses = Counter(item["status"] for item in content.LISTINGS)
    assert set(statuses) <= set(ListingStatus.values)
    assert statuses[ListingStatus.PUBLISHED] > 0.9 * len(content.LISTINGS)
    for status in (ListingStatus.SUBMITTED, ListingStatus.DRAFT, ListingStatus.RETURNED):
        assert statuses[status] >= 1
    for item in content.LISTINGS:
        assert bool(item["review_note"]) == (item["status"] == ListingStatus.RETURNED)


def test_main_texts_read_like_listings():
    for item in content.LISTINGS:
        main = item[MAIN_TEXT[item["kind"]]]
        assert 80 <= len(main) <= 400, (item["title"], len(main))
        assert len(item["summary"]) >= 60, item["title"]
    assert any(item["confidential_details"] for item in _listings(ListingKind.NEED))
    assert any(item["confidential_details"] for item in _listings(ListingKind.ACHIEVEMENT))


def test_need_values():
    for item in _listings(ListingKind.NEED):
        assert any(ch.isdigit() for ch in item["target_indicators"]), item["title"]
        assert datetime.date.fromisoformat(item["deadline"]).year == 2027
        if item["budget_negotiable"]:
            assert item["budget_min"] is None and item["budget_max"] is None
        else:
            assert Decimal(item["budget_min"]) <= Decimal(item["budget_max"]), item["title"]


def test_achievement_values():
    for item in _listings(ListingKind.ACHIEVEMENT):
        assert 1 <= item["maturity"] <= 9
        assert item["owner_names"], item["title"]
        assert item["price_negotiable"] == (item["price"] is None), item["title"]
        if item["ip_status"] in ("invention_patent", "utility_model", "patent_pending"):
            assert item["patent_numbers"], item["title"]


def test_project_and_talent_values():
    for item in _listings(ListingKind.PROJECT):
        assert item["seeking"] and set(item["seeking"]) <= set(Project.Seeking.values)
    for item in _listings(ListingKind.TALENT):
        assert item["institution_name"] and item["disciplines"], item["title"]


def test_matching_pairs():
    by_title = {item["title"]: item for item in content.LISTINGS}
    assert len(content.MATCHING_PAIRS) >= 30
    for need_title, achievement_title in content.MATCHING_PAIRS:
        need, achievement = by_title[need_title], by_title[achievement_title]
        assert need["kind"] == ListingKind.NEED
        assert achievement["kind"] == ListingKind.ACHIEVEMENT
        assert need["field"] == achievement["field"], need_title
