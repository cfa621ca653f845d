"""``python -m ar_xl.cli``: the ``ar-xl`` command."""
import sys

from . import main

sys.exit(main())
