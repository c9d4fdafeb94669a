"""Trade Desk in the browser (placeholder until the chat UI lands)."""

import streamlit as st

from assistant import Assistant


@st.cache_resource
def get_assistant() -> Assistant:
    """One Assistant per server process."""
    return Assistant()


st.set_page_config(page_title="Trade Desk", page_icon="📈")
st.title("Trade Desk")
articles = get_assistant().articles()
st.write(f"{len(articles)} articles ingested.")
for a in articles:
    st.text(f"{a.date or '':10}  {a.title}")
