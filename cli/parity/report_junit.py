"""JUnit XML for CI: one test case per route; failures carry the why, uncovered routes are skipped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

JUNIT_NAME = "parity-junit.xml"


def write_junit(report: dict[str, Any], out_dir: Path) -> Path:
    routes = report["routes"]
    failures = sum(r["verdict"] in ("fail", "inconclusive") for r in routes)
    skipped = sum(r["verdict"] == "not_covered" for r in routes)
    suite = ET.Element("testsuite", {
        "name": "shopbot parity", "tests": str(len(routes)), "failures": str(failures),
        "skipped": str(skipped), "errors": "0", "time": str(report.get("duration_seconds", 0)),
        "timestamp": report["generated_at"],
    })
    properties = ET.SubElement(suite, "properties")
    for name in ("primary", "candidate", "corpus_sha256"):
        ET.SubElement(properties, "property", {"name": name, "value": str(report[name])})
    for route in routes:
        case = ET.SubElement(suite, "testcase", {"classname": "parity", "name": route["route"]})
        why = "\n".join(route["why"])
        if route["verdict"] in ("fail", "inconclusive"):
            first = route["why"][0] if route["why"] else "differences"
            kind = "ParityDifference" if route["verdict"] == "fail" else "NotEnoughSamples"
            failure = ET.SubElement(case, "failure", {"message": first[:300], "type": kind})
            failure.text = why
        elif route["verdict"] == "not_covered":
            ET.SubElement(case, "skipped", {"message": why[:300]})
        else:
            ET.SubElement(case, "system-out").text = why
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / JUNIT_NAME
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path
