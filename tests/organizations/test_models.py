"""Organization fields: the contact phone."""

import pytest
from django.core.exceptions import ValidationError

from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

PHONE_ERROR = "请输入 11 位手机号码，或带区号的固定电话，如 0571-88668888。"


@pytest.mark.parametrize(
    "phone",
    [
        "13800000000",
        "19912345678",
        "0571-88668888",
        "057188668888",
        "010-12345678",
        "0571-8866888",
        "0571-88668888-8001",
        "0571-88668888转8001",
    ],
)
def test_chinese_phone_numbers_are_accepted(phone):
    OrganizationFactory.build(contact_phone=phone).full_clean(exclude=["region"])


@pytest.mark.parametrize(
    "phone",
    [
        "0571-8666",
        "12800000000",
        "1380000000",
        "138000000001",
        "571-88668888",
        "88668888",
        "0571-88668888-",
        "phone",
    ],
)
def test_other_phone_numbers_are_refused_naming_the_field(phone):
    with pytest.raises(ValidationError) as error:
        OrganizationFactory.build(contact_phone=phone).full_clean(exclude=["region"])
    assert error.value.message_dict == {"contact_phone": [PHONE_ERROR]}
