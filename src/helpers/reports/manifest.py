"""The build manifest, reports/manifest.json: what each report was built from (params, notebook,
inputs, code), its status, timings and outputs with sha256, and each year's audit outputs. A
report's fingerprint decides whether the last good build can be reused (``up_to_date``)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.core import atomic, paths, provenance

if TYPE_CHECKING:
    from helpers.reports.worker import Job, Result


_TEMPLATE_SHA: dict[str, str] = {}


def template_sha256(path: Path) -> str:
    """sha256 of the report notebook as committed (outputs stripped): running a template in
    JupyterLab neither changes the report nor forces a rebuild. Computed once per notebook
    content in a process (keyed by the sha256 of the file's bytes), so a batch of many reports
    of one template cleans it once."""
    from helpers.reports.worker import clean_template_text

    raw = provenance.sha256_bytes(Path(path).read_bytes())
    if raw not in _TEMPLATE_SHA:
        _TEMPLATE_SHA[raw] = provenance.sha256_bytes(clean_template_text(path).encode("utf-8"))
    return _TEMPLATE_SHA[raw]


def fingerprint(job: Job, code: dict[str, Any], formats: tuple[str, ...]) -> str | None:
    """What makes a report what it is; None when the code has uncommitted changes (no reuse)."""
    if not code.get("git_commit") or code.get("git_dirty") is not False:
        return None
    blob = json.dumps({"params": job.params.parameters, "notebook": job.params.notebook,
                       "notebook_sha256": template_sha256(job.params.notebook_path),
                       "inputs": job.inputs, "code": code, "formats": sorted(formats)},
                      sort_keys=True, ensure_ascii=False)
    return provenance.sha256_bytes(blob.encode())


def manifest_path() -> Path:
    """reports/manifest.json."""
    return paths.reports_dir() / "manifest.json"


def read_manifest() -> tuple[dict[str, Any], str | None]:
    """The manifest of the last build and, when it could not be used, why: missing is fine (an
    empty manifest, no problem); unreadable JSON or the wrong shape gives an empty manifest and
    the reason, so the build can rebuild it from the files on disk (:func:`recover`)."""
    path = manifest_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, None
    except (OSError, UnicodeDecodeError) as exc:
        return {}, f"unreadable ({type(exc).__name__})"
    try:
        data = json.loads(text)
    except ValueError as exc:
        return {}, f"not JSON ({str(exc).splitlines()[0]})"
    problem = _shape_problem(data)
    return (data, None) if problem is None else ({}, problem)


def _shape_problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        return f"expected an object, found {type(data).__name__}"
    for key in ("reports", "years"):
        section = data.get(key, {})
        if not isinstance(section, dict):
            return f"'{key}' should map names to entries, found {type(section).__name__}"
        for name, entry in section.items():
            if not isinstance(entry, dict) or not isinstance(entry.get("outputs", {}), dict):
                return f"entry {key}/{name} has the wrong shape"
            if any(not isinstance(o, dict) or not isinstance(o.get("path"), str)
                   for o in entry.get("outputs", {}).values()):
                return f"entry {key}/{name} has an output without a path"
    return None


def load_manifest() -> dict[str, Any]:
    """The manifest of the last build; an empty dict when it is missing, unreadable or of the
    wrong shape (see :func:`read_manifest` for the reason)."""
    return read_manifest()[0]


def recover(jobs: list[Job]) -> dict[str, Any]:
    """A manifest rebuilt from the files on disk, for when the manifest itself is lost: each
    report whose outputs exist is listed with them (sha256 of the files as they are), marked
    ``recovered`` and with no fingerprint, so it is rebuilt, yet kept if that rebuild fails."""
    from helpers.reports.worker import TABLE_KINDS

    reports: dict[str, Any] = {}
    for job in jobs:
        outputs = {}
        for kind in ("ipynb", "html", "pdf", *TABLE_KINDS):
            f = job.out_dir / f"{job.params.name}.{TABLE_KINDS.get(kind, kind)}"
            if f.is_file():
                outputs[kind] = out_record(f)
        if "html" in outputs or "pdf" in outputs:
            reports[job.key] = {"params_file": paths.relative(job.params.path), "title": job.title,
                                "unit": job.unit, "key_figures": job.key_figures,
                                "findings": job.findings, "status": "ok", "recovered": True,
                                "fingerprint": None, "outputs": outputs}
    years: dict[str, Any] = {}
    for year in sorted({str(j.params.year) for j in jobs}):
        outs = {k: out_record(paths.reports_dir() / year / name)
                for k, name in (("audit_html", "audit.html"), ("audit_csv", "audit.csv"))
                if (paths.reports_dir() / year / name).is_file()}
        if outs:
            years[year] = {"outputs": outs}
    return {"reports": reports, "years": years}


def up_to_date(job: Job, fp: str | None, manifest: dict[str, Any], formats) -> bool:
    """Whether the report of ``job`` was built ok with fingerprint ``fp`` and every output of
    ``formats`` is still on disk (so the build can skip it)."""
    entry = manifest.get("reports", {}).get(job.key)
    if fp is None or not entry or entry.get("status") != "ok" or entry.get("fingerprint") != fp:
        return False
    if "key_figures" not in entry:        # written before key figures were recorded
        return False
    return all((paths.project_root() / entry["outputs"][f]["path"]).is_file()
               for f in ("ipynb", *formats) if f in entry.get("outputs", {})) and \
        all(f in entry.get("outputs", {}) for f in formats)


def audit_up_to_date(year: str, fp: str | None, manifest: dict[str, Any]) -> bool:
    """Whether the year's audit page and CSV were written from inputs of fingerprint ``fp``
    (:func:`helpers.reports.batch.year_audit_fingerprint`) and are still on disk."""
    entry = manifest.get("years", {}).get(year)
    if fp is None or not entry or entry.get("fingerprint") != fp:
        return False
    outputs = entry.get("outputs", {})
    return {"audit_html", "audit_csv"} <= set(outputs) and \
        all((paths.project_root() / o["path"]).is_file() for o in outputs.values())


def out_record(path: Path) -> dict[str, str]:
    """An output file as recorded in the manifest: its path from the project root and sha256."""
    return {"path": paths.relative(path), "sha256": provenance.sha256_file(path)}


def write_manifest(manifest, results, by_key, fps, code, started, audits=None) -> None:
    """Write reports/manifest.json atomically: every report built now (with its inputs,
    parameters, code version, outputs and fingerprint), the failed ones keeping the record of
    their last good build, the skipped ones and the year audits as they were. ``audits`` maps a
    year to the record of the audit written now (``{"outputs": …, "fingerprint": …}``; a year not
    in it keeps its record). When nothing but ``updated_at`` would change (a no-op build) the file
    is not written at all."""
    reports = dict(manifest.get("reports", {}))
    for r in results:
        if r.status == "skipped":
            continue
        job = by_key[r.key]
        prev = reports.get(r.key, {})
        entry = {
            "params_file": paths.relative(job.params.path),
            "notebook": paths.relative(job.params.notebook_path),
            "notebook_sha256": template_sha256(job.params.notebook_path),
            "parameters": job.params.parameters,
            "title": job.title,
            "unit": job.unit,
            "key_figures": job.key_figures,
            "findings": job.findings,
            "inputs": job.inputs,
            "code": code,
            "status": r.status,
            "error": r.error,
            "stage": r.stage,
            "timings": {k: round(v, 3) for k, v in r.timings.items()},
            "fingerprint": fps.get(r.key) if r.status == "ok" else None,
            "built_at": started,
        }
        if r.status == "ok":
            entry["outputs"] = r.outputs
        else:   # the previous good outputs are still there and still described
            entry["outputs"] = prev.get("outputs", {}) if prev.get("outputs") else {}
            entry["failed_outputs"] = r.outputs
            entry["key_figures"] = prev.get("key_figures") if entry["outputs"] else None  # the kept report's
            entry["findings"] = prev.get("findings") if entry["outputs"] else None
            if prev.get("status") == "ok" or prev.get("last_good"):
                entry["last_good"] = prev.get("last_good") or {
                    k: prev.get(k) for k in ("built_at", "code", "inputs", "fingerprint")}
        reports[r.key] = entry
    years = dict(manifest.get("years", {}))
    for y, record in (audits or {}).items():
        if "outputs" not in record:           # a bare {kind: output record}, as write_year_audit gives
            record = {"outputs": record}
        years[y] = {**record, "built_at": started}
    data = {"generator": "budget-reports", "updated_at": started, "code": code,
            "reports": dict(sorted(reports.items())), "years": dict(sorted(years.items()))}
    if {**data, "updated_at": None} == {**manifest, "updated_at": None} and manifest_path().is_file():
        return        # nothing built, nothing changed: the file (and its mtime) stays as it is
    atomic.write_text(manifest_path(), json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n")


def result_dict(r: Result) -> dict[str, Any]:
    """A build result as a plain dict (without the private staging paths)."""
    d = asdict(r)
    d.pop("staged", None)
    return d
