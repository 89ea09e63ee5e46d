"""``python -m facialflow``."""

import signal

# Ctrl-C while still importing: end quietly, as killed by SIGINT (a shell reports 130);
# once the CLI runs, it turns Ctrl-C into exit 130 itself
signal.signal(signal.SIGINT, signal.SIG_DFL)

from facialflow.cli import run  # noqa: E402

signal.signal(signal.SIGINT, signal.default_int_handler)
run()
