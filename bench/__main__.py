"""`python -m bench smoke|all`."""

import sys

from bench.harness import main

sys.exit(main())
