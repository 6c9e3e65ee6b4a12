"""``python -m b3os.cli`` is the ``b3os`` command."""

import sys

from b3os.cli import main

sys.exit(main())
