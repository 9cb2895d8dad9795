"""The UI entry script (placeholder until the pages land)."""

import streamlit as st

st.title("Charla")
