"""Launcher: `streamlit run app.py` serves the chat UI at / and POST /api/chat from the same process."""

import streamlit as st

from chat import warm_up
from chat.api import middleware, routes

warm_up()  # SDKs, encoder, store and MCP servers load now, not in the first visitor's reply
app = st.App("pages/router.py", routes=routes(), middleware=middleware())
