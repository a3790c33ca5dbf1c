#!/usr/bin/env bash
# run_notebooks.sh SIZE [NOTEBOOK...] executes notebooks headless with the GoNB
# kernel at the given size, "smoke" or "full", and checks that every cell ran
# without error and that each notebook shows at least one figure.
#
#   smoke: executed notebooks, figures and cached models under runs/smoke;
#          nothing under docs/ changes (what make test runs).
#   full:  figures to docs/figures, notebooks rendered as Markdown with their
#          figures to docs/notebooks/NAME.md and NAME_files/ (pages that read
#          anywhere, scripts/render_notebooks.py), models and activations cached
#          under runs/full (what make figures runs).
#
# Both sizes also check the renderings in docs/notebooks (no file:// links, no
# missing images).
#
# Without NOTEBOOK arguments it runs notebooks/[0-9]*.ipynb in order.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

size=${1:-}
case "$size" in
smoke) timeout=1800 ;;
full) timeout=14400 ;;
*) echo "usage: $0 smoke|full [NOTEBOOK...]" >&2; exit 2 ;;
esac
shift
if [ $# -gt 0 ]; then nbs=("$@"); else nbs=(notebooks/[0-9]*.ipynb); fi

gobin=$(go env GOBIN)
[ -n "$gobin" ] || gobin="$(go env GOPATH | cut -d: -f1)/bin"
export PATH="$gobin:$PATH"
for tool in gonb goimports gopls; do
	command -v "$tool" >/dev/null || { echo "$0: $tool not found in $gobin: run make setup" >&2; exit 1; }
done
[ -x /usr/bin/jupyter ] || { echo "$0: /usr/bin/jupyter not found: run make setup" >&2; exit 1; }

out=$root/runs/$size
export REPGEO_SIZE=$size
export REPGEO_RUNS=$out
if [ "$size" = smoke ]; then
	export REPGEO_FIGURES=$out/figures
else
	unset REPGEO_FIGURES # the notebooks write to docs/figures
fi
mkdir -p "$out/notebooks" "$out/logs"

executed=()
total_start=$(date +%s)
for nb in "${nbs[@]}"; do
	[ -f "$nb" ] || { echo "$0: no notebook $nb" >&2; exit 2; }
	name=$(basename "$nb" .ipynb)
	rm -f "$out/notebooks/$name.ipynb"
	start=$(date +%s)
	# --allow-errors keeps executing and saves the notebook, so the checker
	# can report every failing cell; a kernel crash or timeout still fails here.
	if ! /usr/bin/jupyter nbconvert --to notebook --execute --allow-errors \
		--ExecutePreprocessor.kernel_name=gonb \
		--ExecutePreprocessor.timeout="$timeout" \
		--output-dir "$out/notebooks" "$nb" >"$out/logs/$name.log" 2>&1; then
		echo "$name: nbconvert failed, last lines of $out/logs/$name.log:"
		tail -n 15 "$out/logs/$name.log" | sed 's/^/    /'
	fi
	echo "$name: $(($(date +%s) - start)) s"
	executed+=("$out/notebooks/$name.ipynb")
	if [ "$size" = full ] && [ -f "$out/notebooks/$name.ipynb" ]; then
		/usr/bin/python3 scripts/render_notebooks.py "$root/docs/notebooks" \
			"$out/notebooks/$name.ipynb" >>"$out/logs/$name.log" 2>&1 \
			|| echo "$name: rendering failed (see $out/logs/$name.log)"
	fi
done
echo "notebooks took $(($(date +%s) - total_start)) s"
/usr/bin/python3 scripts/check_notebooks.py --renderings docs/notebooks "${executed[@]}"
