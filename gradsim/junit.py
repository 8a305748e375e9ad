"""JUnit XML for ``gradsim check``: one <testsuite> per scenario, one <testcase> per expectation.

The format CI systems read (GitHub Actions reporters, GitLab, Jenkins)::

    <testsuites name="gradsim check" tests="3" failures="1" errors="0" time="0.12">
      <testsuite name="exploding-linear" tests="2" failures="1" errors="0" skipped="0" time="0.05">
        <testcase classname="gradsim.exploding-linear" name="A[10] == 57.665" time="0.025"/>
        <testcase classname="gradsim.exploding-linear" name="..." time="0.025">
          <failure message="expected ...; got ..." type="ExpectationFailed">...</failure>
        </testcase>
      </testsuite>
    </testsuites>

A scenario that could not run at all is one <testcase> with an <error>. A scenario's expectations are
checked in one run, so its time is shared equally among its test cases.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from .text import printable


@dataclass(frozen=True)
class Case:
    name: str
    passed: bool
    message: str = ""  # one line: expected vs got
    detail: str = ""  # longer text for the element body
    error: bool = False  # the scenario could not run (as opposed to an expectation failing)


@dataclass
class Suite:
    name: str
    source: str = ""
    time: float = 0.0
    cases: list[Case] = field(default_factory=list)

    @property
    def failures(self) -> int:
        return sum(1 for c in self.cases if not c.passed and not c.error)

    @property
    def errors(self) -> int:
        return sum(1 for c in self.cases if c.error)


def junit_tree(suites: list[Suite], name: str = "gradsim check") -> ET.ElementTree:
    """The report; every name and message from a file is escaped (``text.printable``), so a control
    character cannot make the XML ill-formed."""
    total = ET.Element("testsuites", {
        "name": name,
        "tests": str(sum(len(s.cases) for s in suites)),
        "failures": str(sum(s.failures for s in suites)),
        "errors": str(sum(s.errors for s in suites)),
        "time": f"{sum(s.time for s in suites):.3f}",
    })
    for s in suites:
        el = ET.SubElement(total, "testsuite", {
            "name": printable(s.name), "tests": str(len(s.cases)), "failures": str(s.failures),
            "errors": str(s.errors), "skipped": "0", "time": f"{s.time:.3f}",
        })
        if s.source:
            props = ET.SubElement(el, "properties")
            ET.SubElement(props, "property", {"name": "source", "value": printable(s.source)})
        share = s.time / len(s.cases) if s.cases else 0.0
        for c in s.cases:
            case = ET.SubElement(el, "testcase", {"classname": printable(f"gradsim.{s.name}"),
                                                  "name": printable(c.name),
                                                  "time": f"{share:.3f}"})
            if c.error:
                bad = ET.SubElement(case, "error", {"message": printable(c.message), "type": "ScenarioError"})
                bad.text = printable(c.detail or c.message, keep="\n\t")
            elif not c.passed:
                bad = ET.SubElement(case, "failure", {"message": printable(c.message), "type": "ExpectationFailed"})
                bad.text = printable(c.detail or c.message, keep="\n\t")
    ET.indent(total)
    return ET.ElementTree(total)


def write_junit(path: str | Path, suites: list[Suite], name: str = "gradsim check") -> None:
    """Write the JUnit XML report of ``suites`` to ``path`` (UTF-8, with an XML declaration), through a
    temporary file renamed into place."""
    from .outputs import atomic_open

    tree = junit_tree(suites, name)
    with atomic_open(path, "wb") as f:
        tree.write(f, encoding="utf-8", xml_declaration=True)
