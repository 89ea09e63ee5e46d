"""``python -m facialflow``."""

import sys

try:
    from facialflow.cli import main

    main()
except KeyboardInterrupt:
    # Ctrl-C while the program is still starting up: the same exit as later on
    sys.stderr.write("Interrupted\n")
    sys.exit(130)
