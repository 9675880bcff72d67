"""The validation report runs end to end and names every target pattern."""

from __future__ import annotations

from sim.validation import main


def test_validation_report_is_written(tmp_path, capsys):
    out = tmp_path / "validation.md"
    assert main(["--seeds", "1", "--workers", "2", "--out", str(out)]) == 0
    text = out.read_text()
    for heading in ("T1. Pace of the fastest reformers", "T2. The Big Stuck", "T3. Conflict relapse",
                    "(b) Corruption bistability", "(c) Premature load bearing", "(d) Successful reform"):
        assert heading in text
    assert "| military out of politics | 17 |" in text
