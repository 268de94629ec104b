import subprocess
import sys

import pytest

from helpers.core import paths
from helpers.core.errors import ParameterError
from helpers.reports import params

GOOD = "notebook: project_report\nparameters:\n  project_id: association-operations\n  year: 2024\n"


def write(root, text, name="association-operations.yaml", year="2024"):
    p = root / "params" / year / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def test_yaml_keeps_dates_as_strings(tmp_path):
    p = tmp_path / "a.yaml"
    p.write_text("as_of: 2023-09-30\nyear: 2024\n", encoding="utf-8")
    assert params.load_yaml(p) == {"as_of": "2023-09-30", "year": 2024}


def test_declared_parameters_follow_papermill_inspection():
    decl = params.declared_parameters(paths.notebooks_dir() / "project_report.ipynb")
    assert {k: v["inferred_type_name"] for k, v in decl.items()} == {"project_id": "str", "year": "int"}
    assert all(v["help"] for v in decl.values())


def test_committed_params_are_what_the_catalogue_generates():
    expected = params.expected_files()
    committed = set(params.param_files())
    assert committed == set(expected)
    for path, text in expected.items():
        assert path.read_text(encoding="utf-8") == text, path


def test_good_file_loads_with_defaults_filled(project_copy):
    ps = params.load_param_file(write(project_copy, GOOD))
    assert ps.parameters == {"project_id": "association-operations", "year": 2024}
    assert ps.name == "association-operations" and ps.notebook == "project_report"


@pytest.mark.parametrize("text, message, line", [
    (GOOD + "  colour: red\n", "unknown parameter 'colour'", 5),
    (GOOD.replace("year: 2024", "year: '2024'"), "parameter 'year' must be int", 4),
    (GOOD.replace("year: 2024", "year: true"), "parameter 'year' must be int", 4),
    (GOOD.replace("association-operations", "no-such-project"), "unknown project 'no-such-project'", 3),
    (GOOD.replace("year: 2024", "year: 1999"), "unknown year 1999", 4),
    (GOOD.replace("notebook: project_report", "notebook: nope"), "unknown notebook 'nope'", 1),
    (GOOD + "extra: 1\n", "unknown key 'extra'", 5),
    ("notebook: [unclosed\n", "invalid YAML", 2),
    ("- a\n- b\n", "expected a mapping", None),
    # the line of the key itself, not of an earlier comment or value that starts with its name
    ("# year: the budget year\n" + GOOD.replace("year: 2024", "year: 1999"), "unknown year 1999", 5),
    ("notebook: project_report\nparameters: {project_id: association-operations, year: 1999}\n",
     "unknown year 1999", 2),
])
def test_bad_params_name_the_file(project_copy, text, message, line):
    p = write(project_copy, text)
    with pytest.raises(ParameterError) as err:
        params.load_param_file(p)
    assert message in err.value.message
    assert err.value.path == "params/2024/association-operations.yaml"
    assert err.value.line == line


def test_generate_writes_one_file_per_report_and_removes_stale_generated(project_copy):
    stale = write(project_copy, params.GENERATED_MARK + " from x\nnotebook: project_report\n", "gone.yaml")
    hand = write(project_copy, GOOD, "hand-kept.yaml")
    params.generate()
    names = sorted(p.name for p in (project_copy / "params" / "2024").iterdir())
    assert names == ["_overview.yaml", "association-operations.yaml", "family-accident-insurance.yaml",
                     "hand-kept.yaml"]
    assert not stale.exists() and hand.exists()
    assert params.generate() == []          # idempotent


def test_build_with_bad_params_exits_2_before_any_kernel(project_copy):
    write(project_copy, GOOD.replace("year: 2024", "year: 2024.5"))
    proc = subprocess.run([sys.executable, "-m", "helpers", "build", "--formats", "html"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert lines == [lines[-1]] and lines[0].startswith("error: params/2024/association-operations.yaml:4")
    assert "Traceback" not in proc.stderr
    assert list((project_copy / "reports").iterdir()) == []   # nothing ran, nothing written


def test_params_command_check(project_copy):
    proc = subprocess.run([sys.executable, "-m", "helpers", "params", "--check"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "3 params file(s) ok" in proc.stdout


def test_params_command_unknown_year_exits_2(project_copy):
    before = sorted(p.relative_to(project_copy) for p in (project_copy / "params").rglob("*"))
    proc = subprocess.run([sys.executable, "-m", "helpers", "params", "--year", "1999"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: data/raw/1999/: nothing to build for year 1999 (known years: 2024)"]
    assert sorted(p.relative_to(project_copy) for p in (project_copy / "params").rglob("*")) == before


def test_key_lines_come_from_the_yaml_nodes():
    text = "# notebook: a comment\nnotebook: project_report\nparameters:\n  year: 2024\n  project_id: x\n"
    assert params.key_lines(text) == {("notebook",): 2, ("parameters",): 3, ("parameters", "year"): 4,
                                      ("parameters", "project_id"): 5}
    assert params.key_lines("a: [unclosed") == {}
