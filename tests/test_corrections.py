"""A reviewer's round trip: corrections beside the printed values, never over them, judged again, kept
across runs, and never applied to other bytes.

淮安市洪泽区 2023 (hzq2023.pdf) prints 表四's 行政复议 总计 as 0 beside 10 + 1 + 0 + 0: the printed
total is wrong, so its identity fails. A reviewer corrects the total to 11."""

from __future__ import annotations


from click.testing import CliRunner

import xxgk
from xxgk.pipeline.cli import main

from .conftest import REPORTS, csv_rows

HZQ2023 = "r94a211353fb046b7"  # the sha256 of hzq2023.pdf's bytes: the key a correction holds


def _corrections(tmp_path, *rows):  # type: ignore[no-untyped-def]
    path = tmp_path / "corrections.csv"
    path.write_text("report_id,table,row,col,value,reason,who,when\n" + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    return path


FIX = f"{HZQ2023},t4,review,total,11,10+1+0+0 printed as 0,李四,2026-12-01"


def test_a_correction_sits_beside_the_printed_value_and_the_identity_is_judged_again(tmp_path):
    fixes = _corrections(tmp_path, FIX)
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["extract", str(REPORTS / "hzq2023.pdf"), "--out", str(out), "--corrections", str(fixes)])
    assert res.exit_code == 0, res.output
    assert "1 applied, 0 not applied" in res.output
    cell = next(v for v in csv_rows(out / "values.csv") if (v["table"], v["row"], v["col"]) == ("t4", "review", "total"))
    assert (cell["value"], cell["raw"], cell["corrected_value"]) == ("0", "0", "11")  # value stays as printed
    assert cell["correction_reason"] == "10+1+0+0 printed as 0" and cell["corrected_by"] == "李四 2026-12-01"
    others = [v for v in csv_rows(out / "values.csv") if (v["table"], v["row"], v["col"]) != ("t4", "review", "total")]
    assert all(v["corrected_value"] == "" for v in others)
    checks = {(c["check_id"], c["basis"]): c for c in csv_rows(out / "checks.csv")}
    assert checks[("t4_total:t4:review", "printed")]["status"] == "fail"
    fixed = checks[("t4_total:t4:review", "corrected")]
    assert (fixed["status"], fixed["lhs"], fixed["rhs"]) == ("pass", "11", "11")
    # Only the identities that read the corrected cell (and H5 of its table) are judged again.
    assert {k[0] for k in checks if k[1] == "corrected"} == {"t4_total:t4:review", "whole_counts:t4:t4 counts"}
    report = csv_rows(out / "reports.csv")[0]
    assert report["status"] == "partial"  # the document as printed still does not add up

    # A second run on the same folder (nothing read again) applies the file again.
    again = CliRunner().invoke(main, ["extract", str(REPORTS / "hzq2023.pdf"), "--out", str(out), "--corrections", str(fixes)])
    assert again.exit_code == 0 and "finished by an earlier run" in again.output
    cell = next(v for v in csv_rows(out / "values.csv") if (v["table"], v["row"], v["col"]) == ("t4", "review", "total"))
    assert (cell["value"], cell["corrected_value"]) == ("0", "11")


def test_a_correction_of_other_bytes_or_of_no_such_cell_is_reported_never_applied(tmp_path):
    edited = tmp_path / "docs" / "hzq2023.pdf"
    edited.parent.mkdir()
    edited.write_bytes((REPORTS / "hzq2023.pdf").read_bytes() + b"\n% re-saved\n")  # the same report, other bytes
    fixes = _corrections(tmp_path, FIX, f"{HZQ2023},t3,no_such_row,total,1,,,")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["extract", str(edited), "--out", str(out), "--corrections", str(fixes)])
    assert res.exit_code == 0, res.output
    assert "0 applied, 2 not applied" in res.output
    assert f"line 2: no report {HZQ2023} in this run" in res.output
    assert all(v["corrected_value"] == "" for v in csv_rows(out / "values.csv"))
    assert {c["basis"] for c in csv_rows(out / "checks.csv")} == {"printed"}


def test_a_correction_for_a_cell_the_report_lacks_is_named(tmp_path):
    fixes = _corrections(tmp_path, f"{HZQ2023},t3,no_such_row,total,1,,,")
    data = xxgk.extract([REPORTS / "hzq2023.pdf"], in_process=True, corrections=fixes)
    assert data.corrections is not None and data.corrections.applied == 0
    assert data.corrections.unmatched == [f"line 2: {HZQ2023} has no cell t3.no_such_row.total"]


def test_the_api_applies_corrections_as_the_cli_does(tmp_path):
    fixes = _corrections(tmp_path, FIX)
    data = xxgk.extract([REPORTS / "hzq2023.pdf"], in_process=True, corrections=fixes)
    cell = data.values.query("table == 't4' and row == 'review' and col == 'total'").iloc[0]
    assert cell["value"] == 0 and cell["corrected_value"] == 11
    assert set(data.checks.query("basis == 'corrected'")["status"]) == {"pass"}


def test_a_bad_corrections_file_stops_the_run_before_it_starts(tmp_path):
    fixes = _corrections(tmp_path, f"{HZQ2023},t4,review,total,eleven,,,")
    res = CliRunner().invoke(main, ["extract", str(REPORTS / "hzq2023.pdf"), "--out", str(tmp_path / "o"), "--corrections", str(fixes)])
    assert res.exit_code == 2 and "line 2: value 'eleven' is not a number" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o" / "values.csv").exists()


def test_a_reviewers_verdicts_are_carried_into_checks_by_check_id(tmp_path):
    reviews = tmp_path / "reviews.csv"
    reviews.write_text("report_id,check_id,verdict,reason,who,when\n"
                       f"{HZQ2023},t4_total:t4:review,confirmed,the printed total is 0,李四,2026-12-02\n"
                       f"{HZQ2023},t4_total:t4:suit_after_review,dismissed,counted as in the 2022 report,王五,2026-12-02\n"
                       f"{HZQ2023},no_such:t4:check,confirmed,,,\n"
                       "r0000000000000000,t3_balance:t3:total,confirmed,,,\n", encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["extract", str(REPORTS / "hzq2023.pdf"), "--out", str(out), "--reviews", str(reviews)])
    assert res.exit_code == 0, res.output
    assert "reviews (" in res.output and "2 applied, 2 not applied" in res.output
    assert f"reviews line 4: {HZQ2023} has no check no_such:t4:check" in res.output
    assert "reviews line 5: no report r0000000000000000 in this run" in res.output
    checks = {c["check_id"]: c for c in csv_rows(out / "checks.csv") if c["basis"] == "printed"}
    assert (checks["t4_total:t4:review"]["review"], checks["t4_total:t4:review"]["reviewed_by"]) == ("confirmed", "李四 2026-12-02")
    assert checks["t4_total:t4:suit_after_review"]["review"] == "dismissed"
    assert checks["t4_total:t4:review"]["status"] == "fail"  # a verdict never changes what the check found
    assert all(c["review"] == "" for k, c in checks.items() if not k.startswith("t4_total:t4:"))
    bad = tmp_path / "bad.csv"
    bad.write_text("report_id,check_id,verdict\nr1,t3_balance:t3:total,maybe\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["extract", str(REPORTS / "hzq2023.pdf"), "--out", str(tmp_path / "o2"), "--reviews", str(bad)])
    assert res.exit_code == 2 and "verdict is one of confirmed, dismissed" in res.output
