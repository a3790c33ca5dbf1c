#!/usr/bin/python3
"""Renders executed notebooks as Markdown that reads anywhere: NAME.md with its
figures as PNG files in NAME_files/, all in OUTDIR. Code hosts display such
pages with their images; nothing is loaded from the machine that rendered them.

Usage: render_notebooks.py [--text-from DIR] OUTDIR EXECUTED.ipynb...

--text-from DIR takes the Markdown cells from the notebook of the same name
in DIR (the sources, notebooks/) before rendering, and writes them into the
executed notebook too: for prose written after a run from the numbers it
printed, without running it again. The code cells of both must be the same,
or the notebook is not rendered.

HTML outputs that embed PNG frames (the sliders of ui.ShowSlider) become one
image per frame, each under its caption, since a Markdown page runs no script.
A rendering that still refers to a local file (file://) is an error. A
notebook with a failed cell (an error output) is not rendered: the rendering
of an earlier run, if any, is kept.
"""
import os
import re
import shutil
import sys

import nbformat
from nbconvert import MarkdownExporter

# A line of stderr that GoNB writes when a cell's program panics or exits non-zero.
FAILED = re.compile(r"(?m)^(panic: .*|exit status [0-9]+)$")

FRAME = re.compile(r'(?:<div>([^<]*)</div>)?<img src="data:image/png;base64,([^"]+)"\s*/?>')


def split_frames(nb):
    """Replaces each HTML output that embeds PNG images with the images
    themselves, each preceded by its caption."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outs = []
        for out in cell.get("outputs", []):
            page = out.get("data", {}).get("text/html", "")
            frames = FRAME.findall(page) if page else []
            if not frames:
                outs.append(out)
                continue
            for caption, png in frames:
                if caption:
                    outs.append(nbformat.v4.new_output("display_data", data={"text/markdown": "*" + caption.strip() + "*"}))
                outs.append(nbformat.v4.new_output("display_data", data={"image/png": png}))
        cell.outputs = outs


def refresh_text(path, nb, srcdir):
    """Replaces the Markdown cells of the executed notebook nb (read from path)
    with those of its source in srcdir, whose code cells must be the same,
    and saves nb at path (before render checks its outputs: only its Markdown
    changes)."""
    src_path = os.path.join(srcdir, os.path.basename(path))
    if not os.path.isfile(src_path):
        raise SystemExit("%s: not rendered: no source notebook %s" % (path, src_path))
    src = nbformat.read(src_path, as_version=4)
    kinds = [c.cell_type for c in nb.cells]
    if kinds != [c.cell_type for c in src.cells]:
        raise SystemExit("%s: not rendered: its cells differ from those of %s (run it again)" % (path, src_path))
    for i, (cell, new) in enumerate(zip(nb.cells, src.cells)):
        if cell.cell_type == "code" and cell.source != new.source:
            raise SystemExit("%s: not rendered: code cell %d differs from that of %s (run it again)" % (path, i, src_path))
        if cell.cell_type == "markdown":
            cell.source = new.source
    with open(path + ".tmp", "w") as f:
        nbformat.write(nb, f)
    os.replace(path + ".tmp", path)


def render(path, outdir, srcdir=None):
    """Writes the Markdown rendering of the notebook at path into outdir,
    with the Markdown cells of its source in srcdir if given."""
    name = os.path.splitext(os.path.basename(path))[0]
    nb = nbformat.read(path, as_version=4)
    if srcdir:
        refresh_text(path, nb, srcdir)
    for i, cell in enumerate(nb.cells):
        if any(out.get("output_type") == "error" or (out.get("name") == "stderr" and FAILED.search(out.get("text", "")))
               for out in cell.get("outputs", [])):
            raise SystemExit("%s: not rendered: cell %d failed (an earlier rendering is kept)" % (path, i))
    split_frames(nb)
    files = name + "_files"
    body, resources = MarkdownExporter().from_notebook_node(
        nb, resources={"unique_key": name, "output_files_dir": files})
    if "file://" in body:
        raise SystemExit("%s: the rendering refers to a local file (file://)" % path)
    shutil.rmtree(os.path.join(outdir, files), ignore_errors=True)
    for fn, data in resources.get("outputs", {}).items():
        dst = os.path.join(outdir, fn)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst + ".tmp", "wb") as f:
            f.write(data)
        os.replace(dst + ".tmp", dst)
    md = os.path.join(outdir, name + ".md")
    with open(md + ".tmp", "w") as f:
        f.write(body)
    os.replace(md + ".tmp", md)
    return md


def main(args):
    srcdir = None
    if args[:1] == ["--text-from"] and len(args) > 1:
        srcdir, args = args[1], args[2:]
    if len(args) < 2 or any(a.startswith("--") for a in args):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    outdir = args[0]
    os.makedirs(outdir, exist_ok=True)
    for p in args[1:]:
        print("rendered %s" % render(p, outdir, srcdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
