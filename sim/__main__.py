"""``python -m sim`` is the same as ``ssr-sim``."""

import sys

from .launch import main

sys.exit(main())
