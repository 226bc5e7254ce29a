"""techfin.tabular.spec: columns, templates, header normalisation and the registry."""

from __future__ import annotations

import pytest

from techfin.tabular import cells
from techfin.tabular.spec import (
    Column,
    TemplateSpec,
    UnknownTemplate,
    all_templates,
    get_template,
    header_unit,
    normalise_header,
    register_template,
    unregister_template,
)

from .conftest import LOAN_SPEC


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("授信金额(元)", "授信金额"),
        ("授信金额（元）", "授信金额"),
        (" 授信 金额 ", "授信金额"),
        ("*授信金额", "授信金额"),
        ("授信金额\n(元)", "授信金额"),  # Alt+Enter inside a header cell
        ("【授信金额】", ""),
        ("Loan Amount (yuan)", "loanamount"),
        ("ＬＯＡＮ＿ＡＭＯＵＮＴ", "loanamount"),
        ("年利率(%)", "年利率"),
        ("借款合同编号：", "借款合同编号"),
    ],
)
def test_normalise_header(raw: str, expected: str) -> None:
    assert normalise_header(raw) == expected


@pytest.mark.parametrize(
    ("raw", "unit"),
    [("授信金额(元)", "元"), ("授信金额（万元）", "万元"), ("年利率(%)", "%"), ("年利率（％）", "%"),
     ("企业名称(必填)", None), ("企业名称", None)],
)
def test_header_unit(raw: str, unit: str | None) -> None:
    assert header_unit(raw) == unit


def test_column_defaults_and_wrapping() -> None:
    column = Column("name", "名称", "Name")
    assert column.parser is cells.text and not column.required
    assert column.rule_zh == cells.text.rule_zh
    custom = Column("code", "代码", "Code", str.upper, help_zh="大写", help_en="upper case")
    assert custom.parser("ab") == "AB"
    assert custom.rule_zh == "大写" and custom.rule_en == "upper case"


@pytest.mark.parametrize("key", ["Name", "1st", "has space", ""])
def test_column_key_must_be_an_identifier(key: str) -> None:
    with pytest.raises(ValueError):
        Column(key, "名称", "Name")


def test_spec_validation() -> None:
    a = Column("a", "甲", "A")
    with pytest.raises(ValueError, match="twice"):
        TemplateSpec("t", "模板", "T", (a, Column("a", "乙", "B")))
    with pytest.raises(ValueError, match="key column"):
        TemplateSpec("t", "模板", "T", (a,), key=("b",))
    with pytest.raises(ValueError, match="matches both"):
        TemplateSpec("t", "模板", "T", (a, Column("b", "乙", "B", aliases=("甲",))))
    with pytest.raises(ValueError, match="matches both"):  # equal after normalisation
        TemplateSpec("t", "模板", "T", (Column("a", "金额(元)", "A"), Column("b", "金额（万元）", "B")))
    with pytest.raises(ValueError, match="template name"):
        TemplateSpec("Bad Name", "模板", "T", (a,))
    with pytest.raises(ValueError, match="no columns"):
        TemplateSpec("t", "模板", "T", ())


def test_spec_lookup() -> None:
    assert LOAN_SPEC.column("uscc").header_zh == "统一社会信用代码"
    assert LOAN_SPEC.header_lookup["合同编号"] == "contract_no"
    assert LOAN_SPEC.header_lookup["contractno"] == "contract_no"  # English header
    assert LOAN_SPEC.header_lookup["contract_no".replace("_", "")] == "contract_no"  # the key itself
    assert "uscc" in {c.key for c in LOAN_SPEC.required_columns}
    assert "purpose" not in {c.key for c in LOAN_SPEC.required_columns}


def test_registry() -> None:
    spec = TemplateSpec("test-registry", "登记", "Registry", (Column("a", "甲", "A"),))
    try:
        register_template(spec)
        register_template(spec)  # again, as ready() may run twice: no error
        assert get_template("test-registry") is spec
        assert spec in all_templates()
        other = TemplateSpec("test-registry", "另一个", "Other", (Column("b", "乙", "B"),))
        with pytest.raises(ValueError, match="already registered"):
            register_template(other)
        register_template(other, replace=True)
        assert get_template("test-registry") is other
    finally:
        unregister_template("test-registry")
    with pytest.raises(UnknownTemplate):
        get_template("test-registry")


def test_unknown_template_names_the_available_ones(loan_spec: TemplateSpec) -> None:
    with pytest.raises(UnknownTemplate) as caught:
        get_template("no-such-template")
    assert "test-loans" in str(caught.value)
    assert "no-such-template" in caught.value.message_zh and "test-loans" in caught.value.message_en
