"""The columns of a company file (SPEC §5) and how its cells are read: English or Chinese
headers; tags in the words registers use (龙头, 专精特新“小巨人”, 世界500强 …)."""

import unicodedata
from typing import Any

from crm.companies.models import Tag
from crm.importing import (
    parse_bool,
    parse_int,
    parse_number,
    split_list,
    text_or_none,
)

COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "企业名称", "公司名称", "名称"),
    "credit_code": ("credit_code", "统一社会信用代码", "信用代码"),
    "province": ("province", "省份", "省"),
    "city": ("city", "城市", "市"),
    "segments": ("segments", "所属环节", "环节"),
    "tags": ("tags", "标签"),
    "revenue": ("revenue", "营业收入(亿元)", "营业收入", "revenue(亿元)"),
    "employees": ("employees", "从业人数", "员工人数"),
    "is_local": ("is_local", "是否本地"),
    "park": ("park", "所在园区", "园区"),
    "listing": ("listing", "上市情况", "上市板块"),
}
CHINESE_HEADERS = {
    "name": "企业名称",
    "credit_code": "统一社会信用代码",
    "province": "省份",
    "city": "城市",
    "segments": "所属环节",
    "tags": "标签",
    "revenue": "营业收入(亿元)",
    "employees": "从业人数",
    "is_local": "是否本地",
    "park": "所在园区",
    "listing": "上市情况",
}
# Tag words as registers spell them, compared after ``tag_key``; a trailing 企业 is optional
# (链主企业, 上市企业, 单项冠军企业 …). Note 专精特新"小巨人" is the national little giant, not srdi.
TAG_WORDS: dict[str, Tag] = {
    **{tag.value: tag for tag in Tag},
    "龙头": Tag.leader,
    "链主": Tag.leader,
    "行业龙头": Tag.leader,
    "产业链龙头": Tag.leader,
    "专精特新": Tag.srdi,
    "专精特新中小企业": Tag.srdi,
    "小巨人": Tag.little_giant,
    "专精特新小巨人": Tag.little_giant,
    "国家级小巨人": Tag.little_giant,
    "国家级专精特新小巨人": Tag.little_giant,
    "单项冠军": Tag.champion,
    "制造业单项冠军": Tag.champion,
    "单项冠军示范": Tag.champion,
    "制造业单项冠军示范": Tag.champion,
    "国家级单项冠军": Tag.champion,
    "国家级制造业单项冠军": Tag.champion,
    "上市": Tag.listed,
    "上市公司": Tag.listed,
    "世界500强": Tag.fortune500,
    "财富世界500强": Tag.fortune500,
    "世界五百强": Tag.fortune500,
    "500强": Tag.fortune500,
}
TAG_QUOTES = str.maketrans("", "", "\"'“”‘’「」『』")


def tag_key(word: str) -> str:
    """A tag word compared without width, case, quotes or spaces: 专精特新“小巨人” is
    专精特新"小巨人" is 专精特新 小巨人 is 专精特新小巨人."""
    folded = unicodedata.normalize("NFKC", word).casefold().translate(TAG_QUOTES)
    return "".join(folded.split())


TAG_LOOKUP: dict[str, Tag] = {tag_key(word): tag for word, tag in TAG_WORDS.items()}


def find_tag(word: str) -> Tag | None:
    key = tag_key(word)
    tag = TAG_LOOKUP.get(key)
    if tag is None and key.endswith("企业"):
        tag = TAG_LOOKUP.get(key.removesuffix("企业"))
    return tag


def _parse_tags(value: Any) -> list[str]:
    tags = []
    for word in split_list(value):
        tag = find_tag(word)
        if tag is None:
            raise ValueError(f"unknown tag '{word}'")
        if tag.value not in tags:
            tags.append(tag.value)
    return tags


PARSERS = {
    "name": text_or_none,
    "credit_code": text_or_none,
    "province": text_or_none,
    "city": text_or_none,
    "segments": split_list,  # replaced per file by ``SegmentNames.parse``
    "tags": _parse_tags,
    "revenue": parse_number,
    "employees": parse_int,
    "is_local": parse_bool,
    "park": text_or_none,
    "listing": text_or_none,
}
