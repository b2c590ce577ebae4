#!/usr/bin/env python3
"""Fails when the modules of a crate import each other in a circle (a imports b, b imports a, or
a longer loop): each file should lean on the ones below it, so it can be read and changed alone.

Reads each module's `use`/path references to `crate::`, `super::` and `self::` (unit-test
modules and comments left out), maps them to the module files of the crate, and reports every
strongly connected group of files. Run by scripts/lint.sh:

    scripts/check-import-cycles.py src actors/src
"""
import os
import re
import sys

TEST_MODULE = "#[cfg(test)]"
REFERENCE = re.compile(r"\b(crate|super|self)((?:::\w+)+)")


def module_files(root):
    """Module path (a tuple of names) -> file, for every .rs file under root."""
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            if not name.endswith(".rs"):
                continue
            path = os.path.join(folder, name)
            parts = tuple(os.path.relpath(path, root)[: -len(".rs")].split(os.sep))
            if parts[-1] in ("mod", "lib", "main"):
                parts = parts[:-1]
            files[parts] = path
    return files


def imports(files, module, path):
    """The crate's modules that `module` (in file `path`) refers to, itself and the root aside."""
    source = open(path, encoding="utf-8").read().split(TEST_MODULE)[0]
    source = re.sub(r"//[^\n]*", "", source)
    # In `a/mod.rs` and `a.rs` alike, `super` is a's parent and `self` is a.
    bases = {"crate": (), "super": module[:-1], "self": module}
    found = set()
    for match in REFERENCE.finditer(source):
        segments = bases[match.group(1)] + tuple(s for s in match.group(2).split("::") if s)
        for length in range(len(segments), 0, -1):
            target = segments[:length]
            if target in files:
                if target != module:
                    found.add(target)
                break
    return found


def cycles(graph):
    """Tarjan's strongly connected components of more than one module."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted("/".join(m) for m in group))

    sys.setrecursionlimit(10_000)
    for node in graph:
        if node not in index:
            visit(node)
    return groups


def main(roots):
    failed = False
    for root in roots:
        files = module_files(root)
        graph = {module: imports(files, module, path) for module, path in files.items()}
        for group in cycles(graph):
            failed = True
            print(f"check-import-cycles: {root}: these modules import each other: {', '.join(group)}", file=sys.stderr)
    if not failed:
        print(f"check-import-cycles: no import circle in {', '.join(roots)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["src", "actors/src"]))
