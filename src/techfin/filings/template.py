"""The bank filing template (入池报送模板): its columns, shared by the batch file, the form and the API.

docs/filing-template.md documents it; `techfin template loans` and the filing page serve it.
"""

from __future__ import annotations

from typing import Any

from techfin.domain.policy import CompensationMode, GuaranteeType
from techfin.filings.services import FilingRow, cell_problem
from techfin.tabular import cells
from techfin.tabular.cells import CellError, Option
from techfin.tabular.spec import Column, TemplateSpec

GUARANTEE = cells.choice(
    [Option(g.value, g.label_zh, g.value.replace("_", " ")) for g in GuaranteeType],
    aliases={"纯信用": "credit", "信用贷款": "credit", "保证担保": "guarantee", "抵押担保": "mortgage",
             "质押担保": "pledge", "知识产权": "ip_pledge", "专利质押": "ip_pledge", "其它": "other",
             "保证保险": "guarantee_insurance"},
)
MODE = cells.choice(
    [Option(CompensationMode.BANK.value, "政银", "bank"), Option(CompensationMode.GUARANTOR.value, "政担", "guarantor")],
    aliases={"政银模式": "bank", "政担模式": "guarantor"},
)

LOAN_TEMPLATE = TemplateSpec(
    name="loans",
    title_zh="入池报送",
    title_en="Loan filing",
    key=("contract_no",),
    columns=(
        Column("contract_no", "借款合同编号", "Contract number", cells.text_max(64), required=True,
               aliases=("合同编号", "借款合同号", "贷款合同编号"), example="GZ2025-0001",
               help_zh="必填；同一银行内唯一", help_en="required; unique within the bank"),
        Column("uscc", "统一社会信用代码", "Unified social credit code", cells.uscc, required=True,
               aliases=("信用代码", "社会信用代码", "企业信用代码"), example="91440101MA59UQ4K1P",
               help_zh="在放款日符合入池条件的企业的代码", help_en="a valid code of an enterprise eligible on the disbursement date"),
        Column("enterprise_name", "企业名称", "Enterprise name", cells.text_max(200), aliases=("借款企业", "借款人名称", "企业"),
               help_zh="应与企业库一致，不一致时提示", help_en="must match the registry, else a warning"),
        Column("branch", "经办支行", "Branch", cells.text_max(100), aliases=("支行", "经办机构"),
               help_zh="选填；须为本行登记的支行", help_en="optional; a branch of the filing bank"),
        Column("credit_amount", "授信金额(元)", "Credit amount (yuan)", cells.positive(cells.money), required=True,
               aliases=("授信金额", "授信额度"), example="5,000,000.00", help_zh="大于0", help_en="> 0"),
        Column("loan_amount", "放款金额(元)", "Loan amount (yuan)", cells.positive(cells.money), required=True,
               aliases=("放款金额", "贷款金额", "发放金额"), example="3,000,000.00",
               help_zh="大于0且不超过授信金额", help_en="> 0 and ≤ credit amount"),
        Column("disbursed_on", "放款日期", "Disbursement date", cells.date, required=True,
               aliases=("发放日期", "放款日"), example="2025-03-01", help_zh="日期，不晚于今天", help_en="a date, not in the future"),
        Column("maturity_on", "到期日期", "Maturity date", cells.date, required=True, aliases=("到期日", "贷款到期日"),
               example="2026-02-28", help_zh="晚于放款日期；期限不超过政策上限",
               help_en="after the disbursement date; term within the policy maximum"),
        Column("annual_rate", "年利率(%)", "Annual rate (%)", cells.positive(cells.percent), required=True,
               aliases=("年利率", "利率", "执行利率"), example="3.45", help_zh="大于0且不超过政策上限",
               help_en="> 0 and within the policy ceiling"),
        Column("guarantee_type", "担保方式", "Guarantee type", GUARANTEE, required=True, aliases=("担保类型",),
               example="信用"),
        Column("purpose", "贷款用途", "Purpose", cells.text_max(200), aliases=("用途",)),
        Column("first_loan", "是否首贷", "First loan", cells.boolean, aliases=("首贷",), example="否"),
        Column("third_party", "第三方分担机构", "Third party", cells.text_max(100), aliases=("第三方机构", "担保机构", "保险机构"),
               help_zh="选填（“5+X”担保或保险机构）", help_en='optional ("5+X" guarantor or insurer)'),
        Column("third_party_share", "第三方分担比例(%)", "Third-party share (%)", cells.percent,
               aliases=("第三方分担比例", "分担比例"), help_zh="与第三方机构同填；0–50", help_en="with third_party; 0–50"),
        Column("compensation_mode", "补偿模式", "Compensation mode", MODE, aliases=("模式",),
               help_zh="选填：政银（默认）或政担（2025年办法）", help_en="optional: 政银 (default) or 政担 (2025 rules)"),
        Column("policy_tool", "货币政策工具支持", "Monetary-policy tool", cells.boolean, aliases=("货币政策工具",),
               help_zh="选填：是或否（2025年办法加5个百分点）", help_en="optional: 是 or 否 (2025 rules' +5 points)"),
    ),
    notes=(
        ("先放款、后备案：放款后在政策规定的期限内报送。同一合同再次报送且内容有变化，视为变更并留痕；内容不变则不做处理。",
         "Lend first, file later: file within the policy's deadline after disbursement. Filing a contract "
         "again with changed values amends it (recorded in the audit log); an identical row changes nothing."),
    ),
)


def row_from_form(data: dict[str, Any], row_number: int = 1, spec: TemplateSpec = LOAN_TEMPLATE) -> FilingRow:
    """Parse one filing (or, with the status template, one monthly status) typed into a form or
    sent to the API with the template's own parsers, so a single row and a batch row obey exactly
    the same rules."""
    values: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for column in spec.columns:
        raw = data.get(column.key)
        if cells.is_blank(raw):
            values[column.key] = None
            if column.required:
                errors.append(cell_problem("cell.required", column.key, f"{column.header_zh}为必填项",
                                           f"{column.header_en} is required"))
            continue
        try:
            values[column.key] = column.parser(raw)
        except CellError as exc:
            values[column.key] = None
            errors.append(cell_problem(exc.code, column.key, f"{column.header_zh}：{exc.message_zh}",
                                       f"{column.header_en}: {exc.message_en}"))
    return FilingRow(row_number, values, errors)
