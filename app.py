"""Launcher: `streamlit run app.py` serves the chat UI at / and POST /api/chat from the same process."""

import streamlit as st

from chat import warm_up
from chat.api import middleware, routes

# SDKs, encoder, store, MCP servers and the page's own modules load now, not in the first visitor's page and reply
warm_up(pages=("streamlit.emojis", "pages._ui.chat_page"))
app = st.App("pages/router.py", routes=routes(), middleware=middleware())
