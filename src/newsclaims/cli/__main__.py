"""``python -m newsclaims.cli``: the same as the ``newsclaims`` command."""

import sys

from newsclaims.cli import main

sys.exit(main())
