"""Streamlit helpers of the chat page (they render; decisions live in chat/)."""
