"""The UI entry script: the page list (Chat, History)."""

import streamlit as st

from chat import t

st.set_page_config(page_title="Charla", page_icon="💬", layout="centered")
lang = st.session_state.get("lang", "en")
pages = [
    st.Page("chat_view.py", title=t("ui.nav_chat", lang), icon=":material/chat:", url_path="chat", default=True),
    st.Page("history_view.py", title=t("ui.nav_history", lang), icon=":material/history:", url_path="history"),
]
st.navigation(pages).run()
