"""The blank workbook filled in as an analyst would (shared by the openpyxl and LibreOffice round
trips). Method 2020, worked by hand: 9.65 + 4.84 + 5 + 5 + 5 + 4.50 + 3.00 + 5 × 4 + 27 + 10 = 93.99 (优)."""

from decimal import Decimal
from pathlib import Path

import openpyxl

from helpers.evaluation.targets import load_targets
from helpers.evaluation.workbook import HEADER_ROW, MONEY_ROW, write_workbook

TOTAL = Decimal("93.99")


def filled_workbook(path: Path) -> Path:
    """Write the blank workbook of the seed's insurance targets to ``path`` and fill it in."""
    out = write_workbook(load_targets(2024, "family-accident-insurance"), path)
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    ws.cell(MONEY_ROW, 4, 15.02)        # execution 10 × 14.5/15.02 = 9.6538 → 9.65
    ws.cell(MONEY_ROW, 5, 14.50)
    r0 = HEADER_ROW
    fill = {
        r0 + 1: (None, 3100, None),     # 5 × 3100/3200 = 4.84375 → 4.84
        r0 + 2: (None, 444, None),      # 5.00
        r0 + 3: (None, 3644, None),     # 3644/3600 capped → 5.00
        r0 + 4: (None, "达成", 5),       # quality set by the analyst: 定性, 达成 5 → 5.00
        r0 + 5: (None, "达成", 4.5),     # 4.50 in [4, 5]
        r0 + 6: (None, "部分达成", 3),    # 3.00 in [3, 4)
        r0 + 7: (None, 40, None),       # = → 5.00
        r0 + 8: (None, 50, None),       # = → 5.00
        r0 + 9: (None, 12.80, None),    # ≤ → 5.00
        r0 + 10: (None, 2.22, None),    # ≤ → 5.00
        r0 + 11: (None, "达成", 27),     # 27.00 in [24, 30]
        r0 + 12: (90, 92, None),        # satisfaction target set by the analyst: 92/90 capped → 10.00
    }
    for r, (target, actual, score) in fill.items():
        if target is not None:
            ws.cell(r, 5, target)
        ws.cell(r, 7, actual)
        if score is not None:
            ws.cell(r, 9, score)
        ws.cell(r, 10, "说明")
    ws.cell(r0 + 4, 4, "定性")
    ws.cell(r0 + 4, 5, "合格")
    ws.cell(r0 + 12, 4, "≥")
    wb.save(out)
    return out
