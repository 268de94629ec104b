"""Indicators: derived performance indicators computed from the ingested facts.

Importing this package registers every definition (``helpers.indicators.definitions``), so
``registry`` is full in a fresh interpreter. Public API: the ``registry``, ``compute_indicators``,
``headline_figures``, ``indicators_frame``, ``write_indicators_xlsx`` and the building blocks to
define a new indicator (``Indicator``, ``FactIndex``; see docs/architecture.md).
"""

from helpers.indicators import definitions as _definitions  # noqa: F401  (runs the registration block)
from helpers.indicators.base import (
    FORMATS,
    FactIndex,
    Indicator,
    IndicatorRegistry,
    IndicatorResult,
    Trace,
    display_value,
    metric_name,
    registry,
)
from helpers.indicators.compute import compute_indicators, headline_figures, headline_results
from helpers.indicators.export import COLUMNS, indicators_frame, write_indicators_xlsx

__all__ = [
    "COLUMNS", "FORMATS", "FactIndex", "Indicator", "IndicatorRegistry", "IndicatorResult", "Trace",
    "compute_indicators", "display_value", "headline_figures", "headline_results", "indicators_frame",
    "metric_name", "registry", "write_indicators_xlsx",
]
