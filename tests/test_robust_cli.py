"""Small command-line guards: the dashboard's host warning."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import premia.cli.reports as reports
from premia.cli import build

runner = CliRunner()
app = build()


@pytest.mark.parametrize("host,warned", [("0.0.0.0", True), ("192.168.1.5", True),
                                         ("example.org", True), ("127.0.0.1", False),
                                         ("localhost", False), ("::1", False)])
def test_dashboard_warns_when_it_listens_beyond_this_machine(monkeypatch, host, warned):
    served = []
    monkeypatch.setattr(reports, "_serve", lambda command: served.append(command) or 0)
    result = runner.invoke(app, ["dashboard", "--host", host, "--port", "8599"])
    assert result.exit_code == 0, result.output
    assert served and host in " ".join(served[0])
    lines = result.stderr.splitlines()
    if warned:
        assert len(lines) == 1 and lines[0].startswith(f"warning: --host {host}")
    else:
        assert lines == []
