"""techfin.domain.uscc: GB 32100-2015 unified social credit codes."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from techfin.domain import uscc
from techfin.domain.uscc import CHARSET, UsccError

# Published codes whose check character the algorithm confirms (asserted below, not assumed).
PUBLISHED_VALID = [
    "91350100M000100Y43",  # the example printed with GB 32100-2015 and quoted in most guides
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
    "91110000802100433B",  # 北京百度网讯科技有限公司
]


# Real Guangzhou companies, their codes as published; each passes the GB 32100-2015 check
# character and the GB 11714 check of its organisation code (asserted below, not assumed).
GUANGZHOU_PUBLISHED = {
    # 广州港集团有限公司 (Guangzhou Port Group), 法定地址 广州市越秀区沿江东路406号: its 2024 interim bond
    # report, 公告日期 2024-08-30 (gubaposthk.eastmoney.com/news,127305,1458232020.html).
    "9144010119065475XA": ("广州港集团有限公司", "440101"),
    # 三菱电机（广州）压缩机有限公司, 广州经济技术开发区东江大道102号: 广州住房公积金管理中心
    # 《责令限期办理决定书》穗公积金中心黄埔责字〔2025〕594号 (text quoted in public GitHub test data).
    # 440116 is the former 萝岗区, merged into 黄埔区 in 2014: the code keeps its first registration.
    "9144011661842063XT": ("三菱电机（广州）压缩机有限公司", "440116"),
    # 广州博鳌纵横网络科技有限公司, founded 2013-07-30, registered in 天河 (440106) and now at
    # 广州市黄埔区科学大道231、233号: its business-registration summary (quoted in public GitHub data).
    "91440106074639077N": ("广州博鳌纵横网络科技有限公司", "440106"),
    # 广州饮食服务企业集团有限公司 (广州市越秀区解放北路899号): lessor in a published lease template
    # (承租合同模版, quoted in a public GitHub repository).
    "91440101190494485U": ("广州饮食服务企业集团有限公司", "440101"),
    # 广州民盛互联网小额贷款有限公司 (广州市越秀区长堤大马路244-246号): lender in the loan contract it
    # publishes for online signing (quoted in a public GitHub repository). Issued after 2015 (MA…).
    "91440101MA5ALP4R4C": ("广州民盛互联网小额贷款有限公司", "440101"),
}


def test_weights_are_powers_of_three_mod_31() -> None:
    assert uscc.WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def test_charset_excludes_confusable_letters() -> None:
    assert len(CHARSET) == 31
    assert not set("IOSVZ") & set(CHARSET)


@pytest.mark.parametrize("code", PUBLISHED_VALID)
def test_published_codes_are_valid(code: str) -> None:
    assert uscc.compute_check_character(code[:17]) == code[17]
    assert uscc.validate(code) == []
    assert uscc.is_valid(code)


@pytest.mark.parametrize("code", GUANGZHOU_PUBLISHED)
def test_real_guangzhou_codes_are_valid(code: str) -> None:
    name, region = GUANGZHOU_PUBLISHED[code]
    assert uscc.validate(code) == [], name
    assert uscc.region_code(code) == region
    # Positions 9-17 are the organisation code of GB 11714-1997, with its own check character.
    assert uscc._organisation_check_character(code[8:16]) == code[16]


@pytest.mark.parametrize("code", GUANGZHOU_PUBLISHED)
def test_real_codes_mistyped_are_refused_naming_the_rule(code: str) -> None:
    # Any other check character is refused, and the message gives the right one.
    for wrong in CHARSET.replace(code[17], "")[:5]:
        [problem] = uscc.validate(code[:17] + wrong)
        assert problem.code == "uscc.check_character" and problem.detail == {"expected": code[17], "given": wrong}
        assert f"应为「{code[17]}」" in problem.message_zh
    # Two neighbouring characters swapped, the commonest typing slip, is always caught:
    # weights 3^(i-1) mod 31 differ between neighbours and 31 is prime.
    for i in range(16):
        swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
        if swapped != code:
            assert not uscc.is_valid(swapped), swapped
    # One character dropped or added: the length rule.
    assert [p.code for p in uscc.validate(code[:-1])] == ["uscc.length"]
    assert "uscc.length" in [p.code for p in uscc.validate(code + "0")]
    # Typed with a Chinese input method (full width, lower case, spaces): the same code.
    typed = " " + code.lower().translate(str.maketrans("0123456789", "０１２３４５６７８９")) + " "
    assert uscc.normalise(typed) == code and uscc.is_valid(typed)


def test_check_character_of_a_real_code_worked_by_hand() -> None:
    # 广州港集团有限公司 9144010119065475X?: values 9,1,4,4,0,1,0,1,1,9,0,6,5,4,7,5,29 (X)
    # weights                                 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28
    # Σ = 9+3+36+108+0+26+0+17+20+261+0+78+40+96+70+150+812 = 1726; 1726 mod 31 = 21;
    # (31 - 21) mod 31 = 10 → CHARSET[10] = "A", the published last character.
    assert uscc.compute_check_character("9144010119065475X") == "A"


def test_check_character_worked_by_hand() -> None:
    # 91440101MA59UQ4K1: values 9,1,4,4,0,1,0,1,21(M),10(A),5,9,27(U),24(Q),4,19(K),1
    # Σ value×weight = 9+3+36+108+0+26+0+17+420+290+125+117+216+576+40+570+28 = 2581
    # 2581 mod 31 = 8, (31 - 8) mod 31 = 23 → CHARSET[23] = "P".
    assert uscc.compute_check_character("91440101MA59UQ4K1") == "P"


def test_often_quoted_guangzhou_example_has_a_wrong_check_character() -> None:
    # "91440101MA59UQ4K1A" circulates as an example; its check character should be P.
    problems = uscc.validate("91440101MA59UQ4K1A")
    assert [p.code for p in problems] == ["uscc.check_character"]
    assert problems[0].detail == {"expected": "P", "given": "A"}
    assert uscc.is_valid("91440101MA59UQ4K1P")


@pytest.mark.parametrize(
    "variant",
    ["  9144030071526726xg  ", "９１４４０３００７１５２６７２６ＸＧ", "9144030071526726XG\n"],
)
def test_normalisation_trims_folds_and_upper_cases(variant: str) -> None:
    assert uscc.normalise(variant) == "9144030071526726XG"
    assert uscc.is_valid(variant)


def test_length_rule() -> None:
    problems = uscc.validate("9144030071526726X")
    assert [p.code for p in problems] == ["uscc.length"]
    assert problems[0].detail["length"] == 17
    assert not problems[0].ok
    assert problems[0].message_zh and problems[0].message_en


def test_charset_rule_names_positions() -> None:
    # O at position 9 and I at position 12; the check character cannot be computed.
    problems = uscc.validate("91440101O00I00000X")
    assert [p.code for p in problems] == ["uscc.charset"]
    assert problems[0].detail == {"positions": "9,12", "characters": "OI"}


def test_bad_check_character_outside_the_set_reports_both_rules() -> None:
    problems = uscc.validate("9144030071526726XZ")
    assert [p.code for p in problems] == ["uscc.charset", "uscc.check_character"]
    assert problems[1].detail == {"expected": "G", "given": "Z"}


def test_every_problem_at_once() -> None:
    problems = uscc.validate("91440101S")
    assert {p.code for p in problems} == {"uscc.length", "uscc.charset"}


def test_empty_code() -> None:
    assert [p.code for p in uscc.validate("")] == ["uscc.length"]


@pytest.mark.parametrize(("first17", "code"), [("9144", "uscc.length"), ("9144030071526726O", "uscc.charset")])
def test_compute_check_character_rejects(first17: str, code: str) -> None:
    with pytest.raises(UsccError) as caught:
        uscc.compute_check_character(first17)
    assert caught.value.code == code


def test_region_code() -> None:
    assert uscc.region_code("91440101MA59UQ4K1P") == "440101"
    # A wrong check character still shows where the code was registered.
    assert uscc.region_code("91440101MA59UQ4K1A") == "440101"
    with pytest.raises(UsccError):
        uscc.region_code("9144")
    with pytest.raises(UsccError):
        uscc.region_code("91A4010100000000X0")


def test_generate_is_deterministic_and_in_the_region() -> None:
    first = uscc.generate(random.Random(42), region="440112")
    again = uscc.generate(random.Random(42), region="440112")
    assert first == again
    assert first.startswith("91440112MA")
    assert uscc.region_code(first) == "440112"
    assert uscc.is_valid(first)


@pytest.mark.parametrize("region", ["4401", "44010A", "4401066"])
def test_generate_rejects_bad_region(region: str) -> None:
    with pytest.raises(UsccError):
        uscc.generate(random.Random(0), region=region)


@given(seed=st.integers(), region=st.from_regex(r"\A44[0-9]{4}\Z"))
def test_generated_codes_are_valid(seed: int, region: str) -> None:
    code = uscc.generate(random.Random(seed), region=region)
    assert len(code) == 18
    assert uscc.validate(code) == []
    assert code[2:8] == region


@given(seed=st.integers(), position=st.integers(min_value=0, max_value=17), data=st.data())
def test_any_single_substitution_is_caught(seed: int, position: int, data: st.DataObject) -> None:
    # The mod-31 check with weights coprime to 31 detects every single-character error.
    code = uscc.generate(random.Random(seed))
    replacement = data.draw(st.sampled_from([c for c in CHARSET if c != code[position]]))
    altered = code[:position] + replacement + code[position + 1:]
    assert not uscc.is_valid(altered)
    assert [p.code for p in uscc.validate(altered)] == ["uscc.check_character"]
