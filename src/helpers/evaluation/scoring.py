"""Self-evaluation scoring (项目支出绩效自评): pure rules, no I/O.

Two methods live in a registry, ``"2020"`` (财预〔2020〕10号, the default) and ``"2021"``
(财预〔2021〕101号); see docs/domain.md §2 and the assumptions log in docs/scoring.md.

Arithmetic is exact (``fractions.Fraction`` built from ``Decimal`` inputs); each row score is then
rounded once to 2 decimals half-up, exactly from the fraction (no intermediate decimal division), the
total is the sum of the rounded row scores and the grade follows 10号 art. 18.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

from helpers.core.errors import ScoringError
from helpers.core.registry import Registry
from helpers.core.taxonomy import EQ, GE, LE, QUAL
from helpers.ingest.models import json_number

EXECUTION = "预算执行率"
SATISFACTION = "满意度指标"

TIERS = {  # tier → [low, high) fraction of the points; 达成 includes 100 % (10号 annex 1)
    "达成": (Fraction(4, 5), Fraction(1)),
    "部分达成": (Fraction(3, 5), Fraction(4, 5)),
    "未达成": (Fraction(0), Fraction(3, 5)),
}
YES = frozenset({"是", "有", "达到", "已完成"})
NO = frozenset({"否", "无", "未达到", "未完成"})

CENT = Decimal("0.01")


@dataclass(frozen=True)
class ScoringConfig:
    """Weights and bands: configuration, not constants (domain.md §2)."""

    weights: dict[str, Decimal] = field(default_factory=lambda: {
        EXECUTION: Decimal(10), "产出指标": Decimal(50), "效益指标": Decimal(30), SATISFACTION: Decimal(10),
    })
    total_points: Decimal = Decimal(100)
    # method 2021, execution: (lowest rate, fraction of the points), highest band first
    execution_bands: tuple[tuple[Fraction, Fraction], ...] = (
        (Fraction(1), Fraction(1)), (Fraction(4, 5), Fraction(7, 10)),
        (Fraction(3, 5), Fraction(1, 2)), (Fraction(0), Fraction(0)),
    )
    # method 2021, satisfaction in percent: (lowest percent, fraction of the points)
    satisfaction_bands: tuple[tuple[Fraction, Fraction], ...] = (
        (Fraction(90), Fraction(1)), (Fraction(80), Fraction(4, 5)),
        (Fraction(60), Fraction(1, 2)), (Fraction(0), Fraction(0)),
    )
    threshold_2021: Fraction = Fraction(3, 5)   # r < 0.6 scores 0
    far_above: Fraction = Fraction(6, 5)         # actual/target above this → flag for the evaluator


@dataclass(frozen=True)
class Row:
    """One typed row of a self-evaluation table (values in the row's own unit)."""

    level1: str
    level2: str
    level3: str
    direction: str                      # one of DIRECTIONS ("" allowed on the execution row)
    target: Decimal | str | None        # 指标值 (全年预算数 on the execution row)
    unit: str
    actual: Decimal | str | None        # 实际完成值 (全年执行数; the tier on a 定性 row)
    points: Decimal                     # 分值
    given_score: Decimal | None = None  # 得分 as written in the table
    reason: str = ""                    # 偏差原因分析及改进措施
    line: int | None = None             # row number as the spreadsheet shows it

    @property
    def indicator(self) -> str:
        """The row's indicator name: 三级指标, else 二级指标, else 一级指标."""
        return self.level3 or self.level2 or self.level1

    @property
    def kind(self) -> str:
        """How the row is scored: "execution", "yes_no", "qualitative", "satisfaction" or "quantitative".

        预算执行率 rows are "execution"; rows whose 指标值 and 实际完成值 are both yes/no words
        (是/否, 有/无 …) are "yes_no"; 定性 rows are "qualitative"; other 满意度指标 rows are "satisfaction".
        """
        if self.level1 == EXECUTION:
            return "execution"
        if _yes_no(self.target) is not None and _yes_no(self.actual) is not None:
            return "yes_no"
        if self.direction == QUAL:
            return "qualitative"
        if self.level1 == SATISFACTION:
            return "satisfaction"
        return "quantitative"


@dataclass(frozen=True)
class ScoreWarning:
    """Something the evaluator should look at; never changes a score."""

    code: str
    message: str
    line: int | None = None
    indicator: str | None = None

    def __str__(self) -> str:
        where = f"row {self.line}: " if self.line else ""
        return f"{where}{self.message}"


@dataclass(frozen=True)
class RowScore:
    """One scored row: the row, how it was scored, its score (2 decimals, half-up) and the arithmetic."""

    row: Row
    kind: str
    score: Decimal                 # rounded half-up to 2 decimals
    ratio: Fraction | None         # completion ratio used (capped where the rule caps)
    basis: str                     # the arithmetic, readable
    tier: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The row score as JSON: the row's cells, kind, score, ratio in % (2 decimals), basis, tier."""
        r = self.row
        return {
            "indicator": r.indicator,
            "points": json_number(r.points),
            "score": json_number(self.score),
            "line": r.line,
            "level1": r.level1,
            "level2": r.level2,
            "level3": r.level3,
            "direction": r.direction,
            "target": _json_value(r.target),
            "unit": r.unit,
            "actual": _json_value(r.actual),
            "kind": self.kind,
            "ratio": None if self.ratio is None else json_number(round_cents(self.ratio * 100)),
            "basis": self.basis,
            "tier": self.tier,
            "given_score": _json_value(r.given_score),
            "reason": r.reason,
        }


@dataclass
class ScoreResult:
    """One scored self-evaluation table: row scores, total, grade (优/良/中/差), execution rate, warnings."""

    method: str
    rows: list[RowScore]
    total: Decimal
    grade: str
    execution_rate: Decimal | None           # percent B/A × 100 (to 40 digits), None without the row
    warnings: list[ScoreWarning] = field(default_factory=list)
    source: str | None = None                # the table it came from, where there is one
    encoding: str | None = None
    execution_ratio: Fraction | None = None  # B/A exact, when known

    @property
    def execution_rate_pct(self) -> Decimal | None:
        """The execution rate as a percent number rounded half-up to 2 decimals (from the exact
        ratio when there is one, so never rounded twice)."""
        if self.execution_ratio is not None:
            return round_cents(self.execution_ratio * 100)
        return None if self.execution_rate is None else round_cents(self.execution_rate)

    def to_json(self) -> dict[str, Any]:
        """The `score --json` contract (../shared/docs/design.md): add fields freely, never rename."""
        return {
            "method": self.method,
            "source": self.source,
            "encoding": self.encoding,
            "total": json_number(self.total),
            "grade": self.grade,
            "execution_rate": json_number(self.execution_rate_pct),
            "rows": [rs.to_json() for rs in self.rows],
            "warnings": [{"code": w.code, "line": w.line, "indicator": w.indicator, "message": w.message}
                         for w in self.warnings],
        }


def _json_value(value: Decimal | str | None) -> int | float | str | None:
    return json_number(value) if isinstance(value, Decimal) else value


# ---------------------------------------------------------------------------- arithmetic

def to_fraction(value: Decimal | int) -> Fraction:
    """The exact Fraction of a Decimal or int."""
    return Fraction(value)


def round_cents(value: Fraction | Decimal | int) -> Decimal:
    """Half-up (ties away from zero) to 2 decimals, exactly: n = floor(|f| × 100 + 1/2) on the exact
    fraction, sign restored, n / 100 built from its digits. No decimal division happens first, so a
    value just below a tie (x.xx4999… to any length) never rounds up, and a tie x.xx5 always does."""
    f = value if isinstance(value, Fraction) else Fraction(value)
    n = math.floor(abs(f) * 100 + Fraction(1, 2))
    sign = "-" if f < 0 and n else ""
    return Decimal(f"{sign}{n}E-2")   # from a string: exact whatever the decimal context


def exact_sum(values) -> Decimal:
    """The sum of Decimals without context rounding (inputs have at most 45 significant digits)."""
    with localcontext() as ctx:
        ctx.prec = 200
        return sum(values, Decimal(0))


def grade(total: Decimal) -> str:
    """10号 art. 18: ≥ 90 优, ≥ 80 良, ≥ 60 中, < 60 差."""
    if total >= 90:
        return "优"
    if total >= 80:
        return "良"
    if total >= 60:
        return "中"
    return "差"


def _yes_no(value: Decimal | str | None) -> bool | None:
    if isinstance(value, str):
        v = value.strip()
        if v in YES:
            return True
        if v in NO:
            return False
    return None


_TIER_RE = re.compile(r"^\s*(?:已全部|均已|已|全部|完全|均)?\s*(未达成|部分达成|达成)")
_NEGATED_TIER = re.compile(r"(未|没有|不|未能|尚未|未完全|基本)\s*(?:完全)?达成")


def tier_of(value: Decimal | str | None) -> str | None:
    """达成 / 部分达成 / 未达成 when 实际完成值 starts with one of them ("部分达成年度指标" counts);
    other wordings (未能达成, 没有达成, 基本达成 …) are no tier, so the row is reported rather
    than read as 达成."""
    if not isinstance(value, str):
        return None
    if _NEGATED_TIER.search(value) and not value.strip().startswith(("未达成", "部分达成")):
        return None
    m = _TIER_RE.match(value)
    return m.group(1) if m else None


def _err(row: Row, message: str, column: str | None = None) -> ScoringError:
    return ScoringError(f"「{row.indicator}」: {message}", line=row.line,
                        where=f"列 {column}" if column else None)


def _number(row: Row, value: Decimal | str | None, column: str) -> Fraction:
    if value is None or value == "":
        raise _err(row, f"{column} is empty: a number is needed on a {row.direction or '数值'} row", column)
    if not isinstance(value, Decimal):
        raise _err(row, f"{column} {value!r} is not a number", column)
    if value < 0:
        raise _err(row, f"{column} {value} is negative", column)
    return to_fraction(value)


# ---------------------------------------------------------------------------- methods

@dataclass(frozen=True)
class Method:
    """A scoring method: how execution, quantitative completion and satisfaction turn into points."""

    name: str
    title: str
    execution: Callable[[Fraction, Fraction, ScoringConfig], tuple[Fraction, str]]
    completion: Callable[[Fraction, Fraction, ScoringConfig], tuple[Fraction, str]]
    satisfaction: Callable[[Fraction, Fraction, ScoringConfig], tuple[Fraction, str]] | None


class MethodRegistry(Registry[Method]):
    """The scoring methods by name; an unknown name is a ScoringError (bad input, exit 2)."""

    def __init__(self) -> None:
        super().__init__("scoring method", key=lambda m: m.name, error=ScoringError)


def _fmt(f: Fraction) -> str:
    return str(round_cents(f)) if f.denominator != 1 else str(f.numerator)


def _exec_2020(rate: Fraction, points: Fraction, cfg: ScoringConfig) -> tuple[Fraction, str]:
    r = min(rate, Fraction(1))
    return points * r, f"{_fmt(points)} × min(B/A, 1)"


def _exec_2021(rate: Fraction, points: Fraction, cfg: ScoringConfig) -> tuple[Fraction, str]:
    share = _band(rate, cfg.execution_bands)
    return points * share, f"{_fmt(points)} × {_pct(share)} (band for rate ≥ {_band_floor(rate, cfg)})"


def _band(value: Fraction, bands: tuple[tuple[Fraction, Fraction], ...]) -> Fraction:
    for floor, share in bands:
        if value >= floor:
            return share
    return Fraction(0)


def _band_floor(rate: Fraction, cfg: ScoringConfig) -> str:
    for floor, _share in cfg.execution_bands:
        if rate >= floor:
            return _pct(floor)
    return "0%"


def _pct(f: Fraction) -> str:
    return f"{round_cents(f * 100).normalize():f}%"


def _completion_2020(r: Fraction, points: Fraction, cfg: ScoringConfig) -> tuple[Fraction, str]:
    return points * r, f"{_fmt(points)} × r"


def _completion_2021(r: Fraction, points: Fraction, cfg: ScoringConfig) -> tuple[Fraction, str]:
    t = cfg.threshold_2021
    if r < t:
        return Fraction(0), f"r < {_pct(t)} → 0"
    return points * (r - t) / (1 - t), f"{_fmt(points)} × (r − {_fmt(t)}) / {_fmt(1 - t)}"


def _satisfaction_2021(pct: Fraction, points: Fraction, cfg: ScoringConfig) -> tuple[Fraction, str]:
    share = _band(pct, cfg.satisfaction_bands)
    return points * share, f"{_fmt(points)} × {share} (satisfaction band)"


# ---------------------------------------------------------------------------- rows

def _score_execution(row: Row, method: Method, cfg: ScoringConfig, out: list[ScoreWarning]):
    budget = _number(row, row.target, "指标值")
    spent = _number(row, row.actual, "实际完成值")
    if budget == 0:
        raise _err(row, "全年预算数 (指标值) is 0: the execution rate B/A cannot be computed", "指标值")
    rate = spent / budget
    if rate > 1:
        out.append(ScoreWarning("execution_above_100",
                           f"execution rate {_pct(rate)} is above 100 % (spent more than the budget); "
                           "scored as full marks, check the figures", row.line, row.indicator))
    raw, basis = method.execution(rate, to_fraction(row.points), cfg)
    return raw, min(rate, Fraction(1)), basis, rate


def _completion_ratio(row: Row, cfg: ScoringConfig, out: list[ScoreWarning]) -> tuple[Fraction, str]:
    """r in [0, 1] for a ≥ / ≤ / = row (satisfaction rows in method 2020 count as ≥)."""
    direction = GE if row.kind == "satisfaction" else row.direction
    if direction not in (GE, LE, EQ):
        raise _err(row, f"unknown 指标性质 {row.direction!r} (expected one of ≥ ≤ = 定性)", "指标性质")
    t = _number(row, row.target, "指标值")
    a = _number(row, row.actual, "实际完成值")
    if direction == EQ:
        if a == t:
            return Fraction(1), "a = t"
        return min(a, t) / max(a, t), "min(a, t)/max(a, t)"
    if direction == LE and a == 0:
        return Fraction(1), "actual 0 on a ≤ row"
    if t == 0:
        raise _err(row, f"指标值 is 0 on a {direction} row: the completion ratio needs a non-zero target",
                   "指标值")
    beyond = a / t if direction == GE else t / a
    if beyond > cfg.far_above:
        word = "above" if direction == GE else "below"
        out.append(ScoreWarning("far_above_target",
                           f"「{row.indicator}」 actual {row.actual} is far {word} the target {row.target} "
                           f"(ratio {_fmt(beyond)} > {_fmt(cfg.far_above)}): the target may have been set "
                           "too low; the rule says reduce moderately with no formula, so the evaluator "
                           "decides (score not changed)", row.line, row.indicator))
    ratio = "a/t" if direction == GE else "t/a"
    return min(beyond, Fraction(1)), f"r = min({ratio}, 1)"


def _score_qualitative(row: Row) -> tuple[Fraction, str, str]:
    tier = tier_of(row.actual)
    if tier is None:
        raise _err(row, f"实际完成值 {row.actual!r} is not a tier (达成 / 部分达成 / 未达成)", "实际完成值")
    if row.given_score is None:
        raise _err(row, "a 定性 row needs the evaluator's score in 得分", "得分")
    score = to_fraction(row.given_score)
    points = to_fraction(row.points)
    low, high = TIERS[tier]
    inside = points * low <= score and (score < points * high or (high == 1 and score <= points))
    if not inside:
        upper = "]" if high == 1 else ")"
        raise _err(row, f"得分 {row.given_score} is outside the {tier} tier "
                        f"[{_fmt(points * low)}, {_fmt(points * high)}{upper} of {_fmt(points)} points",
                   "得分")
    return score, f"{tier}: evaluator's score", tier


def score_row(row: Row, method: Method, cfg: ScoringConfig,
              out: list[ScoreWarning]) -> tuple[RowScore, Fraction | None]:
    """Score one row; append warnings to ``out``. Returns the score and, for the execution row,
    the exact rate B/A. An arithmetic failure (decimal.InvalidOperation…) is a ScoringError
    naming the row."""
    try:
        return _score_row(row, method, cfg, out)
    except (ArithmeticError, ValueError) as exc:
        raise _err(row, f"cannot compute the score ({type(exc).__name__}): check the numbers") from None


def _score_row(row: Row, method: Method, cfg: ScoringConfig,
               out: list[ScoreWarning]) -> tuple[RowScore, Fraction | None]:
    points = to_fraction(row.points)
    kind = row.kind
    rate = None
    tier = None
    ratio: Fraction | None = None
    if kind == "execution":
        raw, ratio, basis, rate = _score_execution(row, method, cfg, out)
    elif kind == "yes_no":
        hit = _yes_no(row.actual) == _yes_no(row.target)
        raw, basis = (points if hit else Fraction(0)), ("yes/no: matches target" if hit else "yes/no: missed")
    elif kind == "qualitative":
        raw, basis, tier = _score_qualitative(row)
    elif kind == "satisfaction" and method.satisfaction is not None:
        pct = _number(row, row.actual, "实际完成值")
        if row.unit.strip() not in ("%", "％") and pct <= 1:
            pct *= 100  # a ratio written as 0.95 with no % unit
        raw, basis = method.satisfaction(pct, points, cfg)
    else:
        ratio, rbasis = _completion_ratio(row, cfg, out)
        raw, basis = method.completion(ratio, points, cfg)
        basis = f"{rbasis}; {basis}"
    score = round_cents(raw)
    return RowScore(row, kind, score, ratio, basis, tier), rate


def _check_points(rows: list[Row], cfg: ScoringConfig) -> None:
    for row in rows:
        if row.points < 0:
            raise _err(row, f"分值 {row.points} is negative", "分值")
    total = exact_sum(r.points for r in rows)
    if total != cfg.total_points:
        last = rows[-1].line if rows else None
        raise ScoringError(f"分值 add up to {total}, not {cfg.total_points}", line=last, where="列 分值")
    if sum(1 for r in rows if r.kind == "execution") > 1:
        second = [r for r in rows if r.kind == "execution"][1]
        raise _err(second, f"more than one {EXECUTION} row", "一级指标")


def _row_warnings(rs: RowScore, out: list[ScoreWarning]) -> None:
    row = rs.row
    if rs.kind != "qualitative" and row.given_score is not None and round_cents(row.given_score) != rs.score:
        out.append(ScoreWarning(
            "score_differs", f"「{row.indicator}」 得分 given {row.given_score} but the rule gives "
            f"{rs.score} (the computed score is used)", row.line, row.indicator))
    if rs.score < row.points and not row.reason.strip():
        out.append(ScoreWarning(
            "missing_reason", f"「{row.indicator}」 scores {rs.score} of {row.points} but "
            "偏差原因分析及改进措施 is empty", row.line, row.indicator))


def score_rows(rows: list[Row], method: str = "2020", config: ScoringConfig | None = None) -> ScoreResult:
    """Score a whole table: validate the points, score every row, total and grade."""
    cfg = config or ScoringConfig()
    m = METHODS.get(method)
    if not rows:
        raise ScoringError("the table has no indicator rows")
    _check_points(rows, cfg)
    warnings: list[ScoreWarning] = []
    scored: list[RowScore] = []
    rate: Fraction | None = None
    for row in rows:
        rs, row_rate = score_row(row, m, cfg, warnings)
        if row_rate is not None:
            rate = row_rate
        _row_warnings(rs, warnings)
        scored.append(rs)
    if rate is None:
        warnings.append(ScoreWarning("no_execution_row", f"no {EXECUTION} row: execution_rate is not known"))
    total = exact_sum(rs.score for rs in scored)
    rate_pct = None
    if rate is not None:
        with localcontext() as ctx:
            ctx.prec = 40
            rate_pct = Decimal(rate.numerator * 100) / Decimal(rate.denominator)
    return ScoreResult(m.name, scored, total, grade(total), rate_pct, warnings, execution_ratio=rate)


# ---------------------------------------------------------------------------- registration

METHODS = MethodRegistry()
METHODS.register(Method("2020", "财预〔2020〕10号: proportional, capped at full marks",
                        _exec_2020, _completion_2020, None))
METHODS.register(Method("2021", "财预〔2021〕101号: banded execution, 60 % threshold, satisfaction bands",
                        _exec_2021, _completion_2021, _satisfaction_2021))
