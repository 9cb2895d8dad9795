"""Launcher: `streamlit run app.py` serves the chat UI at / and POST /api/chat from the same process."""

import streamlit as st

from chat.api import routes

app = st.App("pages/router.py", routes=routes())
