"""The monthly bulletin as a workbook in the usual bulletin layout: a title row, a note row,
two merged header rows (indicator groups over 本月/累计/目标/完成率/同比), one row per unit,
亿元 to two decimals and percentages as number formats, fills for 完成率 against 序时进度."""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from crm.reports.monthly import INDICATORS, RATES
from crm.reports.schemas import MonthlyReport, Row
from crm.table_writing import safe_text

SUBCOLUMNS = ("本月", "累计", "目标", "完成率", "同比")
SECTION_NAMES = {"park": "园区", "county": "区县", "chain": "产业链"}
FILLS = {
    "ahead": PatternFill("solid", start_color="FFC6EFCE"),  # green
    "behind": PatternFill("solid", start_color="FFFFEB9C"),  # amber
    "far_behind": PatternFill("solid", start_color="FFFFC7CE"),  # red
}
SECTION_FILL = PatternFill("solid", start_color="FFF2F2F2")
HEADER_FILL = PatternFill("solid", start_color="FFDDEBF7")
COUNT, MONEY, PERCENT = "0", "0.00", "0.00%"
TITLE_ROW, NOTE_ROW, GROUP_ROW, SUB_ROW = 1, 2, 3, 4
FIRST_DATA_ROW = 5
THIN = Side(style="thin", color="FF999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def header_groups() -> list[tuple[str, list[str]]]:
    groups = [(f"{s.name}（{s.unit}）", list(SUBCOLUMNS)) for s in INDICATORS]
    groups.append(("比率", [r.name for r in RATES]))
    return groups


def workbook_bytes(report: MonthlyReport) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = f"{report.year}年{report.month}月"
    width = 1 + sum(len(subs) for _, subs in header_groups())
    _title(sheet, report, width)
    _headers(sheet)
    for number, row in enumerate(report.rows, start=FIRST_DATA_ROW):
        _data_row(sheet, number, row)
    sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, 2)
    sheet.column_dimensions["A"].width = 22
    for column in range(2, width + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 10
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _title(sheet, report: MonthlyReport, width: int) -> None:
    sheet.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=width)
    title = sheet.cell(TITLE_ROW, 1, report.title)
    title.font = Font(bold=True, size=16)
    title.alignment = Alignment(horizontal="center")
    sheet.row_dimensions[TITLE_ROW].height = 28
    sheet.merge_cells(start_row=NOTE_ROW, start_column=1, end_row=NOTE_ROW, end_column=width)
    note = sheet.cell(
        NOTE_ROW,
        1,
        f"统计期：{report.ytd_from:%Y年%m月%d日}至{report.ytd_to:%Y年%m月%d日}；"
        f"序时进度 {report.schedule:.2%}。完成率着色：绿色 = 达到或超过序时进度，"
        f"黄色 = 落后不超过10个百分点，红色 = 落后超过10个百分点；未设目标不着色。"
        f"同比为累计与上年同期相比的增减百分比。金额单位：亿元。",
    )
    note.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[NOTE_ROW].height = 32


def _headers(sheet) -> None:
    sheet.merge_cells(start_row=GROUP_ROW, start_column=1, end_row=SUB_ROW, end_column=1)
    _header_cell(sheet, GROUP_ROW, 1, "单位")
    _header_cell(sheet, SUB_ROW, 1, None)
    column = 2
    for name, subs in header_groups():
        last = column + len(subs) - 1
        sheet.merge_cells(
            start_row=GROUP_ROW, start_column=column, end_row=GROUP_ROW, end_column=last
        )
        for offset, sub in enumerate(subs):
            _header_cell(sheet, GROUP_ROW, column + offset, name if offset == 0 else None)
            _header_cell(sheet, SUB_ROW, column + offset, sub)
        column = last + 1


def _header_cell(sheet, row: int, column: int, value: str | None) -> None:
    cell = sheet.cell(row, column)
    if value is not None:
        cell.value = value
    cell.font = Font(bold=True)
    cell.fill = HEADER_FILL
    cell.border = BOX
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def row_label(row: Row) -> str:
    if row.section == "unit":
        return f"  {row.rank}. {row.label}" if row.rank else f"  {row.label}"
    if row.section in SECTION_NAMES:
        return f"{SECTION_NAMES[row.section]}：{row.label}"
    return row.label


def _data_row(sheet, number: int, row: Row) -> None:
    name = sheet.cell(number, 1, safe_text(row_label(row)))
    name.data_type = "s"  # text, never a formula
    name.border = BOX
    emphasis = row.section in ("city", "unit_kind")
    if emphasis:
        name.font = Font(bold=True)
    column = 2
    for spec in INDICATORS:
        figure = row.indicators[spec.key]
        fmt = MONEY if spec.money else COUNT
        values = (
            (figure.month_yi if spec.money else figure.month, fmt),
            (figure.ytd_yi if spec.money else figure.ytd, fmt),
            (figure.target_yi if spec.money else figure.target, fmt),
            (figure.completion, PERCENT),
            (figure.yoy, PERCENT),
        )
        for offset, (value, number_format) in enumerate(values):
            cell = sheet.cell(number, column + offset, value)
            cell.number_format = number_format
            cell.border = BOX
            if emphasis:
                cell.font = Font(bold=True)
                cell.fill = SECTION_FILL
        if figure.status:
            sheet.cell(number, column + 3).fill = FILLS[figure.status]
        column += len(SUBCOLUMNS)
    for offset, rate in enumerate(RATES):
        cell = sheet.cell(number, column + offset, row.rates[rate.key])
        cell.number_format = PERCENT
        cell.border = BOX
    if emphasis:
        name.fill = SECTION_FILL
