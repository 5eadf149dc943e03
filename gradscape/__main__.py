"""``python -m gradscape``: the ``gradscape`` command."""

import sys

from gradscape.app.cli import main

if __name__ == "__main__":
    sys.exit(main())
