"""The GB/T 4754-2017 reference table and industry code parsing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from techfin.domain.size_class import resolve_industry
from techfin.enterprises.industries import divisions, parse_industry_code, sections


def test_the_table_has_every_section_and_division() -> None:
    assert [s.code for s in sections()] == list("ABCDEFGHIJKLMNOPQRST")
    codes = [d.code for d in divisions()]
    assert len(codes) == 97 and codes == sorted(codes) and codes[0] == "01" and codes[-1] == "97"
    assert [d.code for d in divisions("I")] == ["63", "64", "65"]


def test_every_division_means_something_to_the_size_rules() -> None:
    """Each division is classified by 300号, or said to be outside it or too coarse (59, 70):
    never an invalid code."""
    for division in divisions():
        _industry, reason = resolve_industry(division.code)
        assert reason.code != "size.industry_code_invalid", division.code


@pytest.mark.parametrize(("text", "digits", "section", "name"), [
    ("6513", "6513", "I", "应用软件开发"), ("I6513", "6513", "I", "应用软件开发"), ("ｉ６５１３", "6513", "I", "应用软件开发"),
    ("6519", "6519", "I", "软件和信息技术服务业"), ("591", "591", "G", "装卸搬运"), ("70", "70", "K", "房地产业"),
])
def test_parse(text: str, digits: str, section: str, name: str) -> None:
    code = parse_industry_code(text)
    assert (code.digits, code.section, code.division, code.entry.name_zh) == (digits, section, digits[:2], name)


@pytest.mark.parametrize(("text", "error"), [
    ("65131", "industry.format"), ("I", "industry.format"), ("99", "industry.unknown_division"),
    ("C6513", "industry.section_mismatch"), ("6a", "industry.format"),
])
def test_bad_codes_are_named(text: str, error: str) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_industry_code(text)
    assert exc.value.code == error
