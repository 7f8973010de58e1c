"""``python -m bot.cli``: the ``briefbot`` command."""

import sys

from bot.cli import main

sys.exit(main())
