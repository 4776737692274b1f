#!/usr/bin/env python3
"""Validates SBOMs written by bulwark-report with the formats' own tooling.

- CycloneDX: the official CycloneDX 1.6 JSON schema (shipped in cyclonedx-python-lib),
  with format checks (date-time, iri-reference, ...).
- SPDX: the SPDX project's own parser and validator (spdx-tools) for SPDX 2.3, which checks
  what the JSON schema checks and more (SPDXID syntax, relationship targets, license
  expressions against the license list, purl locators, actors). When SPDX_SCHEMA names a copy
  of the official spdx-schema.json (2.3), the document is also validated against it.
- Every purl in either format must parse with packageurl-python, the reference implementation.
- CycloneDX references must resolve: `dependencies` and `vulnerabilities[].affects` name
  existing bom-refs.

Needs: pip install 'cyclonedx-python-lib[json-validation]>=8,<12' 'spdx-tools>=0.8,<0.9'
(packageurl-python and jsonschema come with them).

Usage: validate_sbom.py [--cyclonedx FILE...] [--spdx FILE...]
Exit status: 0 valid, 1 invalid, 2 usage, 3 missing Python packages.
"""

import json
import os
import sys

PIP_HINT = "pip install 'cyclonedx-python-lib[json-validation]>=8,<12' 'spdx-tools>=0.8,<0.9'"

try:
    import jsonschema  # noqa: F401  (json-validation extra)
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    from packageurl import PackageURL
    from spdx_tools.spdx.parser.parse_anything import parse_file as parse_spdx
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
except ImportError as e:  # pragma: no cover - environment problem, not a test failure
    print(f"missing Python package for SBOM validation ({e}); install with:\n  {PIP_HINT}",
          file=sys.stderr)
    sys.exit(3)


def check_purl(where, purl, errors):
    try:
        PackageURL.from_string(purl)
    except ValueError as e:
        errors.append(f"{where}: purl {purl!r} does not parse: {e}")


def validate_cyclonedx(path):
    errors = []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    problems = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text, all_errors=True)
    for p in problems or []:
        e = getattr(p, "data", None)  # the underlying jsonschema error, when there is one
        errors.append(f"schema: {e.message} at {list(e.absolute_path)}" if e else f"schema: {p}")
    bom = json.loads(text)
    components = [bom["metadata"]["component"], *bom.get("components", [])]
    for c in components:
        if "purl" in c:
            check_purl(c.get("bom-ref", c["name"]), c["purl"], errors)
    refs = [c["bom-ref"] for c in components if "bom-ref" in c]
    if len(refs) != len(set(refs)):
        errors.append(f"duplicate bom-ref in {refs}")
    for d in bom.get("dependencies", []):
        for r in [d["ref"], *d.get("dependsOn", [])]:
            if r not in refs:
                errors.append(f"dependency names unknown bom-ref {r!r}")
    for v in bom.get("vulnerabilities", []):
        for a in v.get("affects", []):
            if a["ref"] not in refs:
                errors.append(f"vulnerability {v['id']} affects unknown bom-ref {a['ref']!r}")
    return errors


def validate_spdx(path):
    errors = []
    schema_path = os.environ.get("SPDX_SCHEMA")
    if schema_path:
        with open(schema_path, encoding="utf-8") as f:
            schema = json.load(f)
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
        errors += [f"schema: {e.message} at {list(e.absolute_path)}"
                   for e in validator.iter_errors(doc)]
    try:
        document = parse_spdx(path)
    except Exception as e:  # spdx-tools raises several types for malformed input
        return errors + [f"spdx-tools could not parse the document: {e}"]
    errors += [m.validation_message for m in validate_full_spdx_document(document, "SPDX-2.3")]
    for p in document.packages:
        for ref in p.external_references:
            if ref.reference_type == "purl":
                check_purl(p.spdx_id, ref.locator, errors)
    return errors


def main(argv):
    mode, files = None, {"--cyclonedx": [], "--spdx": []}
    for arg in argv:
        if arg in files:
            mode = arg
        elif mode is None:
            print(__doc__, file=sys.stderr)
            return 2
        else:
            files[mode].append(arg)
    if not any(files.values()):
        print(__doc__, file=sys.stderr)
        return 2
    failed = False
    for flag, check in (("--cyclonedx", validate_cyclonedx), ("--spdx", validate_spdx)):
        for path in files[flag]:
            errors = check(path)
            status = "ok" if not errors else f"{len(errors)} problem(s)"
            print(f"{flag[2:]}: {path}: {status}")
            for e in errors:
                print(f"  - {e}")
            failed |= bool(errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
