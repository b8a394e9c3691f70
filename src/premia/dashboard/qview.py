"""The dashboard's questions panel, drawn with Streamlit from
:mod:`premia.dashboard.questions`: the scenario's ``[[question]]``s, their variants,
criteria and placebo, and a check of one over a few seeds with a progress bar."""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import streamlit as st

from premia.claims.prose import outcome
from premia.dashboard import questions as dq
from premia.dashboard.logic import Source
from premia.loading import ScenarioError
from premia.questions.core import Question
from premia.questions.figure import effects_figure

STATE = "question_check"


def _table(rows: list[dict[str, str]], lang: str) -> None:
    frame = pd.DataFrame(rows)
    frame.columns = [dq.tq(lang, c) for c in frame.columns]
    st.table(frame.set_index(frame.columns[0]))


def _found(source: Source) -> dict[str, Question]:
    """The source's questions, kept for the session (keyed by its content)."""
    cache = st.session_state.setdefault("questions_of", {})
    key = (source.key, str(source.raw))
    if key not in cache:
        cache[key] = dq.source_questions(source)
    return cache[key]


def describe(q: Question, lang: str) -> None:
    """The question's title, summary, variants, criteria and placebo."""
    title = (q.title_zh if lang == "zh" else "") or q.title
    summary = (q.summary_zh if lang == "zh" else "") or q.summary
    st.markdown(f"**{q.id}** · {title}")
    if summary:
        st.caption(summary)
    st.markdown(f"*{dq.tq(lang, 'variants')}*")
    _table(dq.variant_rows(q, lang), lang)
    if q.equal_spending:
        st.caption(dq.tq(lang, "equal_spending", names=", ".join(q.equal_spending)))
    st.markdown(f"*{dq.tq(lang, 'criteria')}*")
    _table(dq.criterion_rows(q, lang), lang)
    st.markdown(f"*{dq.tq(lang, 'placebo')}*: {dq.placebo_text(q, lang)}")


def _inputs(q: Question, lang: str, prefix: str) -> tuple[int, int, int, bool]:
    sizes = dq.check_sizes(q)
    st.markdown(f"*{dq.tq(lang, 'check_size')}*")
    left, mid, right = st.columns(3)
    s_lo, s_hi, s_def = sizes["seeds"]
    seeds = left.number_input(dq.tq(lang, "seeds"), s_lo, s_hi, s_def, 1,
                              key=f"{prefix}:q_seeds")
    p_lo, p_hi, p_def = sizes["periods"]
    periods = mid.number_input(dq.tq(lang, "periods"), p_lo, p_hi, p_def, 12,
                               key=f"{prefix}:q_periods")
    c_lo, c_hi, c_def = sizes["consumers"]
    consumers = right.number_input(dq.tq(lang, "consumers"), c_lo, c_hi, c_def, 100,
                                   key=f"{prefix}:q_consumers")
    early = dq.early_warning(q, int(periods), lang)
    if early:
        st.warning(early)
    pressed = st.button(dq.tq(lang, "check"), key="check_question")
    return int(seeds), int(periods), int(consumers), pressed


def _run(q: Question, prefix: str, size: tuple[int, int, int], lang: str) -> None:
    seeds, periods, consumers = size
    bar = st.progress(0.0, text=dq.tq(lang, "checking", done=0, total=seeds))
    start = time.perf_counter()
    try:
        result = dq.check(q, seeds, periods, consumers, progress=lambda d, n: bar.progress(
            d / n, text=dq.tq(lang, "checking", done=d, total=n)))
    except Exception as exc:  # a failed check is shown in the page, not as a traceback
        st.session_state[STATE] = {"key": prefix, "error": f"{type(exc).__name__}: {exc}"}
        bar.empty()
        return
    bar.empty()
    st.session_state[STATE] = {"key": prefix, "result": result, "seeds": seeds,
                               "periods": periods, "consumers": consumers,
                               "seconds": time.perf_counter() - start}


def show_result(stored: dict[str, Any], lang: str) -> None:
    """A check's verdicts, sentences, criteria table, warnings and figure."""
    if "error" in stored:
        st.error(f"{dq.tq(lang, 'check_failed')}: {stored['error']}")
        return
    result = stored["result"]
    line = dq.verdict_line(result, lang)
    {"holds": st.success, "fails": st.error}.get(result["verdict"], st.warning)(line)
    st.caption(dq.tq(lang, "check_done", seeds=stored["seeds"], periods=stored["periods"],
                     consumers=stored["consumers"], seconds=stored["seconds"]))
    for sentence in outcome(lang, result):
        st.markdown(sentence)
    _table(dq.result_rows(result, lang), lang)
    for note in result.get("warnings", []):
        st.warning(note)
    st.plotly_chart(effects_figure(result, lang), width="stretch")
    st.caption(dq.tq(lang, "small_note"))


def panel(lang: str, source: Source | None) -> None:
    """The questions of the picked scenario, one described and checked on request."""
    if source is None:
        return
    st.divider()
    st.subheader(dq.tq(lang, "questions"))
    try:
        found = _found(source)
    except ScenarioError as exc:
        st.error(str(exc))
        return
    if not found:
        st.caption(dq.tq(lang, "no_questions"))
        return
    ids = list(found)
    qid = st.selectbox(dq.tq(lang, "pick_question"), ids, key=f"{source.key}:question",
                       format_func=lambda i: f"{i}: {found[i].title}")
    q = found[qid]
    describe(q, lang)
    prefix = f"{source.key}:{qid}"
    seeds, periods, consumers, pressed = _inputs(q, lang, prefix)
    if pressed:
        _run(q, prefix, (seeds, periods, consumers), lang)
    stored = st.session_state.get(STATE)
    if stored and stored["key"] == prefix:
        show_result(stored, lang)
