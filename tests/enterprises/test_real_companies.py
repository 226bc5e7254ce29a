"""The registry with real Guangzhou companies' credit codes (issue 3, "how it will be checked").

The codes, their sources and their hand-worked check characters are in
`tests/domain/test_uscc.py` (`GUANGZHOU_PUBLISHED`); here they go through the import, the
registry and the eligibility rule as a fund manager's file would bring them: typed full width
or in lower case, one mistyped, companies whose code was issued in another district than
the one they are registered in today.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from techfin.enterprises import verdicts
from techfin.enterprises.models import District, Enterprise
from tests.conftest import World
from tests.domain.test_uscc import GUANGZHOU_PUBLISHED
from tests.enterprises.test_import import ENTERPRISE_HEADERS, codes, enterprise_row, run, xlsx

PORT = "9144010119065475XA"  # 广州港集团有限公司
MITSUBISHI = "9144011661842063XT"  # 三菱电机（广州）压缩机有限公司, code issued in the former 萝岗区
BOAO = "91440106074639077N"  # 广州博鳌纵横网络科技有限公司, code issued in 天河, now in 黄埔
CATERING = "91440101190494485U"  # 广州饮食服务企业集团有限公司
MINSHENG = "91440101MA5ALP4R4C"  # 广州民盛互联网小额贷款有限公司


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def yuexiu(world: World) -> Any:
    """越秀区, one of the 11 districts the region table ships with (migration 0005)."""
    return District.objects.get(code="440104")


def test_the_region_table_ships_with_guangzhous_11_districts(db: Any) -> None:
    districts = list(District.objects.order_by("sort_order").values_list("code", "name_zh"))
    assert len(districts) == 11 and all(code.startswith("4401") for code, _name in districts)
    assert ("440112", "黄埔区") in districts and ("440118", "增城区") in districts
    assert "440116" not in dict(districts)  # 萝岗区, merged into 黄埔区 in 2014


def _full_width(code: str) -> str:
    return code.translate(str.maketrans("0123456789ABCDEFGHJKLMNPQRTUWXY", "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ"))


def test_a_file_of_real_companies(world: World, yuexiu: Any) -> None:
    rows = [
        enterprise_row(PORT, GUANGZHOU_PUBLISHED[PORT][0], "越秀区", 注册地址="广州市越秀区沿江东路406号",
                       **{"行业代码(GB/T 4754-2017)": "G5532", "战略性新兴产业": "", "人工智能(IAB)": "否"}),
        enterprise_row(_full_width(MITSUBISHI), GUANGZHOU_PUBLISHED[MITSUBISHI][0], "黄埔区",
                       注册地址="广州经济技术开发区东江大道102号",
                       **{"行业代码(GB/T 4754-2017)": "C3441", "战略性新兴产业": "", "人工智能(IAB)": "否"}),
        enterprise_row(f" {BOAO.lower()} ", GUANGZHOU_PUBLISHED[BOAO][0], "黄埔区", 成立日期=dt.date(2013, 7, 30),
                       注册地址="广州市黄埔区科学大道231、233号"),
        enterprise_row(CATERING, GUANGZHOU_PUBLISHED[CATERING][0], "越秀区",
                       **{"行业代码(GB/T 4754-2017)": "H6210", "战略性新兴产业": "", "人工智能(IAB)": "否"}),
        enterprise_row(MINSHENG, GUANGZHOU_PUBLISHED[MINSHENG][0], "越秀区",
                       **{"行业代码(GB/T 4754-2017)": "J6636", "战略性新兴产业": "", "人工智能(IAB)": "否"}),
    ]
    imp = run(xlsx(ENTERPRISE_HEADERS, rows))
    assert (imp.created, imp.rejected, imp.error_count) == (5, 0, 0), imp.errors
    assert set(Enterprise.objects.values_list("uscc", flat=True)) >= set(GUANGZHOU_PUBLISHED)
    # The district registered today decides "registered in the city", not the region in the code.
    for code, district in ((PORT, "440104"), (MITSUBISHI, "440112"), (BOAO, "440112"), (MINSHENG, "440104")):
        enterprise = Enterprise.objects.get(uscc=code)
        reason = verdicts.assess(enterprise, dt.date(2025, 6, 1)).eligibility.verdict.reason(
            "eligibility.registered_in_city")
        assert reason.ok and reason.detail["region"] == district and reason.detail["region_source"] == "registered_region"
    # A finance company (J66) falls outside the SME size standard and is told so, in both languages.
    size = verdicts.assess(Enterprise.objects.get(uscc=MINSHENG), dt.date(2025, 6, 1)).size.verdict
    problem = size.reason("size.industry_not_covered")
    assert "银发〔2015〕309号" in problem.message_zh and "PBOC 2015 No. 309" in problem.message_en
    # The same file again changes nothing.
    again = run(xlsx(ENTERPRISE_HEADERS, rows))
    assert (again.unchanged, again.created, again.updated) == (5, 0, 0)


def test_a_mistyped_real_code_is_refused_with_the_right_character(world: World, yuexiu: Any) -> None:
    mistyped = PORT[:17] + "B"
    swapped = PORT[:9] + PORT[10] + PORT[9] + PORT[11:]  # 19065475 typed 91065475
    imp = run(xlsx(ENTERPRISE_HEADERS, [enterprise_row(mistyped, "广州港集团有限公司", "越秀区"),
                                        enterprise_row(swapped, "广州港集团有限公司", "越秀区")]))
    assert codes(imp) == [(2, "uscc", "uscc.check_character"), (3, "uscc", "uscc.check_character")]
    first = imp.errors[0]
    assert "应为「A」" in first["message_zh"] and "should be 'A', got 'B'" in first["message_en"]
    assert first["header"] == "统一社会信用代码" and first["value"] == mistyped
    assert not Enterprise.objects.filter(uscc__in=[PORT, mistyped, swapped]).exists()
