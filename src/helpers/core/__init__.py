"""Core: what every stage shares and nothing above it depends on in reverse.

Errors, paths (the one module that knows where things live), atomic writes, formatting per
docs/domain.md, provenance (hashes, code version), decoding of Chinese texts, text folding, the
generic ``Registry`` and the domain taxonomy (indicator hierarchy, directions, severities).
Modules are imported by name (``from helpers.core import paths``); nothing here imports another
stage.
"""
