"""The naive Streamlit chat `bench/ui_ttft.py` compares Charla with: `st.write_stream` of the Groq SDK's stream.

No history, no window, no store, no limits: the least a chat page can do. Run by the benchmark only.
"""

import os

import streamlit as st
from groq import Groq

client = Groq(api_key=os.environ["GROQ_API_KEY"], base_url=os.environ["GROQ_BASE_URL"], max_retries=0)
if "history" not in st.session_state:
    st.session_state.history = []
for role, text in st.session_state.history:
    st.chat_message(role).markdown(text)
prompt = st.chat_input("Message")
if prompt:
    st.chat_message("user").markdown(prompt)
    with st.chat_message("assistant"):
        stream = client.chat.completions.create(
            model="openai/gpt-oss-20b", messages=[{"role": "user", "content": prompt}], stream=True
        )
        text = st.write_stream(c.choices[0].delta.content or "" for c in stream if c.choices)
    st.session_state.history += [("user", prompt), ("assistant", str(text))]
