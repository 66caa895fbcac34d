"""security figures: least privilege, proven (infra/iam.py, docs/security.md).

- security.iam_missing_actions: AWS calls a function made in the tests that its role in the
  expanded template does not allow (goal 0);
- security.iam_unused_actions: (action, resource) grants no call used, actions that do not
  exist, resource wildcards wider than the calls (goal 0).

The calls are those of the whole test suite, as its last complete run recorded them
(.local/iam-needs.json, written by tests/infra/test_least_privilege.py). When the template,
the code or the tests changed since, the suite is run first (`python -m pytest`, about ten
minutes on two cores) to record them anew.
"""
from __future__ import annotations

import subprocess
import sys

from bench.harness import ROOT, Figure


def run() -> list[Figure]:
    from infra import iam

    how = "the last whole test run's record"
    current = iam.fingerprint()
    fresh = iam.RECORD.exists() and iam.load_record()[0] == current
    if not fresh:
        print("security.*: recording the calls of the whole test suite (python -m pytest)…")
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                       cwd=ROOT, check=False, stdout=subprocess.DEVNULL)
        how = "a whole test run, just now"
        if not iam.RECORD.exists() or iam.load_record()[0] != current:
            raise RuntimeError("the test run recorded no calls (did it stop early?)")
    _, needs = iam.load_record()
    report = iam.check(needs)
    for finding in report.missing + report.unused:
        print("security.iam_*: " + finding.line())
    return [
        Figure("security.iam_missing_actions", len(report.missing), "grants",
               f"0 ({how}: {len(needs)} distinct needs)"),
        Figure("security.iam_unused_actions", len(report.unused), "grants", "0"),
    ]
