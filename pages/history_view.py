"""The history page (not named history.py, for the same reason as chat_view.py)."""

from pages._ui.history import render

render()
