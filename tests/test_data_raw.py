"""data/raw is documented and unchanged: every file is listed in its README with its sha256."""

import hashlib
import re

from helpers.core.paths import raw_dir


def test_every_raw_file_is_recorded_with_its_hash():
    readme = (raw_dir() / "README.md").read_text(encoding="utf-8")
    recorded = dict(re.findall(r"^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$", readme, flags=re.M))
    files = sorted(p for p in raw_dir().rglob("*") if p.is_file() and p.name != "README.md")
    assert files, "no raw data"
    for path in files:
        rel = path.relative_to(raw_dir()).as_posix()
        assert rel in recorded, f"{rel} is not listed in data/raw/README.md"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == recorded[rel], f"{rel} changed"
