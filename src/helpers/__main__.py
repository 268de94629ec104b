"""Entry point of ``python -m helpers``: run :func:`helpers.cli.main` and exit with its status.

The command reaps every process it starts, orphans included (helpers.core.reaping)."""
from helpers.cli import main
from helpers.core.reaping import become_subreaper, reap_orphans

become_subreaper()
try:
    status = main()
finally:
    reap_orphans()
raise SystemExit(status)
