"""The Streamlit script of the dashboard: ``streamlit run app.py`` (or ``premia dashboard``)."""

import streamlit as st

from premia.dashboard import view
from premia.report.texts import t

st.set_page_config(page_title="premia", layout="wide")
lang = view.sidebar_language()
st.title(t(lang, "dash_title"))
st.write(t(lang, "dash_intro"))
name, overrides, seed, pressed = view.sidebar_inputs(lang)
if pressed:
    view.execute(name, overrides, seed, lang)
view.results(lang, name)
