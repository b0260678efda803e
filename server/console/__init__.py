"""The staff console: login, the live board, call control, listen-in, history and analytics.

Everything under `/console` needs a staff session (see `auth.py`); the console websocket's wire
format is defined once, in `wire.py`.
"""
