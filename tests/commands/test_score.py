"""The `score` command's readable table: columns line up by terminal display width."""

from decimal import Decimal

from wcwidth import wcswidth

from helpers.commands.score import render_table
from helpers.evaluation.scoring import Row, score_rows


def test_readable_table_lines_up_by_display_width():
    # 半角ｶﾅ (narrow, though above U+2E80) and CJK (wide) in indicator names
    rows = [
        Row("预算执行率", "", "预算执行率", "", Decimal(100), "万元", Decimal(100), Decimal(10), line=2),
        Row("产出指标", "数量指标", "ｱﾝｹｰﾄ回收数", "≥", Decimal(10), "份", Decimal(10), Decimal(50), line=3),
        Row("产出指标", "质量指标", "合格率", "≥", Decimal(90), "%", Decimal(90), Decimal(40), line=4),
    ]
    lines = render_table(score_rows(rows)).splitlines()
    body = lines[2:5]
    points_col = {wcswidth(line[:line.index(p)]) for line, p in zip(body, ("10", "50", "40"), strict=True)}
    assert points_col == {wcswidth(lines[1][:lines[1].index("分值")])}
