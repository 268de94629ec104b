"""The fixed vocabularies of the domain, defined once (docs: ../shared/docs/domain.md §2).

- the performance-indicator hierarchy (一级指标 → 二级指标), in the short spelling of domain.md;
  tables may write a 二级 name with the 指标 suffix (经济效益指标), :func:`level2_name` folds it;
- indicator directions (指标性质): ≥ ≤ = and 定性;
- audit severities, in order, with their Chinese labels.
"""

from __future__ import annotations

LEVEL1 = ("产出指标", "效益指标", "满意度指标")
HIERARCHY: dict[str, tuple[str, ...]] = {
    "产出指标": ("数量指标", "质量指标", "时效指标", "成本指标"),
    "效益指标": ("经济效益", "社会效益", "生态效益", "可持续影响"),
    "满意度指标": ("服务对象满意度",),
}

GE, LE, EQ, QUAL = "≥", "≤", "=", "定性"
DIRECTIONS = (GE, LE, EQ, QUAL)
# How a direction is written, in a 指标性质 cell or before a value, longest first: symbols (≧ ≦ ＝
# and ═, U+2550, used as an equals sign are seen in published tables) and words.
DIRECTION_WORDS: tuple[tuple[str, str], ...] = (
    ("大于等于", GE), ("不低于", GE), ("不少于", GE), (">=", GE), ("≥", GE), ("≧", GE), ("⩾", GE),
    ("小于等于", LE), ("不高于", LE), ("不超过", LE), ("不多于", LE), ("<=", LE), ("≤", LE), ("≦", LE),
    ("⩽", LE),
    ("==", EQ), ("=", EQ), ("＝", EQ), ("═", EQ),
    (QUAL, QUAL),
)

SEVERITIES = ("error", "warning", "note")
SEVERITY_ZH = {"error": "错误", "warning": "警告", "note": "提示"}


def level2_name(level1: str, level2: str) -> str | None:
    """The canonical 二级指标 name under ``level1`` for ``level2`` as written, or None.

    Both spellings are accepted: ``经济效益`` and ``经济效益指标`` give ``经济效益``; ``数量指标``
    (whose canonical name carries the suffix) is accepted as written.
    """
    allowed = HIERARCHY.get(level1, ())
    if level2 in allowed:
        return level2
    if level2.endswith("指标") and level2[:-2] in allowed:
        return level2[:-2]
    if f"{level2}指标" in allowed:
        return f"{level2}指标"
    return None
