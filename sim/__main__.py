"""``python -m sim`` is the same as ``ssr-sim``."""

import sys

from .cli import main

sys.exit(main())
