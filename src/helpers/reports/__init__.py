"""Reports: parameter files, the papermill batch (workers, manifest), HTML and PDF rendering,
charts, the data behind each report section, and the published indexes and audit pages.

Modules are imported by name (``from helpers.reports import report_data``): the batch pulls in
papermill and the notebook machinery, which a notebook kernel rendering one report never needs.
"""
