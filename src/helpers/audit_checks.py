"""Arithmetic audit checks: the map of the modules that hold them, and their public names.

Every comparison works on intervals: a printed figure stands for every value that prints the
same (12.80万元 → 127,950 … 128,050 元), an approximate one (3600余人, 约…) for the range its word
allows (see ``helpers.audit_intervals``). Two figures disagree only when their intervals do not
meet, so a consistent text never raises an alarm however it rounds. Rules: docs/audit.md.

One module per check family (the registry in ``helpers.audit`` imports them directly):

- ``audit_products``    product: count × per-capita standard = amount
- ``audit_sums``        parts_sum, category_sum: 其中 parts and categories against totals
- ``audit_ratios``      ratio: stated ratios (``RATIO_RULES``) and shares against their terms
- ``audit_integrality`` integrality: a percentage must come from a whole numerator
- ``audit_consistency`` restatement: one figure, one value across sections
- ``audit_targets``     target: the target table against the sentences it quotes
- ``audit_labels``      label words shared by the checks (category_key, label_stem)

This module only re-exports those names for callers that import them from here."""

from __future__ import annotations

from helpers.audit_consistency import SCALAR, check_restatements
from helpers.audit_integrality import SHARE, achievable, check_integrality, denominators
from helpers.audit_labels import category_key, label_stem
from helpers.audit_products import check_products, product_triples
from helpers.audit_ratios import RATIO_RULES, SHARE_WORDS, RatioRule, check_ratios, share_pair
from helpers.audit_sums import SUMMABLE, check_categories, check_parts
from helpers.audit_targets import check_targets, target_value

__all__ = [
    "RATIO_RULES",
    "SCALAR",
    "SHARE",
    "SHARE_WORDS",
    "SUMMABLE",
    "RatioRule",
    "achievable",
    "category_key",
    "check_categories",
    "check_integrality",
    "check_parts",
    "check_products",
    "check_ratios",
    "check_restatements",
    "check_targets",
    "denominators",
    "label_stem",
    "product_triples",
    "share_pair",
    "target_value",
]
