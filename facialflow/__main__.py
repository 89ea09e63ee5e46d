"""``python -m facialflow``."""

from facialflow.cli import main

main()
