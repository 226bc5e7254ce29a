"""A loan-filing-shaped spec (issue 4's template table) used across the tabular tests."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pytest

from techfin.tabular import cells
from techfin.tabular.cells import CellError
from techfin.tabular.spec import Column, TemplateSpec, register_template, unregister_template

GUARANTEES = {"credit": "信用", "guarantee": "保证", "mortgage": "抵押", "pledge": "质押",
              "ip_pledge": "知识产权质押", "other": "其他"}
VALID_USCC = "91350100M000100Y43"  # the example printed with GB 32100-2015
OTHER_USCC = "91110000802100433B"


def _loan_checks(values: Mapping[str, Any]) -> Iterable[tuple[str, CellError]]:
    credit, loan = values["credit_amount"], values["loan_amount"]
    if credit is not None and loan is not None and loan > credit:
        yield "loan_amount", CellError("loan.over_credit", "放款金额不能超过授信金额",
                                       "the loan amount cannot exceed the credit amount")
    if (values["third_party_share"] is not None) and not values["third_party"]:
        yield "third_party", CellError("loan.third_party", "填写了分担比例但未填写第三方分担机构",
                                       "a third-party share is given without the third party")


LOAN_SPEC = TemplateSpec(
    name="test-loans",
    title_zh="入池贷款备案表",
    title_en="Loan filing",
    key=("contract_no",),
    checks=(_loan_checks,),
    notes=(("每笔贷款一行。", "One loan per row."),),
    columns=(
        Column("contract_no", "借款合同编号", "Contract no.", cells.text_max(64), required=True,
               aliases=("合同编号",), example="GZ2025-001"),
        Column("uscc", "统一社会信用代码", "Unified social credit code", cells.uscc, required=True,
               aliases=("社会信用代码", "信用代码"), example=VALID_USCC),
        Column("enterprise_name", "企业名称", "Enterprise name", cells.text, required=True, example="广州某科技有限公司"),
        Column("branch", "经办支行", "Branch", cells.text, example="黄埔科技支行"),
        Column("credit_amount", "授信金额(元)", "Credit amount (yuan)", cells.positive(cells.money), required=True,
               example="5,000,000.00"),
        Column("loan_amount", "放款金额(元)", "Loan amount (yuan)", cells.positive(cells.money), required=True,
               example="3000000"),
        Column("disbursed_on", "放款日期", "Disbursed on", cells.date, required=True, example="2025-03-01"),
        Column("maturity_on", "到期日期", "Matures on", cells.date, required=True, example="2026/3/1"),
        Column("annual_rate", "年利率(%)", "Annual rate (%)", cells.positive(cells.percent), required=True,
               example="3.45"),
        Column("guarantee_type", "担保方式", "Guarantee type", cells.choice(GUARANTEES, aliases={"其它": "other"}),
               required=True, example="信用"),
        Column("purpose", "贷款用途", "Purpose", cells.text),
        Column("first_loan", "是否首贷", "First loan", cells.boolean, required=True, example="是"),
        Column("third_party", "第三方分担机构", "Third party", cells.text),
        Column("third_party_share", "第三方分担比例(%)", "Third-party share (%)", cells.bounded(cells.percent, 0, 50)),
        Column("compensation_mode", "补偿模式", "Compensation mode",
               cells.choice({"bank": "政银", "guarantor": "政担"})),
        Column("policy_tool", "货币政策工具支持", "Monetary policy tool", cells.boolean),
    ),
)

HEADERS = [column.header_zh for column in LOAN_SPEC.columns]


def loan_row(contract: str = "HT001", **overrides: Any) -> list[Any]:
    """A valid row in template column order; ``overrides`` by column key."""
    values: dict[str, Any] = {
        "contract_no": contract, "uscc": VALID_USCC, "enterprise_name": "广州某科技有限公司",
        "branch": "黄埔科技支行", "credit_amount": 5_000_000, "loan_amount": "3,000,000.00",
        "disbursed_on": "2025-03-01", "maturity_on": "2026/3/1", "annual_rate": 3.45,
        "guarantee_type": "信用", "purpose": "流动资金", "first_loan": "是", "third_party": None,
        "third_party_share": None, "compensation_mode": "政银", "policy_tool": "否",
    }
    values.update(overrides)
    return [values[column.key] for column in LOAN_SPEC.columns]


@pytest.fixture
def loan_spec() -> Iterator[TemplateSpec]:
    register_template(LOAN_SPEC)
    yield LOAN_SPEC
    unregister_template(LOAN_SPEC.name)
