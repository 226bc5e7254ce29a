"""Benchmark: parse and validate a 100,000-row loan filing with techfin.tabular.

Generates an xlsx shaped like the loan filing template (issue 4: 16 columns, Chinese headers,
a title row above the header, dates as Excel date cells, amounts as numbers with some as text
"1,234,567.89"), then times in the same run:

* baseline — python-calamine opening the file and reading every row, no conversion;
* framework — ``parse_file`` with the filing spec: header matching, every cell parsed and
  checked, cross-column checks, duplicate contract numbers.

Run:  .venv/bin/python bench/bench_tabular.py [--rows 100000] [--repeat 5] [--file PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import tempfile
import time
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import xlsxwriter
from python_calamine import CalamineWorkbook

from techfin.domain.uscc import generate as generate_uscc
from techfin.tabular import cells
from techfin.tabular.cells import CellError
from techfin.tabular.importer import parse_file
from techfin.tabular.spec import Column, TemplateSpec

GUARANTEES = {"credit": "信用", "guarantee": "保证", "mortgage": "抵押", "pledge": "质押",
              "ip_pledge": "知识产权质押", "other": "其他"}


def _amounts(values: Mapping[str, Any]) -> Iterable[tuple[str, CellError]]:
    credit, loan = values["credit_amount"], values["loan_amount"]
    if credit is not None and loan is not None and loan > credit:
        yield "loan_amount", CellError("loan.over_credit", "放款金额超过授信金额", "loan amount exceeds the credit amount")
    start, end = values["disbursed_on"], values["maturity_on"]
    if start is not None and end is not None and end <= start:
        yield "maturity_on", CellError("loan.maturity", "到期日期应晚于放款日期", "maturity must be after disbursement")


FILING = TemplateSpec(
    name="bench-loan-filing",
    title_zh="入池贷款备案表",
    title_en="Loan filing",
    key=("contract_no",),
    checks=(_amounts,),
    columns=(
        Column("contract_no", "借款合同编号", "Contract no.", cells.text_max(64), required=True, aliases=("合同编号",)),
        Column("uscc", "统一社会信用代码", "Credit code", cells.uscc, required=True),
        Column("enterprise_name", "企业名称", "Enterprise", cells.text, required=True),
        Column("branch", "经办支行", "Branch", cells.text),
        Column("credit_amount", "授信金额(元)", "Credit amount (yuan)", cells.positive(cells.money), required=True),
        Column("loan_amount", "放款金额(元)", "Loan amount (yuan)", cells.positive(cells.money), required=True),
        Column("disbursed_on", "放款日期", "Disbursed on", cells.date, required=True),
        Column("maturity_on", "到期日期", "Matures on", cells.date, required=True),
        Column("annual_rate", "年利率(%)", "Annual rate (%)", cells.positive(cells.percent), required=True),
        Column("guarantee_type", "担保方式", "Guarantee", cells.choice(GUARANTEES), required=True),
        Column("purpose", "贷款用途", "Purpose", cells.text),
        Column("first_loan", "是否首贷", "First loan", cells.boolean, required=True),
        Column("third_party", "第三方分担机构", "Third party", cells.text),
        Column("third_party_share", "第三方分担比例(%)", "Third-party share (%)", cells.bounded(cells.percent, 0, 50)),
        Column("compensation_mode", "补偿模式", "Mode", cells.choice({"bank": "政银", "guarantor": "政担"})),
        Column("policy_tool", "货币政策工具支持", "Policy tool", cells.boolean),
    ),
)


def generate(path: str, rows: int, seed: int = 20250301) -> None:
    """A filing as a bank would send it, written with xlsxwriter in constant_memory mode."""
    rng = random.Random(seed)
    enterprises = [(generate_uscc(rng, rng.choice(["440106", "440112", "440115", "440105"])),
                    f"广州{rng.choice('天河黄埔南沙海珠番禺')}{i}号科技有限公司") for i in range(20_000)]
    branches = [f"{bank}{district}科技支行" for bank in ("工商银行", "建设银行", "招商银行", "广州银行")
                for district in ("天河", "黄埔", "南沙")]
    purposes = ["流动资金", "研发投入", "设备采购", "技术改造", "市场拓展"]
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = workbook.add_worksheet("备案")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_string(0, 0, "2025年 入池贷款批量备案表（测试银行）")
    for col, column in enumerate(FILING.columns):
        sheet.write_string(1, col, column.header_zh)
    epoch = dt.datetime(2019, 1, 1)
    for r in range(2, rows + 2):
        uscc, name = rng.choice(enterprises)
        credit = rng.randrange(50, 3000) * 10_000
        loan: float = min(credit, rng.randrange(20, 3000) * 10_000)
        if loan < credit:
            loan += rng.choice((0, 0, 0, 0.5, 12.34))
        disbursed = epoch + dt.timedelta(days=rng.randrange(2400))
        third = rng.random() < 0.2
        sheet.write_string(r, 0, f"HT{r:08d}")
        sheet.write_string(r, 1, uscc)
        sheet.write_string(r, 2, name)
        sheet.write_string(r, 3, rng.choice(branches))
        sheet.write_number(r, 4, credit)
        if rng.random() < 0.1:  # amounts typed as text, with thousands separators
            sheet.write_string(r, 5, f"{Decimal(str(loan)):,.2f}")
        else:
            sheet.write_number(r, 5, loan)
        sheet.write_datetime(r, 6, disbursed, date_format)
        sheet.write_datetime(r, 7, disbursed + dt.timedelta(days=rng.choice((180, 365, 730, 1095))), date_format)
        sheet.write_number(r, 8, rng.choice((3.1, 3.45, 3.65, 3.85, 4.2, 4.35, 5.0)))
        sheet.write_string(r, 9, rng.choice(list(GUARANTEES.values())))
        sheet.write_string(r, 10, rng.choice(purposes))
        sheet.write_string(r, 11, rng.choice(("是", "否")))
        sheet.write_string(r, 12, "广州科技融资担保有限公司" if third else "")
        if third:
            sheet.write_number(r, 13, rng.choice((10, 20, 30)))
        sheet.write_string(r, 14, rng.choice(("政银", "政担")))
        sheet.write_string(r, 15, rng.choice(("是", "否")))
    workbook.close()


def baseline(path: str) -> int:
    """calamine alone: open, read every row, convert nothing."""
    workbook = CalamineWorkbook.from_path(path)
    count = 0
    for _row in workbook.get_sheet_by_index(0).iter_rows():
        count += 1
    return count


def framework(path: str) -> tuple[int, int]:
    result = parse_file(path, FILING)
    rows = bad = 0
    for row in result:
        rows += 1
        bad += bool(row.errors)
    return rows, bad


def timed(fn: Any, *args: Any) -> tuple[float, float, Any]:
    """Wall-clock and CPU seconds of ``fn(*args)``. CPU time is reported too because these
    machines are shared: another process's load stretches wall time, not CPU time."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--file", help="keep the generated file at this path; reuse it if it exists")
    args = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="bench_tabular_")
    path = args.file or os.path.join(directory, "filing.xlsx")
    if not (args.file and os.path.exists(path)):
        seconds, _cpu, _ = timed(generate, path, args.rows)
        print(f"generated {args.rows:,} rows x {len(FILING.columns)} columns in {seconds:.1f} s "
              f"({os.path.getsize(path) / 1e6:.1f} MB)")

    base_wall, base_cpu, frame_wall, frame_cpu = [], [], [], []
    for attempt in range(1, args.repeat + 1):
        wall, cpu, read = timed(baseline, path)
        base_wall.append(wall)
        base_cpu.append(cpu)
        wall, cpu, (rows, bad) = timed(framework, path)
        frame_wall.append(wall)
        frame_cpu.append(cpu)
        if rows != args.rows or bad:
            raise SystemExit(f"expected {args.rows} clean rows, got {rows} with {bad} bad")
        print(f"run {attempt}: baseline {base_wall[-1]:.2f} s wall / {base_cpu[-1]:.2f} s CPU "
              f"({read:,} sheet rows); parse+validate {frame_wall[-1]:.2f} s wall / {frame_cpu[-1]:.2f} s CPU")

    for label, times in (("wall", (base_wall, frame_wall)), ("CPU", (base_cpu, frame_cpu))):
        base, frame = min(times[0]), min(times[1])
        print(f"best {label}: baseline (calamine read only) {args.rows / base:,.0f} rows/s ({base:.2f} s); "
              f"parse+validate (techfin.tabular) {args.rows / frame:,.0f} rows/s ({frame:.2f} s); "
              f"ratio {frame / base:.2f}x")
    if not args.file:
        os.remove(path)
    os.rmdir(directory)


if __name__ == "__main__":
    main()
