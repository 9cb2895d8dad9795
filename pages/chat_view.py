"""The chat page (not named chat.py: Streamlit puts pages/ on sys.path, where it would shadow the chat package)."""

from pages._ui.chat_page import render

render()
