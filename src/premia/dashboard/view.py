"""The dashboard's page, drawn with Streamlit from :mod:`premia.dashboard.logic`."""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from premia.dashboard import logic
from premia.dashboard.params import ParamSpec, event_switches, key_params, size_bounds
from premia.loading import ScenarioError
from premia.report.texts import EVENT_WORDS, PARAM_LABELS, t

LANG_NAMES = {"zh": "中文", "en": "English"}


def sidebar_language() -> str:
    """The language picker (the first widget, so every label follows it)."""
    return st.sidebar.radio("语言 / Language", list(LANG_NAMES), format_func=LANG_NAMES.get,
                            horizontal=True, key="lang")


def _widget(spec: ParamSpec, lang: str, name: str) -> Any:
    label = f"{PARAM_LABELS[lang].get(spec.field, spec.field)} · {spec.entity}"
    key = f"{name}:{spec.path}"
    if spec.is_share:
        return st.slider(label, 0.0, 1.0, spec.value, 0.01, key=key, help=spec.path)
    lo = None if spec.lo == float("-inf") else spec.lo
    hi = None if spec.hi == float("inf") else spec.hi
    if spec.integer:
        return st.number_input(label, int(lo) if lo is not None else None,
                               int(hi) if hi is not None else None, int(spec.value), 1,
                               key=key, help=spec.path)
    return st.number_input(label, lo, hi, spec.value, key=key, help=spec.path, format="%g")


def sidebar_inputs(lang: str) -> tuple[str, dict[str, Any], int, bool]:
    """Scenario, overrides (size and key parameters), seed and whether Run was pressed."""
    names = logic.scenario_names()
    default = names.index("minimal") if "minimal" in names else 0
    name = st.sidebar.selectbox(t(lang, "pick_scenario"), names, index=default, key="scenario",
                                format_func=lambda n: f"{n}: {logic.scenario_title(n)}")
    sc = logic.load(name)
    bounds = size_bounds(sc)
    st.sidebar.subheader(t(lang, "size"))
    p_lo, p_hi, p_def = bounds["periods"]
    c_lo, c_hi, c_def = bounds["consumers"]
    overrides: dict[str, Any] = {
        "scenario.periods": st.sidebar.slider(t(lang, "periods"), p_lo, p_hi, p_def, 12,
                                              key=f"{name}:periods"),
        "scenario.consumers": st.sidebar.slider(t(lang, "consumers"), c_lo, c_hi, c_def, 100,
                                                key=f"{name}:consumers"),
    }
    seed = int(st.sidebar.number_input(t(lang, "seed"), 0, 2**31 - 1, sc.scenario.seed,
                                       key=f"{name}:seed"))
    switches = event_switches(sc)
    if switches:
        st.sidebar.subheader(t(lang, "interventions"))
    for sw in switches:
        words = EVENT_WORDS[lang]
        when = words["month"].format(at=sw.at) if lang == "zh" else f"month {sw.at}"
        overrides[sw.path] = st.sidebar.checkbox(f"{words.get(sw.kind, sw.kind)} #{sw.index} · "
                                                 f"{when}", sw.enabled, key=f"{name}:{sw.path}",
                                                 help=sw.path)
    st.sidebar.subheader(t(lang, "params"))
    with st.sidebar:
        for spec in key_params(sc):
            overrides[spec.path] = _widget(spec, lang, name)
    pressed = st.sidebar.button(t(lang, "run"), type="primary", key="run")
    return name, overrides, seed, pressed


def _baseline(name: str, overrides: dict[str, Any], seed: int):
    size = {k: v for k, v in overrides.items() if k.startswith("scenario.")}
    key = (name, tuple(sorted(size.items())), seed)
    cache = st.session_state.setdefault("baselines", {})
    if key not in cache:
        cache[key] = logic.run_scenario(name, size, seed)
    return cache[key]


def execute(name: str, overrides: dict[str, Any], seed: int, lang: str) -> None:
    """Run the scenario (with a progress bar) and its baseline; store them or the error."""
    st.session_state.pop("error", None)
    bar = st.progress(0.0, text=t(lang, "running", done=0, total=overrides["scenario.periods"]))
    start = time.perf_counter()
    try:
        res = logic.run_scenario(name, overrides, seed, progress=lambda d, n: bar.progress(
            d / n, text=t(lang, "running", done=d, total=n)))
        base = _baseline(name, overrides, seed)
    except ScenarioError as exc:
        st.session_state["error"] = str(exc)
        st.session_state.pop("result", None)
        bar.empty()
        return
    bar.empty()
    st.session_state["result"] = {"name": name, "run": res, "baseline": base,
                                  "seconds": time.perf_counter() - start}


def results(lang: str, name: str) -> None:
    """Metrics against the baseline, the chart tabs and the downloads."""
    if "error" in st.session_state:
        st.error(f"{t(lang, 'invalid')}: {st.session_state['error']}")
        return
    stored = st.session_state.get("result")
    if not stored or stored["name"] != name:
        st.info(t(lang, "press_run"))
        return
    run, base = stored["run"], stored["baseline"]
    st.caption(t(lang, "done_in", seconds=stored["seconds"]))
    st.subheader(t(lang, "vs_baseline"))
    st.caption(t(lang, "metrics_note"))
    cols = st.columns(5)
    for col, (key, (value, delta)) in zip(cols, logic.compare(run, base).items(), strict=False):
        col.metric(t(lang, key), logic.format_metric(key, value),
                   None if delta != delta else f"{delta:+.3g}", delta_color="off")
    figures = logic.charts(run, base, lang)
    tabs = st.tabs([t(lang, key) for key in figures])
    for tab, fig in zip(tabs, figures.values(), strict=True):
        tab.plotly_chart(fig, width="stretch")
    st.subheader(t(lang, "download"))
    left, right = st.columns(2)
    left.download_button(t(lang, "download_parquet"), logic.export_zip(run, "parquet"),
                         f"{name}-run.parquet.zip", "application/zip", key="dl_parquet")
    right.download_button(t(lang, "download_csv"), logic.export_zip(run, "csv"),
                          f"{name}-run.csv.zip", "application/zip", key="dl_csv")
