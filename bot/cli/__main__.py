"""`python -m bot.cli` is the same as the `trustcoach` command (the Telegram benchmark uses it)."""

import sys

from bot.cli import main

sys.exit(main())
