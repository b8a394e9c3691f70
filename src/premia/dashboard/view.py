"""The dashboard's page, drawn with Streamlit from :mod:`premia.dashboard.logic`."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import streamlit as st

from premia.dashboard import logic
from premia.dashboard.params import ParamSpec, event_switches, key_params, size_bounds
from premia.loading import ScenarioError
from premia.metrics import dead_categories, death_warning
from premia.report.texts import EVENT_WORDS, PARAM_LABELS, t

LANG_NAMES = {"zh": "中文", "en": "English"}


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", Path(name.split(": ", 1)[-1]).stem).strip("-") or "run"


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


def _sources(lang: str, files: list[str]) -> list[logic.Source] | None:
    """The scenarios to pick from: shipped, given on the command line, uploaded.

    A file that cannot be read is shown as an error in the page (``None`` is returned
    when nothing can be run).
    """
    sources = [logic.shipped_source(n) for n in logic.scenario_names()]
    for f in files:
        try:
            sources.insert(0, logic.file_source(f))
        except ScenarioError as exc:
            show_errors(lang, str(exc))
    upload = st.sidebar.file_uploader(t(lang, "upload"), type=["toml"], key="upload",
                                      help=t(lang, "upload_help"))
    if upload is not None:
        data = upload.getvalue()
        try:
            source = logic.upload_source(upload.name, data)
        except ScenarioError as exc:
            show_errors(lang, str(exc))
            return sources
        sources.insert(0, source)
        fresh = (upload.name, hash(data))
        if st.session_state.get("last_upload") != fresh:  # a new upload is picked at once
            st.session_state["last_upload"] = fresh
            st.session_state["scenario"] = source.key
    return sources


def _label(src: logic.Source) -> str:
    return f"{src.key}: {src.title}" if src.title else src.key


def sidebar_inputs(lang: str, files: list[str] | None = None
                   ) -> tuple[logic.Source | None, dict[str, Any], int, bool]:
    """Scenario, overrides (size and key parameters), seed and whether Run was pressed.

    The scenario is ``None`` (and its error shown in the page) when the chosen file does
    not validate.
    """
    sources = {s.key: s for s in _sources(lang, list(files or []))}
    keys = list(sources)
    default = keys.index("minimal") if "minimal" in keys and not files else 0
    if st.session_state.get("scenario") not in keys:
        st.session_state["scenario"] = keys[default]
    name = st.sidebar.selectbox(t(lang, "pick_scenario"), keys, key="scenario",
                                format_func=lambda k: _label(sources[k]))
    source = sources[name]
    try:
        sc = logic.load(source)
    except ScenarioError as exc:
        show_errors(lang, str(exc))
        return None, {}, 0, False
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
    return source, overrides, seed, pressed


def _baseline(source: logic.Source, overrides: dict[str, Any], seed: int):
    size = {k: v for k, v in overrides.items() if k.startswith("scenario.")}
    key = (source.key, str(source.raw), tuple(sorted(size.items())), seed)
    cache = st.session_state.setdefault("baselines", {})
    if key not in cache:
        cache[key] = logic.run_scenario(source, size, seed)
    return cache[key]


def execute(source: logic.Source, overrides: dict[str, Any], seed: int, lang: str) -> None:
    """Run the scenario (with a progress bar) and its baseline; store them or the error."""
    name = source.key
    st.session_state.pop("error", None)
    bar = st.progress(0.0, text=t(lang, "running", done=0, total=overrides["scenario.periods"]))
    start = time.perf_counter()
    try:
        res = logic.run_scenario(source, overrides, seed, progress=lambda d, n: bar.progress(
            d / n, text=t(lang, "running", done=d, total=n)))
        base = _baseline(source, overrides, seed)
    except ScenarioError as exc:
        st.session_state["error"] = str(exc)
        st.session_state["error_title"] = "invalid"
        st.session_state.pop("result", None)
        bar.empty()
        return
    except Exception as exc:  # a run that fails is shown in the page, not as a traceback
        st.session_state["error"] = f"{type(exc).__name__}: {exc}"
        st.session_state["error_title"] = "run_failed"
        st.session_state.pop("result", None)
        bar.empty()
        return
    bar.empty()
    st.session_state["result"] = {"name": name, "run": res, "baseline": base,
                                  "seconds": time.perf_counter() - start}


def show_errors(lang: str, message: str, title: str = "invalid") -> None:
    """A scenario's validation errors (or a failed run's error) in the page, one per line."""
    lines = [m.strip() for m in message.split("\n") if m.strip()]
    st.error(f"{t(lang, title)}:\n\n" + "\n".join(f"- {m}" for m in lines))


def results(lang: str, name: str | None) -> None:
    """Metrics against the baseline, the chart tabs and the downloads."""
    if name is None:
        return
    if "error" in st.session_state:
        show_errors(lang, st.session_state["error"], st.session_state.get("error_title", "invalid"))
        return
    stored = st.session_state.get("result")
    if not stored or stored["name"] != name:
        st.info(t(lang, "press_run"))
        return
    run, base = stored["run"], stored["baseline"]
    st.caption(t(lang, "done_in", seconds=stored["seconds"]))
    st.subheader(t(lang, "vs_baseline"))
    start, end = logic.long_run_months(run)
    st.caption(t(lang, "metrics_note", start=start, end=end))
    for death in dead_categories(run):
        st.warning(death_warning(death, lang))
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
                         f"{_slug(name)}-run.parquet.zip", "application/zip", key="dl_parquet")
    right.download_button(t(lang, "download_csv"), logic.export_zip(run, "csv"),
                          f"{_slug(name)}-run.csv.zip", "application/zip", key="dl_csv")
