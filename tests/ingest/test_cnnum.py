"""Numbers written in Chinese numerals (helpers.ingest.cnnum and its use in numbers.py).

Every golden value below was worked out by hand from the written numeral (伍拾 = 5 × 10 = 50;
伍拾万元 = 50 × 10,000 元 = 500,000 元; 一万二千 = 1 × 10,000 + 2 × 1,000 = 12,000; …)."""

import time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.core.decoding import decode_bytes
from helpers.core.normalize import fold
from helpers.ingest.cnnum import parse_numeral, year_digits
from helpers.ingest.loader import parse_text
from helpers.ingest.numbers import find_quantities, parse_quantity


def _found(sentence):
    return [(q.raw, q.value, q.unit, q.approx) for q in find_quantities(fold(sentence), sentence)]


# ---------------------------------------------------------------------------- the numerals

@pytest.mark.parametrize(
    ("text", "value", "decimals"),
    [
        ("伍拾", "50", 0),                    # 5 × 10
        ("十二", "12", 0),                    # leading 十 = 1 × 10, + 2
        ("一百二十", "120", 0),               # 100 + 2 × 10
        ("三点五", "3.5", 1),
        ("两千", "2000", 0),                  # 两 = 2
        ("一万二千", "12000", 0),             # 10,000 + 2,000
        ("一百零五", "105", 0),               # 零 marks the empty tens
        ("一千零五十", "1050", 0),
        ("十五万", "150000", 0),              # (10 + 5) × 10,000
        ("一亿二千万", "120000000", 0),       # 1 × 10^8 + 2,000 × 10^4
        ("一万亿", "1000000000000", 0),       # 10,000 × 10^8
        ("一亿零五百万", "105000000", 0),     # 10^8 + 500 × 10^4
        ("三点五万", "35000", 1),             # 3.5 × 10,000
        ("零点五", "0.5", 1),
        ("壹佰贰拾叁", "123", 0),             # financial capitals
        ("玖仟玖佰玖拾玖", "9999", 0),
        ("一百十", "110", 0),                 # 十 after 百 stands for 一十
    ],
)
def test_parse_numeral(text, value, decimals):
    n = parse_numeral(text)
    assert n is not None
    assert (n.value, n.decimals) == (Decimal(value), decimals)


@pytest.mark.parametrize("text", [
    "十四五",      # a plan's name, two digits in a row
    "二〇二四",    # a year, digit by digit
    "三五",        # "three or five"
    "一二三",
    "两千五",      # shorthand: 2500 or 2005? not read
    "三万五",
    "两千五万",
    "百", "千", "万",  # a multiplier without its digit
    "十十", "一百二百",
    "三点",        # a time (三点半)
    "零",          # 零投诉
    "一万一万", "一亿一亿",
    "",
])
def test_not_a_numeral(text):
    assert parse_numeral(text) is None


def _to_chinese(n: int) -> str:
    """The standard written form of 0 < n < 10^12 (the rules of 零 and of a leading 十)."""
    digits = "零一二三四五六七八九"

    def group(g: int, first: bool) -> str:
        out, zero = "", False
        for p, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d = g // p % 10
            if d == 0:
                zero = zero or bool(out)
                continue
            if zero:
                out, zero = out + "零", False
            if not (first and p == 10 and d == 1 and not out):
                out += digits[d]
            out += name
        return out

    out, gap = "", False
    for g, name in ((n // 10**8, "亿"), (n // 10**4 % 10**4, "万"), (n % 10**4, "")):
        if g == 0:
            gap = gap or bool(out)
            continue
        if out and (gap or g < 1000):
            out += "零"
        out += group(g, not out) + name
        gap = False
    return out


@given(st.integers(min_value=1, max_value=10**12 - 1), st.booleans())
def test_roundtrip_written_numerals(n, capitals):
    """Writing an integer in Chinese (plain or financial capitals) and reading it back gives it."""
    text = _to_chinese(n)
    if capitals:
        text = text.translate(str.maketrans("一二三四五六七八九十百千", "壹贰叁肆伍陆柒捌玖拾佰仟"))
    assert parse_numeral(text).value == n


def test_written_forms_used_above():
    assert [_to_chinese(n) for n in (12, 120, 105, 12000, 100010, 105000000)] == \
        ["十二", "一百二十", "一百零五", "一万二千", "十万零一十", "一亿零五百万"]


def test_year_digits_keeps_length():
    text = "二〇二四年度计划，二零二三年底，一九九九年。"
    assert year_digits(text) == "2024年度计划，2023年底，1999年。"
    assert year_digits("三千人") == "三千人"


# ---------------------------------------------------------------------------- figures with units

@pytest.mark.parametrize(
    ("text", "value", "unit", "raw_unit", "decimals", "approx"),
    [
        ("伍拾万元", "500000", "元", "万元", 0, None),          # 50 × 10,000
        ("伍拾万圆", "500000", "元", "万元", 0, None),          # 圆 = 元
        ("壹佰贰拾元", "120", "元", "元", 0, None),
        ("十二万元", "120000", "元", "万元", 0, None),          # 12 × 10,000
        ("一百二十万元", "1200000", "元", "万元", 0, None),     # 120 × 10,000
        ("三点五万元", "35000", "元", "万元", 1, None),         # 3.5 × 10,000
        ("一亿二千万元", "120000000", "元", "万元", 0, None),   # 12,000 × 10,000
        ("两千人", "2000", "人", "人", 0, None),
        ("一万二千人", "12000", "人", "人", 0, None),
        ("百分之九十五", "95", "%", "%", 0, None),
        ("百分之九十五点五", "95.5", "%", "%", 1, None),
        ("百分之百", "100", "%", "%", 0, None),
        ("三千余人", "3000", "人", "人", 0, "余"),
        ("三千多人", "3000", "人", "人", 0, "多"),
        ("约三千人", "3000", "人", "人", 0, "约"),
        ("近两千户", "2000", "户", "户", 0, "近"),
        ("十余个", "10", "个", "个", 0, "余"),
        ("二十余万元", "200000", "元", "万元", 0, "余"),        # 20 × 10,000, 余
        ("三万余人", "30000", "人", "人", 0, "余"),
        ("十来个", "10", "个", "个", 0, "来"),
    ],
)
def test_parse_chinese_quantity(text, value, unit, raw_unit, decimals, approx):
    q = parse_quantity(text)
    assert (q.value, q.unit, q.raw_unit, q.decimals, q.approx) == \
        (Decimal(value), unit, raw_unit, decimals, approx)
    assert q.raw == text.removeprefix("约").removeprefix("近")     # printed as written


@pytest.mark.parametrize(
    ("chinese", "digits"),
    [
        ("三千余人", "3000余人"),
        ("三千多人", "3000多人"),
        ("约三千人", "约3000人"),
        ("近两千户", "近2000户"),
        ("十二万元", "12万元"),
        ("三点五万元", "3.5万元"),
        ("二十余万元", "20余万元"),
        ("一万二千人", "12000人"),
        ("一亿二千万元", "12000万元"),
        ("百分之九十五点五", "95.5%"),
        ("不低于百分之九十", "不低于90%"),
        ("百分之九十以上", "90%以上"),
        ("每人五百元", "每人500元"),
        ("每户三千元、两千元", "每户3000元、2000元"),
        ("三千至五千元", "3000至5000元"),
        ("三千元至五千元", "3000元至5000元"),
        ("三百万至五百万元", "300万至500万元"),
    ],
)
def test_same_reading_as_digits(chinese, digits):
    """A figure in Chinese numerals is the figure in digits: value, unit, printed unit and scale
    (so the tolerance: 十二万元 is exact to 1万 like 12万元), decimals, approximation, range."""
    def fields(text):
        return [(q.value, q.unit, q.raw_unit, q.scale, q.decimals, q.kind, q.approx, q.upper)
                for q in find_quantities(fold(text), text)]
    assert fields(chinese) == fields(digits)
    assert fields(chinese)


@pytest.mark.parametrize(
    "sentence",
    [
        "第三届区人民政府第三次常务会议",     # ordinals (次 is a unit)
        "三、项目实施单位",                    # a heading
        "（二）开展走访慰问",                  # a sub-heading
        "一是需求大，二是保障低",              # an enumeration
        "发放一次性慰问金",                    # 一次性
        "开展一对一帮扶",
        "三类人员",
        "“十四五”规划",
        "实现“两不愁三保障”",
        "一站式服务",
        "实施三年行动",
        "落实“四个一”要求",                    # 四个 runs on into a numeral
        "一般公共预算",
        "统一组织",
        "第一批资金",
        "唯一途径",
        "推进一体化建设",
        "二〇二四年度计划",                    # a year is no amount
        "二〇二四年",
        "建立一个平台",                        # 一 alone is the article
        "两个月内完成",                        # 个 runs on into 月
        "三个人员",                            # 个人 is a word
        "数十人参加",                          # indefinite
        "分两次发放",                          # a division into parts
        "落实两项制度",                        # one-character numeral + 项 names a list
        "以上两项合计",
        "三位一体",
        "城乡二元结构",
        "二期工程",
        "千家万户",                            # a multiplier without its digit
        "《关于印发〈实施细则〉等五个配套文件的通知》",   # inside a document title
        "3千人",                               # glued to a digit
        "两千五人",                            # shorthand
    ],
)
def test_not_figures(sentence):
    assert _found(sentence) == []


def test_chinese_and_digit_figures_in_text_order():
    sentence = "共帮扶三千余户，其中特扶家庭1,200户、独生子女伤残家庭一千八百户，每户补助五百元、300元。"
    assert _found(sentence) == [
        ("三千余户", Decimal(3000), "户", "余"),
        ("1,200户", Decimal(1200), "户", None),
        ("一千八百户", Decimal(1800), "户", None),       # 1,000 + 800
        ("五百元", Decimal(500), "元/户", None),
        ("300元", Decimal(300), "元/户", None),          # the list shares 每户
    ]


# ---------------------------------------------------------------------------- real-world sentences

def test_real_sentence_family_planning_bonus():
    # https://jidianwang.com/entry/14468715.html (独生子女津贴), transcribed as published:
    sentence = ("中共中央、国务院1982年下发的《关于进一步做好计划生育工作的指示》中有关于“发给独生子女保健费,"
                "由夫妇双方所在单位各负担50%”的意见,制定了每月五元独生子女费的奖励规定。")
    assert _found(sentence) == [("50%", Decimal(50), "%", None), ("五元", Decimal(5), "元", None)]


def test_real_sentences_with_numerals_that_are_not_figures():
    # https://news.sohu.com/20060127/n241630269.shtml, transcribed as published:
    sohu = ("1月25日,省委统战部“温暖进千家”活动启动仪式在五指山市举行。"
            "我省5个国家级贫困市县的1000家困难户每户将获得一份慰问品,包括一袋大米、一件棉衣和一张棉被。")
    assert _found(sohu) == [("5个", Decimal(5), "个", None), ("1000家", Decimal(1000), "家", None)]
    # http://www.hnnxzx.com/a/webbase/div-css/2022/0415/1230.html (南县政协 绩效评价报告):
    nanxian = ("县政协牢牢把握团结和民主两大主题,切实履行政治协商、民主监督、参政议政三大职能,"
               "做好了协调关系、汇集力量、建言献策、服务大局的各项工作,为助推我县经济社会又好又快发展作出了应有贡献。")
    assert _found(nanxian) == []
    # http://uianet.net/dictionary/b6972920.html (人口与计划生育条例 第十九条):
    rule = "(三)独生子女父母,女方年满五十五周岁,男方年满六十周岁的,每人享受不少于1000元的一次性奖励;"
    assert _found(rule) == [("1000元", Decimal(1000), "元/人", "不少于")]


# ---------------------------------------------------------------------------- end to end

TEXT = """某县计划生育协会2024年预算重点领域财政项目文本公开
一、项目名称
计划生育特殊家庭帮扶项目。
二、立项依据
根据《关于做好“十四五”计划生育特殊家庭扶助工作的通知》精神，组织实施本项目。
三、项目实施单位
某县计划生育协会
四、项目基本概况
1.项目必要性：截至二〇二三年底，全县共有计划生育特殊家庭三千余人，一是帮扶需求大，二是保障水平低。
2.绩效目标合理性：二〇二四年计划帮扶一万二千人，服务对象满意度达到百分之九十五点五。
3.投入经济性：每人补助五百元，一次性慰问金按照一对一结对帮扶发放。
4.筹资合规性：资金由县级财政统筹安排。
五、项目实施内容
（一）开展走访慰问，覆盖近两千户。
（二）召开第三届理事会。
六、资金安排情况
2024年预算安排项目资金伍拾万元，其中慰问金十二万元。
七、项目实施计划
按照三年行动方案，分两次发放。
八、项目实施成效
资金到位率达到百分之百。
"""


def test_parse_text_reads_chinese_numerals():
    doc = parse_text(decode_bytes(TEXT.encode("utf-8"), "cn.txt"))
    (project,) = doc.projects
    got = [(f.id, f.raw, f.value, f.unit, f.raw_unit, f.decimals, f.approx, f.year, f.line)
           for f in project.facts]
    assert got == [
        ("F01", "三千余人", Decimal(3000), "人", "人", 0, "余", 2023, 9),
        ("F02", "一万二千人", Decimal(12000), "人", "人", 0, None, 2024, 10),
        ("F03", "百分之九十五点五", Decimal("95.5"), "%", "%", 1, None, 2024, 10),
        ("F04", "五百元", Decimal(500), "元/人", "元", 0, None, None, 11),
        ("F05", "两千户", Decimal(2000), "户", "户", 0, "近", None, 14),
        ("F06", "伍拾万元", Decimal(500000), "元", "万元", 0, None, 2024, 17),     # 50 × 10,000
        ("F07", "十二万元", Decimal(120000), "元", "万元", 0, None, 2024, 17),     # 12 × 10,000
        ("F08", "百分之百", Decimal(100), "%", "%", 0, None, None, 21),
    ]
    f = {f.id: f for f in project.facts}
    assert f["F01"].as_of == "2023-12-31"                       # 截至二〇二三年底
    assert f["F01"].quote == ("截至二〇二三年底，全县共有计划生育特殊家庭三千余人，"
                              "一是帮扶需求大，二是保障水平低。")
    assert f["F06"].quote[f["F06"].offset:].startswith("伍拾万元")
    assert f["F06"].tolerance == Decimal(5000)                  # exact to 1万, as 50万元
    assert f["F07"].parent == "F06"                             # 其中
    assert f["F02"].planned
    assert f["F05"].label == "覆盖"
    # no notice for the numerals that are not figures (一是, 一次性, 第三届, 三年行动, 两次 …)
    assert not [n for n in doc.notices if "三" in n.message or "一" in n.message]


# ---------------------------------------------------------------------------- linear time

@pytest.mark.parametrize("text", [
    "一" * 200_000 + "人",
    "十" * 200_000 + "人",
    "一点" * 100_000 + "人",
    "三点" + "五" * 200_000 + "万元",
    "百分之" * 60_000 + "九十",
    "《" * 100_000 + "三千人" * 10_000,
    "三千至" * 60_000 + "五千元",
    "一万二千人，" * 30_000,
])
def test_long_inputs_stay_fast(text):
    t0 = time.perf_counter()
    find_quantities(text)
    year_digits(text)
    assert time.perf_counter() - t0 < 10      # about 1 s at most on a slow machine; quadratic would be hours
