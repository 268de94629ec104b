"""Entry point of ``python -m helpers``: run :func:`helpers.cli.main` and exit with its status."""
from helpers.cli import main

raise SystemExit(main())
