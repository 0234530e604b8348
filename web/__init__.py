"""The bureau's and specialists' web console (Starlette, server-rendered): `python run_bot.py web`."""
