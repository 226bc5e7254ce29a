"""Templates: `techfin template`, template_response, and that a filled template re-imports."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import Http404

from techfin.tabular.importer import parse_file
from techfin.tabular.spec import TemplateSpec, all_templates
from techfin.tabular.templates import INSTRUCTIONS_SHEET, template_bytes, template_response

from .conftest import LOAN_SPEC, VALID_USCC, loan_row


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("template", *args, stdout=out)
    return out.getvalue()


def test_command_writes_xlsx_that_reimports_cleanly(loan_spec: TemplateSpec, tmp_path: Path) -> None:
    path = tmp_path / "loans.xlsx"
    assert "Wrote" in run("test-loans", "--format", "xlsx", "--output", str(path))

    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames[:2] == ["入池贷款备案表", INSTRUCTIONS_SHEET]
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == [c.header_zh for c in LOAN_SPEC.columns]
    assert sheet.max_row == 1  # no sample row that could be filed by mistake
    # A bank officer fills in a few rows the way Excel would store them.
    sheet.append(loan_row("GZ2025-001", disbursed_on=dt.date(2025, 3, 1), maturity_on=dt.date(2026, 3, 1)))
    sheet.append(loan_row("GZ2025-002", credit_amount=8_000_000.0, loan_amount=8_000_000.0, guarantee_type="保证"))
    sheet.append(loan_row("GZ2025-003", third_party="广州科技融资担保", third_party_share=30, compensation_mode="政担"))
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = parse_file(buffer.getvalue(), "test-loans", filename="filled.xlsx")
    rows = result.read_all()
    assert [(r.row_number, r.errors) for r in rows] == [(2, []), (3, []), (4, [])]
    assert result.warnings == [] and result.file_errors == []
    assert rows[0].values["disbursed_on"] == dt.date(2025, 3, 1)
    assert rows[2].values["compensation_mode"] == "guarantor"


def test_command_writes_csv_that_reimports_cleanly(loan_spec: TemplateSpec, tmp_path: Path) -> None:
    path = tmp_path / "loans.csv"
    run("test-loans", "--format", "csv", "--output", str(path))
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").strip() == ",".join(c.header_zh for c in LOAN_SPEC.columns)
    filled = data + ",".join(f'"{v}"' if v is not None else "" for v in loan_row()).encode() + b"\r\n"
    assert [r.errors for r in parse_file(filled, LOAN_SPEC, filename="x.csv")] == [[]]


def test_default_output_name(loan_spec: TemplateSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run("test-loans", "--format", "csv")
    assert (tmp_path / "test-loans.csv").exists()


def test_xlsx_template_has_dropdowns_formats_comments_and_instructions(loan_spec: TemplateSpec) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(template_bytes("test-loans", "xlsx")))
    sheet = workbook.worksheets[0]
    lists = {str(dv.sqref): dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert lists == {
        "J2:J10001": '"信用,保证,抵押,质押,知识产权质押,其他"',  # 担保方式
        "L2:L10001": '"是,否"',  # 是否首贷
        "O2:O10001": '"政银,政担"',  # 补偿模式
        "P2:P10001": '"是,否"',  # 货币政策工具支持
    }
    assert sheet["A1"].comment is not None and "必填" in sheet["A1"].comment.text
    assert "GZ2025-001" in sheet["A1"].comment.text
    assert sheet["A1"].font.color.rgb.endswith("C00000")  # required headers in red
    assert sheet.freeze_panes == "A2"

    guide = workbook[INSTRUCTIONS_SHEET]
    text = "\n".join(str(c.value) for row in guide.iter_rows() for c in row if c.value)
    for column in LOAN_SPEC.columns:
        assert column.header_zh in text and column.rule_zh in text and column.rule_en in text
    assert "GZ2025-001" in text and VALID_USCC in text
    assert "每笔贷款一行。" in text and "One loan per row." in text
    assert "不能重复" in text  # the key column rule


def test_columns_are_formatted_by_kind(loan_spec: TemplateSpec) -> None:
    # Text columns as text: Excel would otherwise turn an all-digit code into 9.14E+17.
    sheet = openpyxl.load_workbook(io.BytesIO(template_bytes("test-loans", "xlsx"))).worksheets[0]
    formats = {letter: sheet.column_dimensions[letter].number_format for letter in "ABEGI"}
    assert formats == {"A": "@", "B": "@", "E": "#,##0.00", "G": "yyyy-mm-dd", "I": "General"}


def test_long_choice_lists_use_a_hidden_sheet() -> None:
    from techfin.tabular import cells
    from techfin.tabular.spec import Column

    options = {f"k{i}": f"很长的选项名称第{i}号" for i in range(40)}
    spec = TemplateSpec("long", "长列表", "Long", (Column("c", "类别", "Category", cells.choice(options)),))
    workbook = openpyxl.load_workbook(io.BytesIO(template_bytes(spec, "xlsx")))
    assert workbook["_lists"].sheet_state == "hidden"
    [validation] = workbook.worksheets[0].data_validations.dataValidation
    assert validation.formula1 == "_lists!$A$1:$A$40"


def test_list_and_unknown_names(loan_spec: TemplateSpec) -> None:
    assert "test-loans" in run("--list") and "入池贷款备案表" in run("--list")
    with pytest.raises(CommandError, match="test-loans"):
        run("nope")
    with pytest.raises(CommandError, match="--list"):
        run()


def test_template_response(loan_spec: TemplateSpec) -> None:
    response = template_response("test-loans", "xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"PK")
    csv_response = template_response("test-loans", "csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    with pytest.raises(Http404):
        template_response("nope")
    with pytest.raises(Http404):
        template_response("test-loans", "pdf")


def test_every_registered_template_writes_and_reimports() -> None:
    """Apps register their templates in ready(); each must produce files its own parser accepts."""
    for spec in all_templates():
        for column in spec.columns:
            if column.example:
                column.parser(column.example)  # an example that does not parse misleads users
        for fmt in ("xlsx", "csv"):
            result = parse_file(template_bytes(spec, fmt), spec, filename=f"{spec.name}.{fmt}")
            assert result.file_errors == [] and result.warnings == [], spec.name
            assert result.read_all() == []
