"""Bilingual (zh/en) HTML reports of the claims and of single runs.

Example:
    >>> from premia.report import parse_check, claims_report
    >>> rep = parse_check({"claims": [], "stylized_facts": []})
    >>> claims_report(rep, {}, "en").startswith("<!DOCTYPE html>")
    True
"""

from premia.report.build import (
    CheckReport,
    ReportError,
    claim_runs,
    claims_report,
    load_check,
    load_run,
    parse_check,
    run_report,
)
from premia.report.page import write_atomic
from premia.report.runs import runs_report

__all__ = ["CheckReport", "ReportError", "claim_runs", "claims_report", "load_check",
           "load_run", "parse_check", "run_report", "runs_report", "write_atomic"]
