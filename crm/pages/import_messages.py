"""The importers' row messages (English, as the API and the CLI give them) said in Chinese on
the page and in the refused-rows file. A message not known here is shown as it is."""

import re

# (pattern of the importer's message, Chinese text with the pattern's groups)
CHINESE = [
    (r"^required: the cell is blank$", "必填，但单元格为空"),
    (r"^'(?P<v>.*)' is not a number$", "「{v}」不是数字"),
    (r"^'(?P<v>.*)' is not a whole number$", "「{v}」不是整数"),
    (r"^'(?P<v>.*)' is not yes/no \(是/否\)$", "「{v}」不是 是/否"),
    (r"^'(?P<v>.*)' is not a date.*$", "「{v}」不是日期（如 2026-03-05 或 2026/3/5）"),
    (r"^unknown tag '(?P<v>.*)'$", "未知的标签「{v}」"),
    (r"^unknown park '(?P<v>.*)'$", "未知的园区「{v}」"),
    (
        r"^only a local company \(是否本地 = 是\) has a park$",
        "只有本地企业（是否本地 = 是）才能填写所在园区",
    ),
    (r"^unknown segment '(?P<v>.*)'$", "未知的环节「{v}」"),
    (r"^unknown chain '(?P<c>.*)' in '(?P<v>.*)'$", "「{v}」中的产业链「{c}」不存在"),
    (r"^invalid unified social credit code: (?P<v>.*)$", "统一社会信用代码无效：{v}"),
    (r"^no (?P<v>\w+) column \((?P<names>.*)\)$", "缺少必需的列（{names}）"),
    (
        r"^column (?P<v>\d+) has no header but holds data: name it or delete it$",
        "第 {v} 列没有表头却有数据：请补上列名或删除该列",
    ),
    (
        r"^column '(?P<v>.*)' repeats '(?P<first>.*)' \(both are \w+\): keep one$",
        "列「{v}」与「{first}」重复：请只保留一列",
    ),
]
CHINESE += [
    (r"^unsupported file type '(?P<v>.*)': use .*$", "不支持的文件类型「{v}」：请用 .xlsx 或 .csv"),
    (r"^'(?P<v>.*)' files are not read: .*$", "不读取「{v}」文件：请另存为 .xlsx 或 .csv"),
    (
        r"^a (?P<v>.*) file has no sheets: leave out the sheet$",
        "{v} 文件没有工作表：请不要填写工作表",
    ),
    (
        r"^the workbook has no sheet '(?P<v>[^']*)'(?:: its sheets are (?P<s>.*))?$",
        "工作簿中没有名为「{v}」的工作表",
    ),
    (r"^the file has no header row$", "文件没有表头行"),
    (
        r"^cannot tell the file's text encoding$",
        "无法识别文件的文字编码：请另存为 UTF-8 CSV 或 .xlsx",
    ),
    (r"^not a workbook .*$", "不是有效的 Excel 工作簿"),
]
_COMPILED = [(re.compile(pattern), text) for pattern, text in CHINESE]


def say(lang: str, message: str) -> str:
    """The message in the page's language; each part of a ``;``-joined message on its own."""
    if lang != "zh":
        return message
    return "；".join(_one(part.strip()) for part in message.split("; "))


def _one(message: str) -> str:
    for pattern, text in _COMPILED:
        match = pattern.match(message)
        if match:
            return text.format(**match.groupdict())
    return message
