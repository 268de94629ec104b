"""The audit checks, one module per family, and the one registration block (run order).

Importing this package fills ``helpers.audit.base.registry``; ``helpers.audit`` imports it.
"""

from helpers.audit.base import Check, registry
from helpers.audit.checks import consistency, integrality, products, ratios, sums, targets
from helpers.audit.checks import text as t

for check in (
    Check("product", "product", "error", "数量×标准＝金额",
          "计划人数乘以每人补助标准，应等于文本所写的补助金额（容差取金额的打印精度）。",
          products.check_products),
    Check("parts_sum", "sum", "error", "分项之和＝总数",
          "“其中”所列各分项之和，应等于其前面的总数。", sums.check_parts),
    Check("category_sum", "sum", "error", "各类合计＝总体数",
          "分类列出的计划人数或金额之和，应落在文本另处所写的总体数（含“余”“约”等约数）的范围内。",
          sums.check_categories),
    Check("ratio", "ratio", "error", "比率＝分子÷分母",
          "文本所写的比率（如赔付率），应等于文本同时给出的分子除以分母（考虑两者的打印精度）。",
          ratios.check_ratios),
    Check("integrality", "integrality", "note", "百分比可由整数得到",
          "以文本所给的个数为分母时，所写百分比应能由某个整数分子得到。", integrality.check_integrality),
    Check("restatement", "consistency", "error", "同一数字前后一致",
          "同一项目中同一口径的数字在不同部分出现时，应一致。", consistency.check_restatements),
    Check("duplicate_section", "text", "warning", "项目间文字雷同",
          "同一文本中两个项目的同一部分逐字相同；若内容属于另一项目，则为错误。",
          t.check_duplicates),
    Check("foreign_project", "text", "error", "引用他项目为本项目",
          "立项依据、实施内容中“组织实施……项目”所称项目应为本项目。", t.check_foreign_project),
    Check("section_subject", "text", "error", "内容不属于本项目",
          "实施内容、资金安排等部分讲述的应是本项目的事项，而非另一类项目。", t.check_subject),
    Check("year_reference", "text", "warning", "年度与预算年度不符",
          "计划、实施年度应为本文本的预算年度；已完成的情况不应晚于预算年度。", t.check_years),
    Check("target", "target", "error", "目标表与文本一致",
          "绩效目标表（data/targets/）中的指标值应与其来源引文中的数字一致。", targets.check_targets),
):
    registry.register(check)
