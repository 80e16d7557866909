"""The Telegram channel: python-telegram-bot 22 on the channel-neutral dialogue engine."""
