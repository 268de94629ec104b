"""The subject words of a fact's label, for pairing figures across a paragraph.

``category_key`` strips a label to its category words (the product check pairs a standard with
the count of its category; the integrality check finds a count the percentage names).
``label_stem`` drops a trailing generic noun (协会, 家庭, 人员 …) so a share's clause or sentence
can be searched for the subject. Rules: docs/audit.md."""

from __future__ import annotations

import re

from helpers.core.normalize import fold

_CATEGORY_NOISE = re.compile(
    r"补助标准|救助标准|资助标准|补贴标准|发放标准|保费标准|标准|每人|每户|每件|每年|每月|每季度|"
    r"按照|按|为|的|其中|计划|预计|拟|补助|资助|救助|发放|[\\s,，、:：;；。()（）]")


def category_key(label: str) -> str:
    """The category words of a label: "80至89周岁补助标准" → "80至89周岁"; "补助标准" → ""."""
    key = _CATEGORY_NOISE.sub("", fold(label or ""))
    return key if len(key) >= 2 else ""


# Words that name money, not what it is for ("需资金", "安排补助资金", "计…万元").
MONEY_WORDS = re.compile(r"需要|需|资金|经费|金额|安排|补助|补贴|预算|共计|合计|计|总额|测算|拨付|下达|约")


def without_money_words(label: str) -> str:
    """The label without the words that only say it is money ("刑事案件补贴" → "刑事案件";
    "需资金" → "")."""
    return MONEY_WORDS.sub("", label)


_STEM_TAIL = re.compile(r"(计生协会|计划生育协会|协会|组织|家庭|人员|单位)$")


def label_stem(label: str) -> str:
    """A label without its trailing generic noun: "村计生协会" → "村"."""
    return _STEM_TAIL.sub("", label).strip()


def head_noun(label: str) -> str:
    """The noun a count counts, its label's last character outside brackets (行政村（社区） → 村,
    已建立心理辅导室的学校 → 校), or "" for a label ending in a generic word."""
    bare = re.sub(r"[(（][^)）]*[)）]", "", fold(label)).strip()
    return bare[-1] if bare and "\u4e00" <= bare[-1] <= "\u9fff" and bare[-1] not in "数量个项次的" else ""
