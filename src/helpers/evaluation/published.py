"""Self-evaluation tables (绩效自评表) as public bodies publish them, read into typed rows.

Seen in published tables (tests/fixtures/selfeval/real/, docs/scoring.md "Published tables"):

- title rows above everything (项目支出绩效自评表（2022年度）, 项目名称, 主管部门, 单位：万元);
- budget execution as a money block (年初预算数 | 全年预算数 (A) | 全年执行数 (B) | 分值 | 执行率 | 得分),
  with 其中：本年财政拨款 / 上年结转资金 / 其他资金 rows under 年度资金总额;
- the indicator grid found by its header words, not its position, its header sometimes split over
  two rows, with column names that vary (年度指标值 / 指标值, 实际完成值 / 全年实际值 / 完成值,
  分值 / 权重, 偏差原因分析及改进措施 / 未完成原因及拟采取的改进措施) and 分值 before or after the values;
- no 指标性质 or 度量单位 column: direction and unit are written in the value (≥90%, ≤10万元, =0件,
  ≥266米, 不低于95%, 以内); where none is written the direction is the documented default
  (成本指标 → ≤, else ≥), recorded on the row;
- merged 一级/二级 cells, blank below their first row, carried down; 一级 labels with their points
  (产出指标(50分)), which are stripped and checked against the rows;
- template placeholder rows left in (指标2:, ……, /, an empty 生态效益指标 row), dropped and counted;
- a 总分 row with the stated total (and sometimes the grade);
- qualitative results in words (有效, 显著提升, 达成预期指标, 是…), mapped to tiers by ``TIER_WORDS``.

Nothing here scores: ``helpers.evaluation.check`` does, row by row.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from helpers.core.errors import HelpersError, InputError
from helpers.core.taxonomy import DIRECTION_WORDS, GE, LE, QUAL
from helpers.evaluation.scoring import EXECUTION, NO, YES, Row
from helpers.evaluation.sheet import parse_direction, parse_number, raw_rows

# Header words → the canonical column. Matched on the cell with spaces removed, brackets and
# what is inside them ((A), (B), (元)) dropped; the first variant that is a prefix wins.
GRID_COLUMNS: dict[str, tuple[str, ...]] = {
    "一级指标": ("一级指标",),
    "二级指标": ("二级指标",),
    "三级指标": ("三级指标",),
    "指标性质": ("指标性质",),
    "指标值": ("年度指标值", "指标值", "年初目标值", "年度目标值", "预期指标值", "目标值", "预期目标值"),
    "度量单位": ("度量单位", "计量单位", "单位"),
    "实际完成值": ("实际完成值", "全年实际值", "全年完成值", "实际值", "完成值", "实际完成情况"),
    "分值": ("分值", "权重"),
    "得分": ("得分", "自评得分"),
    "偏差原因分析及改进措施": ("偏差原因分析及改进措施", "未完成原因及拟采取的改进措施", "未完成原因分析",
                            "偏差原因", "未完成原因"),
}
MONEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "年初预算数": ("年初预算数", "年初预算"),
    "全年预算数": ("全年预算数", "调整后预算数", "预算数"),
    "全年执行数": ("全年执行数", "预算执行数", "执行数"),
    "分值": ("分值", "权重"),
    "执行率": ("执行率", "预算执行率"),
    "得分": ("得分",),
}
_MONEY_TOTAL = re.compile(r"资金总额|^总额|^合计|^小计")
TOTAL_LABELS = ("总分", "合计", "总计", "总得分", "自评总分")
PLACEHOLDER_RE = re.compile(r"^(?:指标\d*[:：]?\s*/?|…+|\.{2,}|/|-|—|无)$")
_EMPTY = re.compile(r"^(?:|/|-|—|…+|\.{2,})$")
LABEL_POINTS_RE = re.compile(r"[（(]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]")

_DIRECTION_SUFFIXES = (("以上", GE), ("以内", LE), ("以下", LE))
_UNIT_ALIASES = {"百分比": "%", "％": "%"}

# Qualitative results → tiers (docs/scoring.md, "Qualitative words"): a word not listed is a
# finding (unknown_tier) on its row, never a refusal of the table.
TIER_WORDS: dict[str, str] = {
    **dict.fromkeys(("达成", "已达成", "全部达成", "达成预期指标", "达成预期目标", "达到预期", "达到预期目标",
                     "完成", "已完成", "全部完成", "按时完成", "有效", "显著", "显著提升", "明显提升", "提升",
                     "效果明显", "效果显著", "明显改善", "改善", "良好", "好", "优", "优秀", "合格", "通过",
                     "满意", "及时", "符合", "符合要求", "符合相关规定", "严格执行", "持续", "长期",
                     "是", "有"), "达成"),
    **dict.fromkeys(("部分达成", "基本达成", "基本完成", "部分完成", "一般", "较好", "有所提升", "有所改善",
                     "基本满意", "基本符合"), "部分达成"),
    **dict.fromkeys(("未达成", "未完成", "无效", "不合格", "不满意", "否", "无", "未达到"), "未达成"),
}


@dataclass(frozen=True)
class Value:
    """A 年度指标值 or 实际完成值 cell read: its direction and number where written, the unit that
    follows the number, and the text as printed."""

    text: str
    direction: str | None = None
    number: Decimal | None = None
    unit: str = ""

    @property
    def is_number(self) -> bool:
        """Whether the cell holds a number (with or without direction and unit)."""
        return self.number is not None


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def parse_value(text: str) -> Value:
    """Direction, number and unit of a printed value: "≥90%" → (≥, 90, %); "≤10万元" → (≤, 10, 万元);
    "不低于95%" → (≥, 95, %); "100人以上" → (≥, 100, 人); "有效" → no number. A ScoringError for a
    number out of range (see ``sheet.parse_number``)."""
    s = _fold(text)
    direction = None
    for word, d in DIRECTION_WORDS:
        if s.startswith(word):
            direction, s = d, s[len(word):]
            break
    for word, d in _DIRECTION_SUFFIXES:
        if s.endswith(word) and direction is None:
            direction, s = d, s[: -len(word)]
            break
    m = re.match(r"^([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?)(.*)$", s)
    number = None
    unit = ""
    if m and any(ch.isdigit() for ch in m.group(1)):
        number = parse_number(m.group(1))
        unit = m.group(2)
        unit = _UNIT_ALIASES.get(unit, unit)
        if number is not None and not re.fullmatch(r"[^\d]{0,8}", unit):
            number, unit = None, ""      # "完成1部宣传片,2套方案": words with numbers in them
    return Value(text=(text or "").strip(), direction=direction, number=number, unit=unit)


def tier_word(text: str) -> str | None:
    """The tier (达成 / 部分达成 / 未达成) a qualitative result's wording stands for, or None."""
    s = _fold(text).rstrip("。.")
    return TIER_WORDS.get(s)


@dataclass
class Published:
    """A published self-evaluation table, read: the rows (execution first), the stated total and
    grade, the 一级 label points, and what was dropped or assumed on the way."""

    path: str
    encoding: str
    rows: list[Row]
    header_line: int
    stated_total: Decimal | None = None
    stated_grade: str | None = None
    total_line: int | None = None
    label_points: dict[str, Decimal] = field(default_factory=dict)
    placeholders: list[int] = field(default_factory=list)
    has_points: bool = True
    # per row line: the printed 年度指标值 / 实际完成值 and the direction assumed by default
    printed: dict[int, tuple[str, str]] = field(default_factory=dict)
    assumed: dict[int, str] = field(default_factory=dict)
    bound_actuals: list[int] = field(default_factory=list)
    unknown_tiers: dict[int, str] = field(default_factory=dict)
    not_checkable: list[int] = field(default_factory=list)


def _column_key(cell: str, columns: dict[str, tuple[str, ...]]) -> str | None:
    s = re.sub(r"[（(][^）)]*[）)]", "", _fold(cell))
    for key, variants in columns.items():
        if any(s == v or s.startswith(v) for v in variants):
            return key
    return None


def _header_map(row: list[str], columns: dict[str, tuple[str, ...]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for j, cell in enumerate(row):
        key = _column_key(cell, columns)
        if key is not None and key not in found:
            found[key] = j
    return found


def _find_grid(raw: list[list[str]], path: str) -> tuple[int, dict[str, int]]:
    """The grid's header row index and its column map (a header split over two rows is merged)."""
    for i, row in enumerate(raw[:80]):
        cols = _header_map(row, GRID_COLUMNS)
        if "一级指标" in cols and ("三级指标" in cols or "二级指标" in cols):
            if i > 0:   # words of a two-row header standing above this row's blanks
                above = _header_map(raw[i - 1], GRID_COLUMNS)
                for key, j in above.items():
                    if key not in cols and (j >= len(row) or not row[j].strip()):
                        cols[key] = j
            return i, cols
    raise InputError("no indicator grid: no row names the columns 一级指标 and 三级指标", path=path, line=1)


def _num(cell: str) -> Decimal | None:
    try:
        return parse_number(_fold(cell).removesuffix("分").removesuffix("元"))
    except HelpersError:
        return None


def _money_row(raw: list[list[str]], end: int, path: str) -> tuple[Row | None, int | None]:
    """The execution row made from the money block above the grid, where there is one."""
    for i in range(end):
        cols = _header_map(raw[i], MONEY_COLUMNS)
        if "全年执行数" not in cols or ("全年预算数" not in cols and "年初预算数" not in cols):
            continue
        budget_col = cols.get("全年预算数", cols.get("年初预算数"))
        data = [r for r in raw[i + 1:end] if any(c.strip() for c in r)]
        total = next((r for r in data if any(_MONEY_TOTAL.search(_fold(c)) for c in r[:budget_col])),
                     data[0] if data else None)
        if total is None:
            return None, None

        def cell(r: list[str], key: str, cols: dict[str, int] = cols,
                 budget_col: int = budget_col) -> Decimal | None:
            j = cols.get(key) if key != "budget" else budget_col
            return _num(r[j]) if j is not None and j < len(r) else None
        a, b = cell(total, "budget"), cell(total, "全年执行数")
        line = raw.index(total) + 1
        if not a:          # 年度资金总额 left blank or 0: the 其中 rows carry the money
            parts = [r for r in data if r is not total and cell(r, "budget")]
            if parts:
                a = sum((cell(r, "budget") or Decimal(0) for r in parts), Decimal(0))
                b = sum((cell(r, "全年执行数") or Decimal(0) for r in parts), Decimal(0))
        points = cell(total, "分值")
        if points is None:    # "预算执行情况(万元) (20分)": the block's points in its title
            m = LABEL_POINTS_RE.search("".join(raw[i]))
            points = Decimal(m.group(1)) if m else None
        score = cell(total, "得分")
        if a is None and b is None:
            return None, None
        unit = "万元"
        title = "".join(raw[i][: budget_col])
        if "(元)" in _fold(title) or _fold(title).endswith("元)"):
            unit = "元"
        return Row(EXECUTION, "", EXECUTION, "", a, unit, b, points if points is not None else Decimal(0),
                   given_score=score, line=line), line
    return None, None


def _level1_of(level2: str) -> str:
    from helpers.core.taxonomy import HIERARCHY, level2_name

    return next((l1 for l1 in HIERARCHY if level2_name(l1, _fold(level2).removesuffix("等"))), "")


def _is_total(row: list[str]) -> bool:
    first = next((_fold(c) for c in row if c.strip()), "")
    return any(first.startswith(t) for t in TOTAL_LABELS)


def read_published(path: Path | str) -> Published:
    """Read a self-evaluation table as published (CSV or XLSX); InputError when no indicator grid
    can be found. Rows keep the sheet's row numbers as a person sees them."""
    path = Path(path)
    raw, encoding = raw_rows(path)
    shown = str(path)
    try:
        header, cols = _find_grid(raw, shown)
    except InputError:
        execution, _ = _money_row(raw, len(raw), shown)
        if execution is None:
            raise
        return Published(path=shown, encoding=encoding, rows=[execution], header_line=execution.line or 1,
                         has_points=True)
    pub = Published(path=shown, encoding=encoding, rows=[], header_line=header + 1,
                    has_points="分值" in cols)
    execution, _ = _money_row(raw, header, shown)
    if execution is not None:
        pub.rows.append(execution)

    def get(r: list[str], key: str) -> str:
        j = cols.get(key)
        text = r[j].strip() if j is not None and j < len(r) and r[j] is not None else ""
        return "" if key not in ("一级指标", "二级指标", "三级指标") and _EMPTY.match(_fold(text)) else text

    level1 = level2 = ""
    for i in range(header + 1, len(raw)):
        r = raw[i]
        line = i + 1
        if not any(c.strip() for c in r):
            continue
        if _is_total(r):
            pub.total_line = line
            pub.stated_total = _num(get(r, "得分")) if get(r, "得分") else None
            if pub.stated_total is None:
                pub.stated_total = next((n for n in (_num(c) for c in r[1:] if c.strip()) if n is not None),
                                        None)
            grades = [c.strip() for c in r if c.strip() in ("优", "良", "中", "差")]
            pub.stated_grade = grades[0] if grades else None
            break
        l1, l2, l3 = get(r, "一级指标"), get(r, "二级指标"), get(r, "三级指标")
        if l1 and _column_key(l1, GRID_COLUMNS) is None and not LABEL_POINTS_RE.search(l1) \
                and not l1.endswith("指标") and l1 != EXECUTION and not l2 and not l3:
            continue      # a row of notes under the grid (其他需要说明事项, 评价结论)
        if l1:
            m = LABEL_POINTS_RE.search(l1)
            level1 = LABEL_POINTS_RE.sub("", l1).strip()
            if not level1 and l2:                 # "(50分)" alone: the 一级 its 二级 belongs to
                level1 = _level1_of(l2)
            if m:
                pub.label_points[level1] = Decimal(m.group(1))
            level2 = ""
        if l2:
            level2 = l2
        target_text, actual_text = get(r, "指标值"), get(r, "实际完成值")
        points_text, score_text = get(r, "分值"), get(r, "得分")
        if (not l3 or PLACEHOLDER_RE.match(_fold(l3))) and not (target_text or actual_text) \
                and not _num(points_text or "x") and not _num(score_text or "x"):
            pub.placeholders.append(line)
            continue
        if not l3 and not target_text and not actual_text and not points_text and not score_text:
            pub.placeholders.append(line)
            continue
        pub.rows.append(_indicator_row(pub, line, level1, level2, l3 or level2, get(r, "指标性质"),
                                       target_text, get(r, "度量单位"), actual_text, points_text,
                                       score_text, get(r, "偏差原因分析及改进措施")))
    if not pub.rows:
        raise InputError("the table has no indicator rows", path=shown, line=pub.header_line)
    return pub


def _indicator_row(pub: Published, line: int, level1: str, level2: str, name: str, direction_cell: str,
                   target_text: str, unit_cell: str, actual_text: str, points_text: str, score_text: str,
                   reason: str) -> Row:
    target, actual = parse_value(target_text), parse_value(actual_text)
    pub.printed[line] = (target_text, actual_text)
    points = _num(points_text) if points_text else None
    given = _num(score_text) if score_text else None
    unit = _UNIT_ALIASES.get(_fold(unit_cell), _fold(unit_cell)) or target.unit or actual.unit
    direction = parse_direction(direction_cell) if direction_cell else None
    if direction is None and direction_cell:
        direction = target.direction            # an unknown symbol: read the value instead
    if not direction:
        direction = target.direction
    if actual.direction is not None and actual.is_number:
        pub.bound_actuals.append(line)
    if target.is_number and actual.is_number:
        if not direction:
            direction = LE if "成本" in level2 else GE
            pub.assumed[line] = direction
        t_val: Decimal | str | None = target.number
        a_val: Decimal | str | None = actual.number
    elif not target_text and not actual_text:
        pub.not_checkable.append(line)
        direction, t_val, a_val = "", None, None
    elif actual.is_number and not target_text:
        pub.not_checkable.append(line)
        direction, t_val, a_val = "", None, actual.number
    elif _fold(target_text) in YES | NO and _fold(actual_text) in YES | NO:
        direction, t_val, a_val = "", _fold(target_text), _fold(actual_text)    # a yes/no row
    else:     # words: a qualitative result, or a target without a comparable actual
        tier = tier_word(actual_text) if actual_text else None
        if target.is_number and not actual.is_number and tier is None:
            pub.not_checkable.append(line)
            direction, t_val, a_val = "", target.number, actual_text or None
        elif tier is None:
            pub.unknown_tiers[line] = actual_text
            direction, t_val, a_val = QUAL, target_text or None, actual_text or None
        else:
            direction, t_val, a_val = QUAL, target_text or None, tier
    if points is None:
        points = Decimal(0)
        if line not in pub.not_checkable:
            pub.not_checkable.append(line)
    return Row(level1=level1, level2=level2, level3=name, direction=direction or "", target=t_val,
               unit=unit, actual=a_val, points=points, given_score=given, reason=reason, line=line)
