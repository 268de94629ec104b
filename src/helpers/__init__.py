"""Budget-performance report suite: ingest disclosure texts, compute indicators, score
self-evaluations, audit consistency and render reports. Every calculation lives here;
notebooks only call into this package and present the results."""

__version__ = "0.1.0"
