#!/usr/bin/python3
"""Validates configs against schemas/model.schema.json with an independent validator (Debian's
python3-jsonschema): every file in configs/, configs/seeds/ and tests/configs/valid/ must pass; every invalid config whose second line says
`# schema: rejects` must fail (the others are invalid for reasons a schema cannot see: cycles, shapes...)."""
import glob
import json
import os
import sys

import jsonschema
import yaml

root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with open(os.path.join(root, "schemas", "model.schema.json")) as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)

failures = []
valid = sorted(
    glob.glob(os.path.join(root, "configs", "*.yaml"))
    + glob.glob(os.path.join(root, "configs", "seeds", "*.yaml"))
    + glob.glob(os.path.join(root, "tests", "configs", "valid", "*.yaml"))
)
for path in valid:
    with open(path) as f:
        errors = list(validator.iter_errors(yaml.safe_load(f)))
    if errors:
        failures.append(f"{path}: rejected by the schema: {errors[0].message} at {list(errors[0].absolute_path)}")

rejects = 0
for path in sorted(glob.glob(os.path.join(root, "tests", "configs", "invalid", "*.yaml"))):
    with open(path) as f:
        text = f.read()
    lines = text.split("\n")
    if len(lines) < 2 or lines[1].strip() != "# schema: rejects":
        continue
    rejects += 1
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        continue  # not even YAML: rejected before any schema
    if validator.is_valid(document):
        failures.append(f"{path}: marked '# schema: rejects' but the schema accepts it")

print(f"{len(valid)} configs valid, {rejects} invalid configs rejected by the schema")
if not valid or rejects < 10:
    failures.append("expected configs/ and at least 10 schema-invalid configs")
for line in failures:
    print("FAIL:", line)
sys.exit(1 if failures else 0)
