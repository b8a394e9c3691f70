"""The Streamlit script of the dashboard: ``streamlit run app.py`` (or ``premia dashboard``).

Scenario files given after ``--`` as ``--scenario FILE`` (``premia dashboard FILE``) are
offered first in the scenario picker, besides the shipped scenarios and an uploaded file.
Below the run, the scenario's ``[[question]]``s are listed and one can be checked.
"""

import sys

import streamlit as st

from premia.dashboard import qview, scenario_files, view
from premia.report.texts import t

st.set_page_config(page_title="premia", layout="wide")
lang = view.sidebar_language()
st.title(t(lang, "dash_title"))
st.write(t(lang, "dash_intro"))
source, overrides, seed, pressed = view.sidebar_inputs(lang, scenario_files(sys.argv[1:]))
if pressed and source is not None:
    view.execute(source, overrides, seed, lang)
view.results(lang, source.key if source is not None else None)
qview.panel(lang, source)
