"""The annual report of the pool (资金池年度报告), in Chinese, as xlsx and PDF with charts, in the
shape of the published summaries ("2024年合计5640家企业入池，入池授信金额合计518.1亿元，放款金额
312.69亿元"). Every figure is the statistics service's (docs/statistics.md); nothing is
computed here but the wording and the drawing.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import xlsxwriter
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import translation

from techfin.domain.money import WAN, grouped
from techfin.stats.awards import bank_awards_for_year
from techfin.stats.queries import StatsFilter, stats_breakdown, stats_summary, stats_yearly

YI = Decimal(100_000_000)


def yi(amount: Decimal | None) -> str:
    """An amount in yuan as 亿元 with two decimals (518.10)."""
    return "—" if amount is None else grouped(amount, unit=YI)


def wan(amount: Decimal | None) -> str:
    return "—" if amount is None else f"{(amount / WAN).quantize(Decimal('1'), ROUND_HALF_UP):,}"


def pct(ratio: Decimal | None) -> str:
    return "—" if ratio is None else f"{(ratio * 100).quantize(Decimal('0.01'), ROUND_HALF_UP)}%"


def wan2(amount: Decimal | None) -> str:
    """An amount in yuan as 万元 with two decimals (compensations are small beside the loans)."""
    return "—" if amount is None else grouped(amount, unit=WAN)


def lever(value: Decimal | None) -> str:
    """The leverage of public money as the programme writes it: 1:N (N to one decimal)."""
    return "—" if value is None else f"1:{value.quantize(Decimal('0.1'), ROUND_HALF_UP):,}"


@dataclass
class AnnualReport:
    year: int
    year_figures: dict[str, Any]
    cumulative: dict[str, Any]
    yearly: list[dict[str, Any]]
    banks: list[dict[str, Any]]
    districts: list[dict[str, Any]]
    industries: list[dict[str, Any]]
    awards: dict[str, Any]
    paragraphs: list[str]


def annual_report(year: int) -> AnnualReport:
    """The figures and the published-style sentences of `year` (and of the pool to its end)."""
    with translation.override("zh-hans"):
        this_year = StatsFilter(year * 100 + 1, year * 100 + 12)
        to_date = StatsFilter(None, year * 100 + 12)
        figures = stats_summary(this_year)
        cumulative = stats_summary(to_date)
        yearly = stats_yearly(to_date)["years"]
        banks = stats_breakdown(this_year, "bank")
        districts = stats_breakdown(this_year, "district")
        industries = stats_breakdown(this_year, "industry_tag")
        try:
            awards = bank_awards_for_year(year)
        except ValidationError:  # a year before the first award rules: no awards paragraph
            awards = {"year": year, "rules": "", "awards": []}
    c, f = cumulative, figures
    paragraphs = [
        f"截至{year}年12月31日，资金池共为{c['enterprises']:,}家科技企业提供风险共担，撬动合作银行累计授信金额"
        f"{yi(c['credit_amount'])}亿元，累计发放贷款金额{yi(c['loan_amount'])}亿元。",
        f"{year}年合计{f['enterprises']:,}家企业入池，入池授信金额合计{yi(f['credit_amount'])}亿元，放款金额"
        f"{yi(f['loan_amount'])}亿元，共{f['loans']:,}笔。",
        f"入池金额1000万元及以下的贷款占比{pct(f['share_loans_le_10m'])}，平均金额{wan(f['average_loan_amount'])}万元，"
        f"一年期及以内贷款项目平均利率为{pct(f['avg_rate_le_1y'])}，较一年期LPR平均加点{pct(f['avg_lpr_spread_le_1y'])}。",
        f"{year}年入池企业中，高新技术企业占比{pct(f['high_tech_share'])}，获纯信用贷款的企业占比"
        f"{pct(f['pure_credit_enterprise_share'])}，IAB及NEM产业企业占比{pct(f['iab_nem_share'])}，"
        f"战略性新兴产业企业占比{pct(f['strategic_emerging_share'])}。",
        f"资金池运作至今，贷款项目不良率为{pct(c['npl_ratio'])}（{year}年入池贷款{pct(f['npl_ratio'])}）。",
        (f"{year}年共支付风险补偿{f['compensations']:,}笔，涉及{f['compensated_enterprises']:,}家企业，补偿金额"
         f"{wan2(f['compensation_amount'])}万元（扣除已确认的追偿返还后净额{wan2(f['compensation_amount_net'])}万元）；"
         if f["compensations"] else f"{year}年未支付风险补偿；")
        + f"资金池运作至今累计补偿{c['compensations']:,}笔、{c['compensated_enterprises']:,}家企业，补偿金额"
        f"{wan2(c['compensation_amount'])}万元（净额{wan2(c['compensation_amount_net'])}万元）。",
    ]
    if f["leverage"] is not None:
        paragraphs.append(
            f"{year}年市、区两级财政资金投入资金池{yi(f['public_funds'])}亿元，撬动合作银行放款{yi(f['loan_amount'])}亿元，"
            f"杠杆撬动比例为{lever(f['leverage'])}" + (f"（资金池运作至今{lever(c['leverage'])}）。" if c["leverage"] else "。"))
    if f["yoy_growth"] and f["yoy_growth"]["loan_amount"] is not None:
        paragraphs[1] = paragraphs[1][:-1] + f"，放款金额同比增长{pct(f['yoy_growth']['loan_amount'])}。"
    winners = [f"{a['name']}：{'、'.join(a['winners']) or '无'}" for a in awards["awards"]]
    if winners:
        paragraphs.append(f"{year}年度合作银行评奖（规则 {awards['rules']}）：" + "；".join(winners) + "。")
    return AnnualReport(year, figures, cumulative, yearly, banks, districts, industries, awards, paragraphs)


# --- xlsx -------------------------------------------------------------------------------------

def report_xlsx(report: AnnualReport) -> bytes:
    """The report as a workbook: the summary with its sentences, then one sheet per table, each
    with a native Excel chart."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True})
    title = book.add_format({"bold": True, "font_size": 14})
    money = book.add_format({"num_format": "#,##0.00"})
    ratio = book.add_format({"num_format": "0.00%"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})

    sheet = book.add_worksheet("概要")
    sheet.set_column(0, 0, 110)
    sheet.write(0, 0, f"广州市科技型中小企业信贷风险损失补偿资金池 {report.year}年度报告", title)
    for row, text in enumerate(report.paragraphs, start=2):
        sheet.write(row, 0, text, wrap)
    columns = [("enterprises", "入池企业数", None), ("loans", "贷款笔数", None), ("credit_amount", "授信金额(元)", money),
               ("loan_amount", "放款金额(元)", money), ("average_loan_amount", "平均每笔金额(元)", money),
               ("share_loans_le_10m", "1000万元及以下占比", ratio), ("avg_rate_le_1y", "一年期及以内平均利率", ratio),
               ("avg_lpr_spread_le_1y", "较LPR加点", ratio), ("npl_ratio", "不良率", ratio),
               ("high_tech_share", "高企占比", ratio), ("pure_credit_enterprise_share", "纯信用企业占比", ratio)]

    def table(name: str, first: str, rows: list[dict[str, Any]], label: Any, chart_title: str) -> None:
        ws = book.add_worksheet(name)
        ws.set_column(0, 0, 16)
        ws.set_column(1, len(columns), 16)
        ws.write(0, 0, first, bold)
        for col, (_k, header, _fmt) in enumerate(columns, start=1):
            ws.write(0, col, header, bold)
        for r, row in enumerate(rows, start=1):
            ws.write(r, 0, label(row))
            for col, (key, _header, fmt) in enumerate(columns, start=1):
                value = row[key]
                ws.write(r, col, float(value) if isinstance(value, Decimal) else value, fmt)
        if rows:
            chart = book.add_chart({"type": "column"})
            chart.add_series({"name": "放款金额(元)", "categories": [name, 1, 0, len(rows), 0],
                              "values": [name, 1, 4, len(rows), 4]})
            chart.set_title({"name": chart_title})
            chart.set_legend({"position": "bottom"})
            ws.insert_chart(len(rows) + 3, 0, chart, {"x_scale": 2, "y_scale": 1.3})

    table("历年", "年份", report.yearly, lambda r: r["year"], "历年放款金额")
    compensation_sheet(book, report.yearly, bold=bold, money=money)
    table("合作银行", "银行", report.banks, lambda r: r["name"], f"{report.year}年合作银行放款金额")
    table("各区", "区", report.districts, lambda r: r["name"], f"{report.year}年各区放款金额")
    table("产业", "产业标签", report.industries, lambda r: r["name"], f"{report.year}年各产业放款金额")
    book.close()
    return out.getvalue()


COMPENSATION_COLUMNS = [("compensations", "补偿笔数"), ("compensated_enterprises", "补偿企业数"),
                        ("compensation_amount", "补偿金额(元)"), ("compensation_returned", "追偿返还(元)"),
                        ("compensation_amount_net", "补偿净额(元)"), ("public_funds", "财政资金投入(元)"),
                        ("loan_amount", "放款金额(元)"), ("leverage", "杠杆撬动比例(放款÷财政资金)")]


def compensation_sheet(book: Any, yearly: list[dict[str, Any]], *, bold: Any, money: Any) -> None:
    """Compensations and the leverage of public money by year, with a column chart of the amounts
    paid (gross and net of recoveries) and a line of the leverage."""
    name = "补偿与杠杆"
    ws = book.add_worksheet(name)
    ws.set_column(0, 0, 10)
    ws.set_column(1, len(COMPENSATION_COLUMNS), 18)
    ws.write(0, 0, "年份", bold)
    times = book.add_format({"num_format": "0.00"})
    for col, (_key, header) in enumerate(COMPENSATION_COLUMNS, start=1):
        ws.write(0, col, header, bold)
    for r, row in enumerate(yearly, start=1):
        ws.write(r, 0, row["year"])
        for col, (key, _header) in enumerate(COMPENSATION_COLUMNS, start=1):
            value = row[key]
            fmt = times if key == "leverage" else money if isinstance(value, Decimal) else None
            ws.write(r, col, float(value) if isinstance(value, Decimal) else value, fmt)
    if yearly:
        chart = book.add_chart({"type": "column"})
        for col in (3, 5):
            chart.add_series({"name": [name, 0, col], "categories": [name, 1, 0, len(yearly), 0],
                              "values": [name, 1, col, len(yearly), col]})
        line = book.add_chart({"type": "line"})
        line.add_series({"name": [name, 0, 8], "categories": [name, 1, 0, len(yearly), 0],
                         "values": [name, 1, 8, len(yearly), 8], "y2_axis": True, "marker": {"type": "circle"}})
        chart.combine(line)
        chart.set_title({"name": "历年风险补偿金额与杠杆撬动比例"})
        chart.set_legend({"position": "bottom"})
        ws.insert_chart(len(yearly) + 3, 0, chart, {"x_scale": 2, "y_scale": 1.3})


# --- PDF --------------------------------------------------------------------------------------

def bar_chart(rows: list[tuple[str, Decimal]], *, width: int = 640, height: int = 220, unit: str = "亿元") -> str:
    """A plain SVG bar chart (WeasyPrint draws SVG; no script runs in a PDF)."""
    if not rows:
        return ""
    top = max((value for _label, value in rows), default=Decimal(0)) or Decimal(1)
    left, bottom, gap = 40, 40, 6
    bar = max(4, (width - left) // len(rows) - gap)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="Noto Sans CJK SC" font-size="10">',
             f'<text x="0" y="10" fill="#637083">{unit}</text>',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="#999"/>']
    for index, (label, value) in enumerate(rows):
        h = int((height - bottom - 20) * value / top)
        x = left + index * (bar + gap)
        parts.append(f'<rect x="{x}" y="{height - bottom - h}" width="{bar}" height="{h}" fill="#0b5cab"/>')
        parts.append(f'<text x="{x + bar / 2}" y="{height - bottom - h - 3}" text-anchor="middle">{value:.1f}</text>')
        parts.append(f'<text x="{x + bar / 2}" y="{height - bottom + 12}" text-anchor="end" '
                     f'transform="rotate(-35 {x + bar / 2} {height - bottom + 12})">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


def report_html(report: AnnualReport) -> str:
    def yi_value(amount: Decimal) -> Decimal:
        return amount / YI

    charts = {
        "yearly": bar_chart([(str(r["year"]), yi_value(r["loan_amount"])) for r in report.yearly]),
        "banks": bar_chart([(r["name"], yi_value(r["loan_amount"])) for r in report.banks[:15]]),
        "districts": bar_chart([(r["name"], yi_value(r["loan_amount"])) for r in report.districts]),
    }
    def rows(items: list[dict[str, Any]], label: str) -> list[list[str]]:
        return [[str(r[label]), f"{r['enterprises']:,}", f"{r['loans']:,}", yi(r["credit_amount"]), yi(r["loan_amount"]),
                 wan(r["average_loan_amount"]), pct(r["avg_rate_le_1y"]), pct(r["npl_ratio"])] for r in items]

    loans = ["入池企业数", "贷款笔数", "授信金额(亿元)", "放款金额(亿元)", "平均每笔(万元)", "一年期及以内平均利率", "不良率"]
    compensation = ["补偿笔数", "补偿企业数", "补偿金额(万元)", "追偿返还(万元)", "补偿净额(万元)", "财政资金投入(亿元)",
                    "放款金额(亿元)", "杠杆撬动比例"]
    paid = [[str(r["year"]), f"{r['compensations']:,}", f"{r['compensated_enterprises']:,}",
             wan2(r["compensation_amount"]), wan2(r["compensation_returned"]), wan2(r["compensation_amount_net"]),
             yi(r["public_funds"]), yi(r["loan_amount"]), lever(r["leverage"])] for r in report.yearly]
    charts["compensation"] = bar_chart([(str(r["year"]), r["compensation_amount"] / WAN) for r in report.yearly],
                                       unit="万元")
    tables = [("历年统计", ["年份", *loans], rows(report.yearly, "year"), charts["yearly"]),
              ("历年风险补偿与财政资金杠杆", ["年份", *compensation], paid, charts["compensation"]),
              (f"{report.year}年合作银行", ["银行", *loans], rows(report.banks, "name"), charts["banks"]),
              (f"{report.year}年各区", ["区", *loans], rows(report.districts, "name"), charts["districts"]),
              (f"{report.year}年各产业", ["产业标签", *loans], rows(report.industries, "name"), "")]
    return render_to_string("stats/report.html", {"report": report, "tables": tables, "generated": dt.date.today()})


def report_pdf(report: AnnualReport) -> bytes:
    from weasyprint import HTML

    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # one line per layout step

    pdf: bytes = HTML(string=report_html(report)).write_pdf()
    return pdf
