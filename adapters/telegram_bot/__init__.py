"""The Telegram adapter, on python-telegram-bot: handlers, rendering, the notifier and the service."""
