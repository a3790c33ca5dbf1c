#!/usr/bin/python3
"""Checks executed notebooks: each passes when no cell produced an error output
and at least one cell shows a figure (an image/png output). With
--renderings DIR, also checks the published renderings in DIR (*.md, *.html):
each must refer to no local file (file://), which would display only on the
machine that rendered it, and every image a Markdown page shows must exist.

Usage: check_notebooks.py [--renderings DIR] EXECUTED.ipynb...

Prints one line per notebook and rendering, then "notebooks: N passed, N
failed", and exits with status 1 when any failed.
"""
import glob
import html
import os
import re
import sys

import nbformat


# A line of stderr that GoNB writes when a cell's program panics or exits non-zero.
FAILED = re.compile(r"(?m)^(panic: .*|exit status [0-9]+)$")


def details(cell, limit=12):
    """Returns the last lines of a failed cell's stderr and error messages,
    with GoNB's HTML formatting of compiler errors reduced to text."""
    lines = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            lines += out.get("text", "").splitlines()
        page = out.get("data", {}).get("text/html", "")
        if "gonb-err" in page:
            page = re.sub(r"(?s)<style>.*?</style>", "", page)
            page = re.sub(r'(?s)<div class="gonb-err-context">.*?</div>\s*</div>', "", page)
            text = html.unescape(re.sub(r"<[^>]+>", "", page))
            lines += [l.strip() for l in text.splitlines() if l.strip()]
    return lines[-limit:]


def check(path):
    """Returns a list of problems found in the executed notebook at path."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as e:  # a missing or truncated file is a failure too
        return ["cannot read: %s" % e]
    problems, figures, code_cells, executed = [], 0, 0, 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        code_cells += 1
        if cell.get("execution_count") is not None:
            executed += 1
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                msg = (out.get("ename", "") + " " + str(out.get("evalue", ""))).strip()
                problems.append("cell %d: error: %s" % (i, msg.splitlines()[0][:300] if msg else "?"))
                problems += ["    " + l[:300] for l in details(cell)]
            elif out.get("output_type") == "stream" and out.get("name") == "stderr" and FAILED.search(out.get("text", "")):
                # GoNB reports a cell program that panics or exits non-zero on stderr only.
                problems.append("cell %d: failed: %s" % (i, FAILED.search(out.get("text", "")).group(0)[:300]))
                problems += ["    " + l[:300] for l in details(cell)]
            elif "image/png" in out.get("data", {}):
                figures += 1
    if code_cells == 0:
        problems.append("no code cells")
    elif executed < code_cells:
        problems.append("only %d of %d code cells were executed" % (executed, code_cells))
    if figures == 0:
        problems.append("shows no figure (no image/png output)")
    return problems


def check_rendering(path):
    """Returns a list of problems found in the rendering at path."""
    with open(path, encoding="utf-8", errors="replace") as f:
        page = f.read()
    problems = []
    for m in re.finditer(r"file://[^\s\"')]*", page):
        problems.append("refers to a local file: %s" % m.group(0)[:200])
    if path.endswith(".md"):
        for m in re.finditer(r"!\[[^\]]*\]\(([^)\s]+)\)", page):
            target = m.group(1)
            if "://" not in target and not os.path.exists(os.path.join(os.path.dirname(path), target)):
                problems.append("shows a missing image: %s" % target)
    return problems


def main(args):
    renderings = []
    if len(args) >= 2 and args[0] == "--renderings":
        renderings = sorted(glob.glob(os.path.join(args[1], "*.md")) + glob.glob(os.path.join(args[1], "*.html")))
        if not renderings:
            print("no renderings in %s" % args[1], file=sys.stderr)
            return 1
        args = args[2:]
    paths = args
    if not paths and not renderings:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    passed = failed = 0
    checks = [(p, check) for p in paths] + [(r, check_rendering) for r in renderings]
    for p, fn in checks:
        problems = fn(p)
        if problems:
            failed += 1
            print("FAIL %s" % p)
            for pr in problems:
                print("     %s" % pr)
        else:
            passed += 1
            print("ok   %s" % p)
    print("notebooks: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
