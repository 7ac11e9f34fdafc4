"""The dependency audit of `make audit` (run by `make test`): known vulnerabilities of the installed
packages, with a summary table saying how each one was audited, or why it could not be.

1. pip-audit audits the environment this script runs in (the project itself, installed editable,
   is left out), asking PyPI about each installed version.
2. What pip-audit could not audit (on some networks PyPI answers its per-version address
   /pypi/<name>/<version>/json with 404 and OSV is unreachable) is looked up at the project-level
   address /pypi/<name>/json, whose `vulnerabilities` are those of the latest release: they settle
   the question when the installed version *is* the latest, and only then.
3. Anything still unknown is listed with the reason.

Exit status 1 when a known vulnerability is found; 0 otherwise, including when the network could
not answer (CI must not fail for that), in which case the table says so plainly.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

PROJECT = "caisse-commune"
PYPI_PROJECT_URL = "https://pypi.org/pypi/{name}/json"
# pip-audit asks PyPI one package at a time: bound the whole run, not only each request.
PIP_AUDIT_DEADLINE = 180
FALLBACK_DEADLINE = 60

PIP_AUDIT = "pip-audit"
FALLBACK = "PyPI latest"
NOT_AUDITED = "not audited"

Fetch = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class Finding:
    """One installed distribution: how it was audited (`PIP_AUDIT`, `FALLBACK` or `NOT_AUDITED`),
    the ids of its known vulnerabilities, and a note (why it was not audited, or the fixes)."""

    name: str
    version: str
    how: str
    vulnerabilities: tuple[str, ...] = ()
    note: str = ""


@dataclass
class PipAuditResult:
    audited: list[Finding] = field(default_factory=list)
    # name -> pip-audit's reason for skipping it
    skipped: dict[str, str] = field(default_factory=dict)


def installed_versions() -> dict[str, str]:
    """Canonical name -> version of every distribution installed where this script runs."""
    versions: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            versions.setdefault(canonicalize_name(name), dist.version)
    return versions


def parse_pip_audit(report: dict[str, Any]) -> PipAuditResult:
    """pip-audit's JSON report (`-f json`) as audited findings and skipped names."""
    result = PipAuditResult()
    for dep in report.get("dependencies", []):
        name = canonicalize_name(dep["name"])
        if "skip_reason" in dep:
            result.skipped[name] = str(dep["skip_reason"])
            continue
        vulns = dep.get("vulns", [])
        fixes = sorted({v for vuln in vulns for v in vuln.get("fix_versions", [])})
        note = f"fixed in {', '.join(fixes)}" if fixes else ""
        result.audited.append(
            Finding(name, dep.get("version", "?"), PIP_AUDIT, tuple(v["id"] for v in vulns), note)
        )
    return result


def judge_from_project_json(name: str, version: str, payload: dict[str, Any]) -> Finding:
    """The fallback's verdict from PyPI's project-level JSON: its `vulnerabilities` belong to the
    latest release, so they audit the installed version only when that is the latest."""
    latest = str(payload.get("info", {}).get("version", ""))
    if "vulnerabilities" not in payload:
        return Finding(name, version, NOT_AUDITED, note="PyPI's answer lists no vulnerabilities field")
    if latest != version:
        note = f"installed {version}, latest {latest}: PyPI's project JSON covers only the latest release"
        return Finding(name, version, NOT_AUDITED, note=note)
    found = [v for v in payload["vulnerabilities"] if not v.get("withdrawn")]
    fixes = sorted({f for v in found for f in v.get("fixed_in") or []})
    note = f"fixed in {', '.join(fixes)}" if fixes else ""
    return Finding(name, version, FALLBACK, tuple(str(v.get("id", "?")) for v in found), note)


def fetch_project_json(name: str, timeout: float = 10) -> dict[str, Any]:
    request = urllib.request.Request(
        PYPI_PROJECT_URL.format(name=name), headers={"Accept": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return dict(json.load(answer))


def fall_back(
    missing: dict[str, str],
    fetch: Fetch,
    *,
    workers: int = 16,
    deadline: float = FALLBACK_DEADLINE,
) -> list[Finding]:
    """Judge each (name -> version) from its project-level JSON, fetched in parallel; a failed or
    late answer leaves the package NOT_AUDITED with the reason."""
    if not missing:
        return []

    def one(name: str, version: str) -> Finding:
        try:
            return judge_from_project_json(name, version, fetch(name))
        except urllib.error.HTTPError as exc:
            return Finding(name, version, NOT_AUDITED, note=f"PyPI answered {exc.code} for the project")
        except (OSError, ValueError) as exc:  # unreachable, timed out, not JSON
            return Finding(name, version, NOT_AUDITED, note=f"PyPI unreachable: {exc.__class__.__name__}")

    pool = ThreadPoolExecutor(max_workers=workers)
    futures = {pool.submit(one, name, version): name for name, version in missing.items()}
    done, _late = wait(futures, timeout=deadline)
    pool.shutdown(wait=False, cancel_futures=True)
    findings = [f.result() for f in done]
    answered = {f.name for f in findings}
    findings += [
        Finding(name, version, NOT_AUDITED, note=f"PyPI gave no answer within {deadline:.0f} s")
        for name, version in missing.items()
        if name not in answered
    ]
    return findings


def run_pip_audit(pip_audit: str, timeout: float, deadline: float) -> tuple[PipAuditResult | None, str]:
    """(pip-audit's result, "") or (None, why it did not run)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        command = [
            pip_audit, "--local", "--skip-editable", "--format", "json", "--output", str(out),
            "--progress-spinner", "off", "--timeout", str(int(timeout)),
        ]  # fmt: skip
        try:
            subprocess.run(command, capture_output=True, text=True, timeout=deadline, check=False)
        except FileNotFoundError:
            return None, f"{pip_audit} is not installed"
        except subprocess.TimeoutExpired:
            return None, f"pip-audit did not finish within {deadline:.0f} s"
        try:
            return parse_pip_audit(json.loads(out.read_text())), ""
        except (OSError, ValueError, KeyError) as exc:
            return None, f"pip-audit wrote no readable report ({exc.__class__.__name__})"


def audit(
    installed: dict[str, str],
    pip_audit_result: PipAuditResult | None,
    fetch: Fetch,
    *,
    why_no_pip_audit: str = "",
    deadline: float = FALLBACK_DEADLINE,
) -> list[Finding]:
    """Every installed distribution's finding (the project itself left out), by name."""
    installed = {n: v for n, v in installed.items() if n != PROJECT}
    if pip_audit_result is None:
        findings: list[Finding] = []
        missing = dict(installed)
    else:
        findings = [f for f in pip_audit_result.audited if f.name != PROJECT]
        seen = {f.name for f in findings}
        # Skipped by pip-audit, or not in its report at all (a package it did not collect).
        missing = {n: v for n, v in installed.items() if n not in seen}
    findings += fall_back(missing, fetch, deadline=deadline)
    if why_no_pip_audit:
        findings = [
            replace(f, note=f"{f.note}; {why_no_pip_audit}" if f.note else why_no_pip_audit)
            if f.how == NOT_AUDITED
            else f
            for f in findings
        ]
    return sorted(findings, key=lambda f: f.name)


def table(findings: Iterable[Finding]) -> str:
    """The summary: vulnerable packages, then the counts by way of audit, then what was not audited."""
    findings = list(findings)
    lines = []
    vulnerable = [f for f in findings if f.vulnerabilities]
    if vulnerable:
        lines.append("KNOWN VULNERABILITIES")
        for f in vulnerable:
            how = f"{f.how}; {f.note}" if f.note else f.how
            lines.append(f"  {f.name} {f.version}: {', '.join(f.vulnerabilities)} ({how})")
    counts = {how: sum(f.how == how for f in findings) for how in (PIP_AUDIT, FALLBACK, NOT_AUDITED)}
    lines.append(f"{'audited by':<28}{'packages':>9}")
    lines.append(f"{'pip-audit':<28}{counts[PIP_AUDIT]:>9}")
    lines.append(f"{'PyPI project JSON (latest)':<28}{counts[FALLBACK]:>9}")
    lines.append(f"{'not audited':<28}{counts[NOT_AUDITED]:>9}")
    lines.append(f"{'total':<28}{len(findings):>9}")
    not_audited = [f for f in findings if f.how == NOT_AUDITED]
    if not_audited:
        lines.append(f"NOT AUDITED ({len(not_audited)}): no known vulnerability, but none could be ruled out")
        lines += [f"  {f.name} {f.version}: {f.note}" for f in not_audited]
    return "\n".join(lines)


def exit_status(findings: Iterable[Finding]) -> int:
    """1 when any known vulnerability was found; a package not audited never fails the run."""
    return 1 if any(f.vulnerabilities for f in findings) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_pip_audit = str(Path(sys.executable).with_name(PIP_AUDIT))
    parser.add_argument("--pip-audit", default=default_pip_audit, help="the pip-audit command")
    parser.add_argument("--timeout", type=float, default=10, help="seconds per HTTP request")
    args = parser.parse_args(argv)

    started = time.monotonic()
    result, why = run_pip_audit(args.pip_audit, args.timeout, PIP_AUDIT_DEADLINE)
    findings = audit(
        installed_versions(),
        result,
        lambda name: fetch_project_json(name, timeout=args.timeout),
        why_no_pip_audit=why,
    )
    print(f"dependency audit ({time.monotonic() - started:.1f} s)")
    print(table(findings))
    status = exit_status(findings)
    print("audit: FAILED, known vulnerabilities above" if status else "audit: no known vulnerability")
    return status


if __name__ == "__main__":
    sys.exit(main())
