"""docs/openapi.yaml and the README's "HTTP routes" section say the same thing: the same routes,
the same error codes, the same publish body fields. Run by tests/openapi/run.sh, before the hub
starts; exits non-zero naming each difference.

    python check_readme.py README.md docs/openapi.yaml
"""

import re
import sys

import yaml

METHODS = ("get", "post", "put", "patch", "delete")


def section(readme: str, heading: str) -> list[str]:
    """The lines under `heading`, up to the next heading of any level."""
    lines = readme.splitlines()
    start = lines.index(heading) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("#")), len(lines))
    return lines[start:end]


def tables(lines: list[str]) -> list[list[list[str]]]:
    """Each Markdown table in `lines`, as rows of cells, header and separator left out. A `|`
    inside a code span does not split a cell."""
    found, current = [], []
    for line in lines + [""]:
        if line.startswith("|"):
            current.append(cells(line))
        elif current:
            found.append(current[2:])
            current = []
    return found


def cells(row: str) -> list[str]:
    out, cell, in_code = [], "", False
    for c in row.strip().strip("|"):
        if c == "`":
            in_code = not in_code
        if c == "|" and not in_code:
            out.append(cell.strip())
            cell = ""
            continue
        cell += c
    out.append(cell.strip())
    return out


def code_spans(cell: str) -> list[str]:
    return re.findall(r"`([^`]*)`", cell)


def main(readme_path: str, document_path: str) -> int:
    with open(readme_path, encoding="utf-8") as f:
        readme = f.read()
    with open(document_path, encoding="utf-8") as f:
        document = yaml.safe_load(f)
    problems = []

    # The operations: every path item's methods, through `$ref` to components/pathItems.
    operations = set()
    for path, item in document["paths"].items():
        if "$ref" in item:
            item = document["components"]["pathItems"][item["$ref"].rsplit("/", 1)[1]]
        operations.update(f"{method.upper()} {path}" for method in METHODS if method in item)

    errors, routes, body = tables(section(readme, "## HTTP routes"))

    # Routes: each README row names its routes as `METHOD /path` code spans in its first cell.
    documented = set()
    for row in routes:
        for span in code_spans(row[0]):
            method, _, path = span.partition(" ")
            documented.add(f"{method} {path}")
    for route in sorted(documented - operations):
        problems.append(f"the README lists {route}, which docs/openapi.yaml does not")
    # The dashboard's files are one README row ("`GET /dashboard/` (and its files)").
    for operation in sorted(operations - documented):
        if not operation.startswith("GET /dashboard"):
            problems.append(f"docs/openapi.yaml has {operation}, which the README's route table does not list")

    # Error codes: the README's table against ErrorBody's enum.
    readme_codes = {code for row in errors for code in code_spans(row[1]) if re.fullmatch(r"[a-z_]+", code)}
    enum = set(document["components"]["schemas"]["ErrorBody"]["properties"]["error"]["enum"])
    if readme_codes != enum:
        problems.append(f"error codes: README {sorted(readme_codes)}, docs/openapi.yaml {sorted(enum)}")

    # The publish body: field names and which are required.
    schema = document["components"]["schemas"]["PublishBody"]
    readme_fields = {code_spans(row[0])[0]: row[1] == "yes" for row in body}
    schema_fields = {name: name in schema["required"] for name in schema["properties"]}
    if readme_fields != schema_fields:
        problems.append(f"publish body fields (name: required): README {readme_fields}, docs/openapi.yaml {schema_fields}")

    for problem in problems:
        print(f"openapi: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
