#!/usr/bin/env python3
"""Validates mend reports (JSON files) against docs/report.schema.json and checks their key order."""
import json
import sys

import jsonschema


def main():
    if len(sys.argv) < 3:
        print("usage: validate_reports.py SCHEMA REPORT.json...", file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    order = list(schema["properties"])
    bad = 0
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        try:
            doc = json.loads(text)
        except ValueError as exc:
            print(f"{path}: not JSON: {exc}", file=sys.stderr)
            bad += 1
            continue
        for err in validator.iter_errors(doc):
            where = "/".join(str(p) for p in err.absolute_path) or "(top)"
            print(f"{path}: {where}: {err.message}", file=sys.stderr)
            bad += 1
        keys = [k for k in doc if k in order] if isinstance(doc, dict) else []
        if keys != sorted(keys, key=order.index):
            print(f"{path}: keys out of the documented order: {keys}", file=sys.stderr)
            bad += 1
    print(f"{len(sys.argv) - 2} report(s) checked, {bad} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
