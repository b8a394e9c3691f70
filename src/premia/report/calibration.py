# ruff: noqa: E501  (translation table: one prose sentence per line)
"""The calibration report page (zh/en): estimates, data beside model, identification.

Example:
    >>> from premia.calibration import Fit                    # doctest: +SKIP
    >>> html = calibration_report(Fit.load_json("fit.json"), "zh")   # doctest: +SKIP
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import plotly.graph_objects as go

from premia.calibration.result import Fit
from premia.report.figures import FONT
from premia.report.page import document, esc, figure_div, table

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "premia: calibration by the simulated method of moments",
        "lede": "The scenario's parameters below were fitted so that the model's moments match the data moments, weighting each moment by the inverse of its data variance; the same seeds were used at every parameter point (common random numbers).",
        "facts": "Scenario {scenario}; {k} parameters, {m} moments; {seeds} seeds per point, {months} model months per data observation; {evals} evaluations, {runs} runs simulated and {stored} reused from an earlier fit in the store ({failed} failed); {wall:.0f} s.",
        "method": "Global search: a Sobol sample of {samples} points of the parameter box, then {starts} local {algorithm} searches from the best (optimagic multistart). Standard errors: (G'WG)⁻¹G'WΩWG(G'WG)⁻¹ with G the Jacobian of the moments (central differences), W = diag(1/se²) of the data and Ω = se² + simulation variance / seeds, the variance of one run's moments estimated from {vruns} runs at the estimates (estimagic msm_covs).",
        "params": "Fitted parameters", "parameter": "Parameter", "range": "Range", "start": "Start",
        "estimate": "Estimate", "se": "Standard error", "interval": "95% interval",
        "fit": "Data beside model", "moment": "Moment", "statistic": "Model statistic",
        "data": "Data", "model": "Model", "t": "t",
        "fit_note": "se combines the data's standard error and the simulation noise of the model's mean over seeds; t = (model − data) / se.",
        "j": "Overidentification: J = {j}, degrees of freedom {df} (p = {p}). A small p says the model cannot match all the moments at once at any parameter values in the box.",
        "j_exact": "Exactly identified (as many moments as parameters): no overidentification test.",
        "ident": "Identification",
        "ident_note": "Each cell: how many data standard errors the model moment moves when the parameter moves by a tenth of its range. A parameter whose column is near zero is not identified by these moments.",
        "sv": "Singular values of the scaled Jacobian W½G (per parameter range): {values}. Condition number {cond}.",
        "bias": "Sensitivity of the estimates to a bias in each moment (Andrews, Gentzkow and Shapiro 2017): the change of the estimate per unit of bias in the moment.",
        "tvalues": "t of each moment", "history": "Objective at each evaluation", "evaluation": "evaluation",
        "objective": "objective", "sources": "The data moments", "value": "Value", "basis": "se basis",
        "unit": "Unit", "source": "Source", "year": "Year", "generated": "Generated",
        "message": "Optimizer: {message}",
        "left_out": "Not produced by the model at the estimates, so left out of the standard errors and J: {ids}.",
    },
    "zh": {
        "title": "premia：模拟矩估计校准",
        "lede": "下列情景参数经过拟合，使模型矩与数据矩相符；每个矩的权重为其数据方差的倒数；各参数点使用同一组随机种子（共同随机数）。",
        "facts": "情景 {scenario}；{k} 个参数，{m} 个矩；每点 {seeds} 个种子，每个数据观测对应 {months} 个模型月；共评估 {evals} 次，模拟 {runs} 次运行，复用存储中先前拟合的 {stored} 次运行（失败 {failed} 次）；用时 {wall:.0f} 秒。",
        "method": "全局搜索：在参数范围内取 {samples} 个 Sobol 点，再从最优点出发做 {starts} 次局部 {algorithm} 搜索（optimagic 多起点）。标准误：(G'WG)⁻¹G'WΩWG(G'WG)⁻¹，G 为矩对参数的雅可比矩阵（中心差分），W = diag(1/数据方差)，Ω = 数据方差 + 模拟方差/种子数，单次运行的模拟方差由估计值处的 {vruns} 次运行估计（estimagic msm_covs）。",
        "params": "拟合参数", "parameter": "参数", "range": "范围", "start": "初值",
        "estimate": "估计值", "se": "标准误", "interval": "95% 区间",
        "fit": "数据与模型对照", "moment": "矩", "statistic": "模型统计量",
        "data": "数据", "model": "模型", "t": "t",
        "fit_note": "se 合并了数据标准误与模型多种子均值的模拟噪声；t = (模型 − 数据) / se。",
        "j": "过度识别检验：J = {j}，自由度 {df}（p = {p}）。p 很小说明在参数范围内模型无法同时拟合全部矩。",
        "j_exact": "恰好识别（矩的个数等于参数个数）：无过度识别检验。",
        "ident": "识别诊断",
        "ident_note": "每格表示：参数移动其范围的十分之一时，模型矩移动多少个数据标准误。某参数一列接近零，说明这些矩无法识别该参数。",
        "sv": "标度化雅可比矩阵 W½G（按参数范围）的奇异值：{values}。条件数 {cond}。",
        "bias": "估计值对各矩偏差的敏感度（Andrews、Gentzkow 与 Shapiro 2017）：矩每偏差一个单位，估计值的变化。",
        "tvalues": "各矩的 t 值", "history": "每次评估的目标函数", "evaluation": "评估序号",
        "objective": "目标函数", "sources": "数据矩", "value": "数值", "basis": "标准误来源",
        "unit": "单位", "source": "来源", "year": "年份", "generated": "生成时间",
        "message": "优化器：{message}",
        "left_out": "模型在估计值处无法给出以下矩，故未计入标准误与 J：{ids}。",
    },
}


def tr(lang: str, key: str, **kw: object) -> str:
    """A string of :data:`TEXTS` (the key itself when missing)."""
    text = TEXTS.get(lang, TEXTS["en"]).get(key, key)
    return text.format(**kw) if kw else text


def _f(x: float) -> str:
    if x is None or not math.isfinite(float(x)):
        return "–"
    x = float(x)
    return f"{x:,.0f}" if abs(x) >= 1e4 else f"{0.0 if abs(x) < 1e-12 else x:.4g}"


def _t_figure(fit: Fit, lang: str) -> go.Figure:
    ids = [m.id for m in fit.targets]
    t = fit.fit_table()["t"].to_numpy(float)
    bars = go.Figure(go.Bar(x=ids, y=t, marker_color=["#b5472f" if abs(v) > 1.96 else "#2e7d4f"
                                                      for v in t]))
    for y in (-1.96, 1.96):
        bars.add_hline(y=y, line_dash="dot", line_color="#8a7f5f")
    bars.update_layout(title=tr(lang, "tvalues"), font_family=FONT, height=360,
                       margin={"t": 50, "b": 90}, plot_bgcolor="#fff")
    return bars


def _heatmap(fit: Fit, lang: str) -> go.Figure:
    resp = fit.response()
    z = resp.to_numpy()
    heat = go.Figure(go.Heatmap(z=z, x=list(resp.columns), y=list(resp.index),
                                colorscale="RdBu", zmid=0, text=np.round(z, 2),
                                texttemplate="%{text}"))
    heat.update_layout(title=tr(lang, "ident"), font_family=FONT,
                       height=160 + 40 * len(resp.index), margin={"l": 160},
                       yaxis_autorange="reversed")
    return heat


def _history(fit: Fit, lang: str) -> go.Figure:
    hist = go.Figure(go.Scatter(y=fit.history, mode="markers", marker_size=4))
    hist.update_layout(title=tr(lang, "history"), font_family=FONT, height=320,
                       yaxis_type="log", xaxis_title=tr(lang, "evaluation"),
                       yaxis_title=tr(lang, "objective"), plot_bgcolor="#fff")
    return hist


def params_section(fit: Fit, lang: str) -> str:
    """The fitted parameters with standard errors and intervals."""
    rows = [[r.parameter, f"{_f(r.low)} – {_f(r.high)}", _f(r.start), _f(r.estimate), _f(r.se),
             f"[{_f(r.ci_low)}, {_f(r.ci_high)}]"] for r in fit.params_table().itertuples()]
    heads = [tr(lang, k) for k in ("parameter", "range", "start", "estimate", "se", "interval")]
    return f"<h2>{esc(tr(lang, 'params'))}</h2>\n" + table(heads, rows, numeric=(2, 3, 4, 5))


def fit_section(fit: Fit, lang: str) -> str:
    """Data beside model for every moment, and the J statistic."""
    rows = [[r.moment, r.statistic, _f(r.data), _f(r.model), _f(r.se),
             f"{r.t:+.2f}" if math.isfinite(r.t) else "–"]
            for r in fit.fit_table().itertuples()]
    heads = [tr(lang, k) for k in ("moment", "statistic", "data", "model", "se", "t")]
    if fit.df > 0:
        j = tr(lang, "j", j=_f(fit.j_stat), df=fit.df, p=_f(fit.p_value))
    else:
        j = tr(lang, "j_exact")
    if fit.left_out:
        j += " " + tr(lang, "left_out", ids=", ".join(fit.left_out))
    return (f"<h2>{esc(tr(lang, 'fit'))}</h2>\n" + table(heads, rows, numeric=(2, 3, 4, 5))
            + f"<p class='muted'>{esc(tr(lang, 'fit_note'))}</p><p>{esc(j)}</p>"
            + figure_div(_t_figure(fit, lang), "fig-cal-t")
            + figure_div(_history(fit, lang), "fig-cal-history"))


def identification_section(fit: Fit, lang: str) -> str:
    """The scaled Jacobian, the singular values and the sensitivity to bias."""
    resp = fit.response()
    rows = [[m, *[_f(v) for v in resp.loc[m]]] for m in resp.index]
    sv = fit.singular_values
    cond = (float(sv.max() / sv.min()) if sv.size and np.all(np.isfinite(sv)) and sv.min() > 0
            else math.inf)
    bias_rows = [[p, *[_f(v) for v in fit.sensitivity[i]]] for i, p in enumerate(fit.names)]
    return "\n".join([
        f"<h2>{esc(tr(lang, 'ident'))}</h2>", f"<p>{esc(tr(lang, 'ident_note'))}</p>",
        table([tr(lang, "moment"), *fit.names], rows, numeric=range(1, 1 + len(fit.names))),
        figure_div(_heatmap(fit, lang), "fig-cal-ident"),
        f"<p>{esc(tr(lang, 'sv', values=', '.join(_f(v) for v in sv), cond=_f(cond)))}</p>",
        f"<p>{esc(tr(lang, 'bias'))}</p>",
        table([tr(lang, "parameter"), *[m.id for m in fit.targets]], bias_rows,
              numeric=range(1, 1 + len(fit.targets)))])


def sources_section(fit: Fit, lang: str) -> str:
    """Where each data moment comes from."""
    rows = [[m.id, _f(m.value), _f(m.se) if m.se else "–", m.se_basis, m.unit, m.year, m.source]
            for m in fit.targets]
    heads = [tr(lang, k) for k in ("moment", "value", "se", "basis", "unit", "year", "source")]
    return f"<h2>{esc(tr(lang, 'sources'))}</h2>\n" + table(heads, rows, numeric=(1, 2))


def calibration_report(fit: Fit, lang: str) -> str:
    """The calibration report as one self-contained HTML page (``lang``: en or zh)."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    facts = tr(lang, "facts", scenario=fit.scenario, k=len(fit.params), m=len(fit.targets),
               seeds=fit.seeds, months=fit.months, evals=fit.evaluations, runs=fit.runs,
               stored=fit.runs_stored, failed=fit.failed, wall=fit.wall_s)
    body = [f"<h1>{esc(tr(lang, 'title'))}</h1>", f"<p>{esc(tr(lang, 'lede'))}</p>",
            f"<p>{esc(facts)}</p>",
            f"<p class='muted'>{esc(tr(lang, 'method', samples=fit.samples, starts=fit.starts, algorithm=fit.algorithm, vruns=fit.variance_runs))}</p>",
            f"<p class='muted'>{esc(tr(lang, 'message', message=fit.message))} · "
            f"{esc(tr(lang, 'generated'))}: {now}</p>",
            params_section(fit, lang), fit_section(fit, lang),
            identification_section(fit, lang), sources_section(fit, lang)]
    return document(lang, tr(lang, "title"), "\n".join(body))
