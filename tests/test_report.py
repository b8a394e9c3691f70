"""The HTML report: figures per claim, verdicts from the check JSON, one language per page."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

import premia
from premia.report import (
    ReportError,
    claims_report,
    load_check,
    load_run,
    parse_check,
    run_report,
    write_atomic,
)
from premia.report.figures import claim_panels, panels_figure
from premia.report.odd import odd_markdown
from premia.report.texts import CLAIM_TEXTS, TEXTS, t

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
LATIN = re.compile(r"[A-Za-z]")
VERDICTS = ("holds", "fails", "inconclusive")
IDS = [f"C{i}" for i in range(1, 9)]


def fake_check(ids: list[str] = IDS) -> dict:
    """A check JSON of the documented shape, with verdicts that differ between claims."""
    return {
        "claims": [{"id": cid, "verdict": VERDICTS[i % 3], "effect": 0.1 * (i + 1) - 0.35,
                    "ci": [0.1 * i - 0.5, 0.1 * i + 0.2], "seeds": 3, "metric": f"metric {cid}",
                    "quote_zh": f"原文第{i}句：价格总是趋向于其制造成本",
                    "summary_en": f"English summary of {cid}.",
                    "summary_zh": f"{cid} 的中文概述。",
                    "criteria": [{"name": "markup", "description": f"markup gap of {cid}",
                                  "description_zh": f"{cid} 的加价率差",
                                  "verdict": VERDICTS[(i + 1) % 3], "effect": 0.5,
                                  "ci": [0.1, 0.9]}],
                    "placebo": {"verdict": VERDICTS[(i + 2) % 3], "description": "off",
                                "description_zh": "关闭机制",
                                "criteria": [{"name": "markup", "verdict": VERDICTS[(i + 2) % 3],
                                              "effect": 0.0, "ci": [-0.1, 0.1]}]}}
                   for i, cid in enumerate(ids)],
        "stylized_facts": [{"kind": "commodity", "measure": "gross_margin", "model": 0.065,
                            "reference": "Foxconn 5.9-7.4% (2016-19)", "low": 0.059,
                            "high": 0.074},
                           {"kind": "technology", "measure": "gross_margin", "model": 0.2,
                            "reference": "Apple 38-44%", "low": 0.38, "high": 0.44}],
    }


@pytest.fixture(scope="module")
def runs() -> dict[str, dict[str, premia.Results]]:
    over = {"scenario.periods": 18, "scenario.consumers": 200, "event.0.at": 6}
    base = premia.simulate(premia.load_scenario(ROOT / "scenarios/minimal.toml", over), seed=1)
    mandate_off = premia.simulate(premia.load_scenario(
        ROOT / "scenarios/minimal.toml", {**over, "event.0.share": 0.0}), seed=1)
    return {cid: {"baseline": base, "no_mandate": mandate_off} for cid in IDS}


@pytest.fixture(scope="module")
def pages(runs) -> dict[str, BeautifulSoup]:
    rep = parse_check(fake_check())
    return {lang: BeautifulSoup(claims_report(rep, runs, lang, seed=1, command=["premia"]),
                                "html.parser") for lang in ("en", "zh")}


def prose(soup: BeautifulSoup, skip_original: bool) -> list[str]:
    """Texts of headings and paragraphs (without the quoted originals if asked)."""
    out = []
    for el in soup.find_all(["h1", "h2", "h3", "h4", "p"]):
        if skip_original and el.find_parent(class_="original"):
            continue
        out.append(el.get_text(" ", strip=True))
    return out


def visible_text(soup: BeautifulSoup) -> str:
    """All visible text outside the quoted originals and scripts."""
    clone = BeautifulSoup(str(soup), "html.parser")
    for el in clone.find_all(["script", "style"]):
        el.decompose()
    for el in clone.find_all(class_="original"):
        el.decompose()
    return clone.get_text(" ")


def has_cjk(script: str) -> bool:
    """CJK characters in a figure's script, literal or JSON-escaped (\\u4e00...)."""
    escaped = re.search(r"\\u(?:3[0-4]|[4-9][0-9a-f])[0-9a-f]{2}", script, re.IGNORECASE)
    return bool(CJK.search(script) or escaped)


def figure_scripts(soup: BeautifulSoup) -> list[str]:
    return [s.get_text() for s in soup.find_all("script") if "Plotly.newPlot" in s.get_text()]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_claim_has_a_figure_and_its_verdict(pages, lang):
    soup = pages[lang]
    check = fake_check()
    for claim in check["claims"]:
        heading = soup.find("h3", id=claim["id"])
        assert heading is not None, claim["id"]
        section = []
        for sib in heading.find_next_siblings():
            if sib.name in ("h2", "h3"):
                break
            section.append(sib)
        figs = [d for s in section for d in s.select("div.plotly-graph-div")]
        assert figs, f"no figure for {claim['id']}"
        badges = [b for s in section for b in s.select("span.verdict")]
        criterion = claim["criteria"][0]["verdict"]
        placebo = claim["placebo"]["criteria"][0]["verdict"]
        assert [b["class"][1] for b in badges] == [claim["verdict"], criterion, placebo]
        assert badges[0].get_text() == t(lang, claim["verdict"])
    summary_rows = soup.find("h2", id="summary").find_next("table").select("tbody tr")
    assert [r.select_one("span.verdict")["class"][1] for r in summary_rows] == \
        [c["verdict"] for c in check["claims"]]
    effects = [r.select("td")[3].get_text() for r in summary_rows]
    assert effects == [f"{c['effect']:.3g}" for c in check["claims"]]
    placebos = [r.select("span.verdict")[1]["class"][1] for r in summary_rows]
    assert placebos == [c["placebo"]["verdict"] for c in check["claims"]]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_page_is_self_contained_with_plotly_once(pages, lang):
    soup = pages[lang]
    assert not soup.find_all("script", src=True)
    assert not soup.find_all("link", href=True)
    bundles = [s for s in soup.find_all("script") if len(s.get_text()) > 1_000_000]
    assert len(bundles) == 1
    assert len(figure_scripts(soup)) >= len(IDS)
    assert "Noto Sans CJK SC" in soup.find("style").get_text()


def test_zh_headings_and_prose_are_chinese(pages):
    texts = prose(pages["zh"], skip_original=False)
    assert len(texts) > 40
    for text in texts:
        assert CJK.search(text), f"no Chinese in {text!r}"
    joined = "".join(texts)
    cjk, latin = len(CJK.findall(joined)), len(LATIN.findall(joined))
    assert cjk / (cjk + latin) > 0.8
    headers = [th.get_text() for th in pages["zh"].find_all("th")]
    assert all(CJK.search(h) for h in headers if not re.fullmatch(r"[a-z_]+", h))


def test_en_has_no_chinese_outside_the_originals(pages):
    soup = pages["en"]
    assert not CJK.search(visible_text(soup))
    originals = soup.select(".original")
    assert len(originals) == 2 * len(IDS)
    assert all(CJK.search(o.get_text()) for o in originals)
    assert all(not has_cjk(s) for s in figure_scripts(soup))
    assert all(has_cjk(s) for s in figure_scripts(pages["zh"]))


def test_stylized_facts_beside_references(pages):
    rows = pages["en"].find("h2", id="facts").find_next("table").select("tbody tr")
    cells = [[td.get_text() for td in r.select("td")] for r in rows]
    assert cells[0][3] == "Foxconn 5.9-7.4% (2016-19)" and cells[0][5] == "yes"
    assert cells[0][2] == "6.5%" and cells[0][4] == "5.9% – 7.4%"
    assert cells[1][5] == "no"
    zh_rows = pages["zh"].find("h2", id="facts").find_next("table").select("tbody tr")
    assert [r.select("td")[5].get_text() for r in zh_rows] == ["是", "否"]


def test_methods_have_odd_equations_parameters_and_versions(pages, runs):
    soup = pages["en"]
    heads = [h.get_text() for h in soup.find_all("h4")]
    assert any(h.startswith("1. Purpose") for h in heads)
    pre = " ".join(p.get_text() for p in soup.find_all("pre"))
    assert "P_ij = e_ij·exp(V_ij)" in pre and "p ← max(c_f" in pre
    text = soup.get_text(" ")
    assert runs["C1"]["baseline"].meta["scenario_hash"] in text
    assert premia.__version__ in text and "numpy" in text


def test_claim_figures_plot_data_for_every_claim(runs):
    for cid in IDS:
        fig = panels_figure(runs[cid], claim_panels(cid, runs[cid]["baseline"], "en"), "en")
        assert fig.data, cid
        assert all(len(trace.x) > 0 for trace in fig.data), cid


def test_translation_tables_have_the_same_keys():
    assert set(TEXTS["en"]) == set(TEXTS["zh"])
    assert set(CLAIM_TEXTS["en"]) == set(CLAIM_TEXTS["zh"]) == set(IDS)


def test_bad_check_json_gives_one_line(tmp_path):
    bad = fake_check(["C1"])
    bad["claims"][0]["verdict"] = "maybe"
    with pytest.raises(ReportError, match=r"claims\.0\.verdict"):
        parse_check(bad, "x.json")
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(ReportError, match=r"broken\.json"):
        load_check(path)


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path):
    target = tmp_path / "r.html"
    write_atomic(target, "old")
    with pytest.raises(TypeError):
        write_atomic(target, 123)  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_run_report_from_a_saved_run(tmp_path, runs):
    runs["C1"]["baseline"].save(tmp_path / "run")
    res = load_run(tmp_path / "run")
    soup = BeautifulSoup(run_report(res, "zh", ["premia"]), "html.parser")
    assert len(soup.select("div.plotly-graph-div")) >= 3
    assert all(CJK.search(x) for x in prose(soup, skip_original=False))
    with pytest.raises(ReportError, match="not a run directory"):
        load_run(tmp_path)


def test_docs_match_the_odd_text():
    assert (ROOT / "docs/odd.md").read_text(encoding="utf-8") == odd_markdown("en")
    assert (ROOT / "docs/odd.zh.md").read_text(encoding="utf-8") == odd_markdown("zh")


def _premia(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).with_name("premia")), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)


@pytest.mark.slow
def test_cli_report_from_check_json(tmp_path):
    check = tmp_path / "check.json"
    check.write_text(json.dumps(fake_check(["C4"])), encoding="utf-8")
    out = tmp_path / "out"
    done = _premia("report", "--from", str(check), "--out", str(out), "--periods", "12")
    assert done.returncode == 0, done.stderr
    for lang in ("en", "zh"):
        soup = BeautifulSoup((out / f"report.{lang}.html").read_text(), "html.parser")
        assert soup.find("h3", id="C4").find_next("div", class_="plotly-graph-div")
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("args, needle", [
    (["report", "--lang", "fr"], "--lang"),
    (["report", "--from", "missing.json"], "missing.json"),
    (["report", "--run", "."], "not a run directory"),
    (["report"], "give --from CHECK.json or --run DIR"),
    (["report", "--from", "x.json", "--run", "."], "not both"),
])
def test_cli_bad_input_is_one_line_exit_2(tmp_path, args, needle):
    done = _premia(*args, "--out", str(tmp_path / "o"))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()


def test_rounding_noise_is_shown_as_zero():
    from premia.report.build import _fmt

    assert _fmt(5.55e-17) == "0" and _fmt(-0.0374) == "-0.0374" and _fmt(447.2) == "447"
    assert _fmt(-74412.3) == "-74,412"


# ---- outcome sentences follow the verdicts ------------------------------------------------
def with_verdict(doc: dict, verdict: str) -> dict:
    """A copy of a check JSON whose claims and criteria all have ``verdict``."""
    out = json.loads(json.dumps(doc))
    for c in out["claims"]:
        c["verdict"] = verdict
        for k in c["criteria"]:
            k["verdict"] = verdict
    return out


def essay_like_check() -> dict:
    """A check JSON with each essay claim's own criteria names and made-up numbers."""
    from premia.claims import CLAIMS

    doc = fake_check()
    for c in doc["claims"]:
        q = CLAIMS[c["id"]]
        c["criteria"] = [{"name": k.name, "description": k.description,
                          "description_zh": k.description_zh, "direction": k.direction,
                          "threshold": k.threshold, "verdict": "holds",
                          "effect": 0.0123 * (n + 1), "ci": [0.0111 * (n + 1), 0.0135 * (n + 1)]}
                         for n, k in enumerate(q.criteria)]
    return doc


def outcome_texts(doc: dict, lang: str) -> dict[str, str]:
    from premia.report.build import outcome_paragraph

    rep = parse_check(doc)
    return {c.id: BeautifulSoup(outcome_paragraph(lang, c), "html.parser").get_text(" ")
            for c in rep.claims}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_outcome_sentences_follow_flipped_verdicts(lang):
    from premia.claims.prose import number

    base = essay_like_check()
    texts = {v: outcome_texts(with_verdict(base, v), lang) for v in VERDICTS}
    for cid in IDS:
        said = [texts[v][cid] for v in VERDICTS]
        assert len(set(said)) == 3, cid
        first = base["claims"][IDS.index(cid)]["criteria"][0]["effect"]
        shown = {number(first), number(100 * first), number(-first), number(-100 * first)}
        assert any(x in texts["holds"][cid] for x in shown), (cid, texts["holds"][cid])
        assert number(first) in texts["fails"][cid]
        if lang == "en":
            assert "fails" in texts["fails"][cid] and "cannot settle" in texts["inconclusive"][
                cid]
        else:
            assert "不成立" in texts["fails"][cid] and "无法判定" in texts["inconclusive"][cid]


def test_only_the_outcome_paragraph_changes_with_the_verdict(runs):
    pages = {}
    for v in ("holds", "fails"):
        rep = parse_check(with_verdict(essay_like_check(), v))
        soup = BeautifulSoup(claims_report(rep, runs, "en", seed=1, command=["premia"]),
                             "html.parser")
        for el in soup.select("p.outcome, span.verdict, script, p.muted"):
            el.decompose()
        pages[v] = [p.get_text(" ") for p in soup.find("h2", id="claims").find_all_next("p")]
    assert pages["holds"] == pages["fails"]


def test_placebo_that_holds_is_flagged(runs):
    doc = essay_like_check()
    doc["claims"][0]["placebo"]["verdict"] = "holds"
    assert "Warning" in outcome_texts(doc, "en")["C1"]
    doc["claims"][0]["placebo"]["verdict"] = "fails"
    doc["claims"][0]["placebo"]["criteria"][0]["verdict"] = "holds"
    said = outcome_texts(doc, "en")["C1"]
    assert "as a sound measure should" in said and "still hold on the placebo" in said


def test_any_subset_reports_with_facts_not_run(runs):
    doc = fake_check(["C4"])
    doc["stylized_facts"][1]["model"] = None
    soup = BeautifulSoup(claims_report(parse_check(doc), runs, "en", seed=1), "html.parser")
    rows = soup.find("h2", id="facts").find_next("table").select("tbody tr")
    assert rows[1].select("td")[2].get_text() == "not run"
    assert rows[1].select("td")[5].get_text() == "–"
    assert soup.find("h3", id="C4") and not soup.find("h3", id="C1")
    assert "eight" not in soup.find("h2", id="summary").get_text()


def test_robustness_figure_and_table_in_the_report(runs):
    doc = fake_check(["C7"])
    doc["robustness"] = {"n": 8, "seeds": 3, "claims": [{
        "id": "C7", "ref": "C7", "points": 8,
        "shares": {"holds": 0.25, "fails": 0.5, "inconclusive": 0.25},
        "drivers": [{"path": "consumers.halo", "rho": 0.81}], "box": []}]}
    for lang in ("en", "zh"):
        soup = BeautifulSoup(claims_report(parse_check(doc), runs, lang, seed=1), "html.parser")
        section = soup.find("h2", id="robustness")
        assert section is not None
        assert section.find_next("div", class_="plotly-graph-div")
        cells = [td.get_text() for td in section.find_next("table").select("tbody td")]
        assert cells[:4] == ["C7", "25%", "50%", "25%"] and "consumers.halo" in cells[4]


@pytest.mark.slow
def test_readme_check_then_chinese_report(tmp_path):
    check = tmp_path / "check.json"
    done = _premia("check", "C4", "C6", "--seeds", "2", "--json", str(check))
    assert done.returncode == 0, done.stderr
    done = _premia("report", "--lang", "zh", "--from", str(check), "--out", str(tmp_path / "o"),
                   "--periods", "24")
    assert done.returncode == 0, done.stderr
    soup = BeautifulSoup((tmp_path / "o" / "report.zh.html").read_text(), "html.parser")
    rows = soup.find("h2", id="facts").find_next("table").select("tbody tr")
    assert [r.select("td")[2].get_text() for r in rows] == ["未运行"] * 4
