"""The chaos verdicts rest on summarize(): burst length and recovery time from a request timeline."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from harness.steady import summarize  # noqa: E402


def rec(start, outcome, latency=0.01, retry_after=None):
    return (start, latency, outcome, outcome == "503" if retry_after is None else retry_after)


def test_clean_run_has_no_burst_and_no_recovery():
    out = summarize([rec(t / 10, "200") for t in range(50)], fault_end=2.0)
    assert out["errors"] == 0
    assert out["longest_error_burst_s"] == 0
    assert out["recovery_s"] == 0


def test_longest_burst_is_the_longest_run_of_consecutive_errors():
    timeline = [rec(0.0, "200"), rec(1.0, "503"), rec(1.5, "503"), rec(2.0, "200"),
                rec(3.0, "503"), rec(3.2, "503"), rec(4.0, "503"), rec(5.0, "200")]
    out = summarize(timeline, fault_end=4.5)
    assert out["longest_error_burst_s"] == 1.0
    assert out["statuses"] == {"200": 3, "503": 5}


def test_recovery_counts_from_fault_end_to_the_end_of_the_last_error():
    timeline = [rec(1.0, "503"), rec(2.4, "refused", latency=0.1), rec(2.6, "200"), rec(3.0, "200")]
    assert summarize(timeline, fault_end=2.0)["recovery_s"] == 0.5


def test_errors_that_end_before_the_fault_ends_need_no_recovery():
    assert summarize([rec(1.0, "503"), rec(1.2, "200")], fault_end=2.0)["recovery_s"] == 0


def test_non_503_server_errors_and_missing_retry_after_are_counted():
    timeline = [rec(0.0, "500"), rec(0.1, "502"), rec(0.2, "503", retry_after=False), rec(0.3, "503")]
    out = summarize(timeline, fault_end=0.0)
    assert out["bad_5xx"] == 2
    assert out["503_without_retry_after"] == 1
