"""The dependency audit's logic (tools/audit.py), on canned answers: no network."""

from __future__ import annotations

import io
import json
import time
import urllib.error
from typing import Any

import pytest

from tools import audit
from tools.audit import FALLBACK, NOT_AUDITED, PIP_AUDIT, Finding


def project_json(latest: str, vulnerabilities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The shape of https://pypi.org/pypi/<name>/json, cut to what the audit reads."""
    return {
        "info": {"name": "x", "version": latest},
        "releases": {},
        "vulnerabilities": vulnerabilities or [],
    }


VULN = {"id": "PYSEC-2099-1", "aliases": ["CVE-2099-1"], "fixed_in": ["2.0.1"], "withdrawn": None}
PIP_AUDIT_REPORT = {
    "dependencies": [
        {"name": "Jinja2", "version": "3.1.6", "vulns": []},
        {"name": "requests", "version": "2.0.0", "vulns": [{"id": "GHSA-x", "fix_versions": ["2.3.0"]}]},
        {
            "name": "numpy",
            "skip_reason": "Dependency not found on PyPI and could not be audited: numpy (2.4.6)",
        },
        {"name": "caisse-commune", "skip_reason": "distribution marked as editable"},
    ],
    "fixes": [],
}


def test_pip_audits_report_is_read_as_audited_and_skipped_packages() -> None:
    result = audit.parse_pip_audit(PIP_AUDIT_REPORT)
    assert result.audited == [
        Finding("jinja2", "3.1.6", PIP_AUDIT),
        Finding("requests", "2.0.0", PIP_AUDIT, ("GHSA-x",), "fixed in 2.3.0"),
    ]
    assert set(result.skipped) == {"numpy", "caisse-commune"}


def test_the_latest_release_is_audited_from_the_project_json() -> None:
    clean = audit.judge_from_project_json("scipy", "1.18.1", project_json("1.18.1"))
    assert clean == Finding("scipy", "1.18.1", FALLBACK)
    vulnerable = audit.judge_from_project_json("foo", "2.0.0", project_json("2.0.0", [VULN]))
    assert vulnerable == Finding("foo", "2.0.0", FALLBACK, ("PYSEC-2099-1",), "fixed in 2.0.1")
    withdrawn = {**VULN, "withdrawn": "2099-02-01T00:00:00Z"}
    assert not audit.judge_from_project_json(
        "foo", "2.0.0", project_json("2.0.0", [withdrawn])
    ).vulnerabilities


def test_an_older_release_is_not_audited_by_the_latests_vulnerabilities() -> None:
    # Not even when the latest has some: they may not apply to the installed version, nor the
    # latest's clean record to an older one.
    for vulnerabilities in ([], [VULN]):
        finding = audit.judge_from_project_json("numpy", "2.4.6", project_json("2.5.5", vulnerabilities))
        assert finding.how == NOT_AUDITED and finding.vulnerabilities == ()
        assert "installed 2.4.6, latest 2.5.5" in finding.note
    no_field = audit.judge_from_project_json("odd", "1.0", {"info": {"version": "1.0"}})
    assert no_field.how == NOT_AUDITED and "no vulnerabilities field" in no_field.note


def test_what_pip_audit_skipped_falls_back_and_the_project_itself_is_left_out() -> None:
    installed = {"jinja2": "3.1.6", "requests": "2.0.0", "numpy": "2.4.6", "scipy": "1.18.1",
                 "caisse-commune": "0.1.0"}  # fmt: skip
    asked: list[str] = []

    def fetch(name: str) -> dict[str, Any]:
        asked.append(name)
        return {"numpy": project_json("2.4.6", [VULN]), "scipy": project_json("1.18.1")}[name]

    findings = audit.audit(installed, audit.parse_pip_audit(PIP_AUDIT_REPORT), fetch)
    # scipy was in neither pip-audit's audited nor skipped lists: it is looked up too.
    assert sorted(asked) == ["numpy", "scipy"]
    assert [(f.name, f.how, f.vulnerabilities) for f in findings] == [
        ("jinja2", PIP_AUDIT, ()),
        ("numpy", FALLBACK, ("PYSEC-2099-1",)),
        ("requests", PIP_AUDIT, ("GHSA-x",)),
        ("scipy", FALLBACK, ()),
    ]
    assert audit.exit_status(findings) == 1


def test_an_unreachable_pypi_never_fails_the_audit_but_says_so() -> None:
    def fetch(name: str) -> dict[str, Any]:
        if name == "gone":
            raise urllib.error.HTTPError(
                "https://pypi.org/pypi/gone/json", 404, "Not Found", {}, io.BytesIO()
            )  # type: ignore[arg-type]
        if name == "garbled":
            raise json.JSONDecodeError("Expecting value", "<html>", 0)
        raise urllib.error.URLError(OSError("Network is unreachable"))

    findings = audit.audit(
        {"gone": "1.0", "garbled": "1.0", "far": "1.0"},
        None,
        fetch,
        why_no_pip_audit="pip-audit is not installed",
    )
    notes = {f.name: f.note for f in findings}
    assert all(f.how == NOT_AUDITED for f in findings)
    assert notes["gone"] == "PyPI answered 404 for the project; pip-audit is not installed"
    assert notes["garbled"].startswith("PyPI unreachable: JSONDecodeError")
    assert notes["far"].startswith("PyPI unreachable: URLError")
    assert audit.exit_status(findings) == 0
    printed = audit.table(findings)
    assert "not audited                         3" in printed and "NOT AUDITED (3)" in printed


def test_a_pypi_that_hangs_is_cut_at_the_deadline_not_waited_for() -> None:
    def fetch(name: str) -> dict[str, Any]:
        if name == "slow":
            time.sleep(2)
        return project_json("1.0")

    started = time.monotonic()
    findings = audit.fall_back({"slow": "1.0", "quick": "1.0"}, fetch, deadline=0.3)
    assert time.monotonic() - started < 1.5
    by_name = {f.name: f for f in findings}
    assert by_name["quick"].how == FALLBACK
    assert by_name["slow"].how == NOT_AUDITED and "no answer within 0 s" in by_name["slow"].note


def test_the_table_puts_vulnerabilities_first_with_their_fixes() -> None:
    findings = [
        Finding("a", "1.0", PIP_AUDIT),
        Finding("b", "2.0.0", FALLBACK, ("PYSEC-2099-1",), "fixed in 2.0.1"),
        Finding("c", "0.1", NOT_AUDITED, note="installed 0.1, latest 0.2: ..."),
    ]
    lines = audit.table(findings).splitlines()
    assert lines[0] == "KNOWN VULNERABILITIES"
    assert lines[1] == "  b 2.0.0: PYSEC-2099-1 (PyPI latest; fixed in 2.0.1)"
    assert "pip-audit                           1" in lines
    assert lines[-1] == "  c 0.1: installed 0.1, latest 0.2: ..."


def test_a_missing_pip_audit_is_reported_not_raised() -> None:
    result, why = audit.run_pip_audit("/nonexistent/pip-audit", timeout=1, deadline=5)
    assert result is None and why == "/nonexistent/pip-audit is not installed"


@pytest.mark.parametrize("name", ["Jinja2", "jinja2", "JINJA2"])
def test_installed_versions_are_keyed_by_canonical_name(name: str) -> None:
    assert audit.installed_versions()[audit.canonicalize_name(name)]
