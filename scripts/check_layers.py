#!/usr/bin/env python3
"""DESIGN.md's layer rules, checked on src/: no module cycle (modules that import each other,
directly or round a loop), SDK calls only under src/s3, no egui or eframe in the engine
(s3, transfer, cleanup, sandbox, local_data, sync, sizes, relocate, inspect), and sizes a
reader can hold (no file over 700 lines, no function over 120). Prints what breaks a rule and
exits 1; run by .ci/run after `cargo fmt --check`, whose layout the function rule reads."""

import os
import re
import sys

SRC = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
ENGINE = ("s3", "transfer", "cleanup", "sandbox", "local_data", "sync", "sizes", "relocate", "inspect")
SDK_CALL = re.compile(r"\.client\s*\.\s*[a-z_]+\(\)")
GUI = re.compile(r"\b(egui|eframe|egui_extras|egui_kittest)::")
MAX_FILE_LINES = 700
MAX_FN_LINES = 120
FN = re.compile(r"^(\s*)(pub(\([^)]*\))? )?(const )?(async )?(unsafe )?fn (\w+)")


def long_functions(text):
    """(name, first line, lines) of each function over MAX_FN_LINES, found by rustfmt's layout:
    a body ends at the first `}` alone at the indent of its `fn`."""
    lines = text.split("\n")
    found = []
    for start, line in enumerate(lines):
        m = FN.match(line)
        if not m or line.rstrip().endswith(";"):
            continue
        close = m.group(1) + "}"
        end = next((i for i in range(start, len(lines)) if lines[i].rstrip() == close), start)
        if end - start + 1 > MAX_FN_LINES:
            found.append((m.group(7), start + 1, end - start + 1))
    return found


def modules():
    """Module path (`s3::listing`) -> file, for every module under src/ but the crate roots."""
    found = {}
    for folder, _, files in os.walk(SRC):
        for name in files:
            if not name.endswith(".rs"):
                continue
            path = os.path.join(folder, name)
            parts = os.path.relpath(path, SRC)[:-3].split(os.sep)
            if parts[-1] == "mod":
                parts = parts[:-1]
            if parts not in (["lib"], ["main"]):
                found["::".join(parts)] = path
    return found


def without_tests(text):
    cut = text.find("#[cfg(test)]\nmod tests")
    return text if cut < 0 else text[:cut]


def imports(module, text, mods):
    """The modules `module` names, by `crate::` and `super::` paths (braced groups too)."""
    parent = module.rsplit("::", 1)[0] if "::" in module else ""
    prefix = parent + "::" if parent else ""
    paths = set(re.findall(r"crate::([a-z_][a-z0-9_:]*)", text))
    paths |= {prefix + p for p in re.findall(r"super::([a-z_][a-z0-9_:]*)", text)}
    for group in re.findall(r"super::\{([^}]*)\}", text):
        paths |= {prefix + p for p in re.findall(r"([a-z_][a-z0-9_]*)", group)}
    for group in re.findall(r"crate::\{([^}]*)\}", text):
        paths |= set(re.findall(r"([a-z_][a-z0-9_]*)", group))
    named = set()
    for path in paths:
        parts = path.split("::")
        for k in range(len(parts), 0, -1):
            candidate = "::".join(parts[:k])
            if candidate in mods:
                # A module's use of its own ancestors (their re-exports) is no cycle.
                if candidate != module and not module.startswith(candidate + "::"):
                    named.add(candidate)
                break
    return named


def cycles(edges):
    """Strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for v in edges:
        if v not in index:
            visit(v)
    return found


def main():
    mods = modules()
    texts = {m: open(p, encoding="utf-8").read() for m, p in mods.items()}
    edges = {m: imports(m, without_tests(texts[m]), mods) for m in mods}
    problems = [f"module cycle: {' <-> '.join(group)}" for group in cycles(edges)]
    for module, path in sorted(mods.items()):
        shown = os.path.relpath(path, os.path.dirname(SRC))
        top = module.split("::")[0]
        if top != "s3" and SDK_CALL.search(texts[module]):
            problems.append(f"SDK call outside src/s3: {shown}")
        if top in ENGINE and GUI.search(texts[module]):
            problems.append(f"egui in the engine: {shown}")
        lines = texts[module].count("\n")
        if lines > MAX_FILE_LINES:
            problems.append(f"{shown}: {lines} lines, over {MAX_FILE_LINES}: split it")
        for name, line, length in long_functions(texts[module]):
            problems.append(f"{shown}:{line}: fn {name} has {length} lines, over {MAX_FN_LINES}")
    for problem in problems:
        print(problem)
    if problems:
        sys.exit(1)
    print(f"layer rules hold in {len(mods)} modules: no cycle, SDK calls in src/s3 only, "
          f"no egui in the engine, no file over {MAX_FILE_LINES} lines, no function over "
          f"{MAX_FN_LINES}")


main()
