"""One word for the talent bank's entries in the Chinese interface: 人才, never 专家.

(专家 stays where it means experts in general, and in 科技服务团, an expert service team.)
"""

from django.utils import translation
from django.utils.translation import gettext

from matching.models import SupplyKind
from repositories.models import ListingKind


def test_a_talent_entry_is_called_rencai_everywhere():
    with translation.override("zh-hans"):
        assert str(ListingKind.TALENT.label) == "人才"
        assert str(SupplyKind.TALENT.label) == "人才"
        assert gettext("experts") == "人才"  # the home page's count of talent profiles
        assert gettext("Talents") == "人才"
        assert gettext("Give the expert's name.") == "请填写人才姓名。"
        assert str(SupplyKind.TEAM.label) == "科技服务团"
