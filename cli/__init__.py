"""run_bot.py's subcommands, and the process wiring that starts a channel with its background tasks."""
