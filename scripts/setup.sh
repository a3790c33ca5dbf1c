#!/usr/bin/env bash
# setup.sh installs, idempotently, what the notebooks need on a fresh Debian
# machine: Jupyter (from Debian), the Fashion-MNIST data set (from Debian),
# GoNB and its helper tools goimports and gopls at pinned versions, and the
# GoNB Jupyter kernel. Each step is skipped when already in place; a step that
# cannot be done stops the script with a message saying what to do.
set -euo pipefail

GONB_VERSION=v0.11.1     # the version pinned in go.mod
XTOOLS_VERSION=v0.52.0   # golang.org/x/tools, for goimports
GOPLS_VERSION=v0.23.0    # the last gopls that builds with Go 1.26
APT_PACKAGES=(jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel
	python3-nbformat dataset-fashion-mnist)

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null || die "the go command is not in PATH; install Go 1.26 first (https://go.dev/dl/)"

# --- Debian packages -------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -gt 0 ]; then
	command -v apt-get >/dev/null || die "apt-get not found; install these Debian packages by hand: ${missing[*]}"
	SUDO=()
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || die "not root and no sudo: run as root, or install: ${missing[*]}"
		SUDO=(sudo)
	fi
	say "installing Debian packages: ${missing[*]}"
	log=$(mktemp)
	"${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq >"$log" 2>&1 \
		|| { tail -n 20 "$log" >&2; die "apt-get update failed (is the Debian mirror reachable?)"; }
	DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
		--no-install-recommends "${missing[@]}" >"$log" 2>&1 \
		|| { tail -n 20 "$log" >&2; die "apt-get install ${missing[*]} failed"; }
	rm -f "$log"
else
	say "Debian packages present"
fi
[ -x /usr/bin/jupyter ] || die "/usr/bin/jupyter missing after installing jupyter-notebook"
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] \
	|| die "Fashion-MNIST files missing from /usr/share/datasets/fashion-mnist (package dataset-fashion-mnist)"

# --- Go tools --------------------------------------------------------------
gobin=$(go env GOBIN)
[ -n "$gobin" ] || gobin="$(go env GOPATH | cut -d: -f1)/bin"
export PATH="$gobin:$PATH"

# modversion BIN prints the main module version recorded in a Go binary.
modversion() { go version -m "$1" 2>/dev/null | awk '$1 == "mod" { print $3; exit }'; }

install_tool() { # name module-path version [throwaway-module]
	local name=$1 pkg=$2 version=$3 throwaway=${4:-}
	if [ -x "$gobin/$name" ] && [ "$(modversion "$gobin/$name")" = "$version" ]; then
		say "$name $version present"
		return
	fi
	say "installing $name $version"
	if [ -n "$throwaway" ]; then
		# The module proxy refuses gonb's version list, so "go install pkg@version"
		# fails; resolving it through go get in a scratch module works.
		local tmp
		tmp=$(mktemp -d)
		(cd "$tmp" && go mod init setup.invalid/tools >/dev/null 2>&1 \
			&& go get "$pkg@$version" && go install "$pkg") \
			|| { rm -rf "$tmp"; die "could not install $pkg@$version (is the Go module proxy reachable?)"; }
		rm -rf "$tmp"
	else
		(cd / && go install "$pkg@$version") || die "could not install $pkg@$version (is the Go module proxy reachable?)"
	fi
	[ "$(modversion "$gobin/$name")" = "$version" ] || die "$name in $gobin is not $version after installing"
}
install_tool gonb github.com/janpfeifer/gonb "$GONB_VERSION" throwaway
install_tool goimports golang.org/x/tools/cmd/goimports "$XTOOLS_VERSION"
install_tool gopls golang.org/x/tools/gopls "$GOPLS_VERSION"

# --- GoNB kernel -----------------------------------------------------------
kdir="${JUPYTER_DATA_DIR:-$HOME/.local/share/jupyter}/kernels/gonb"
if [ -f "$kdir/kernel.json" ] && grep -q "\"$gobin/gonb\"" "$kdir/kernel.json"; then
	say "GoNB kernel present in $kdir"
else
	say "installing the GoNB kernel"
	"$gobin/gonb" --install --logtostderr=false >/dev/null 2>&1 || "$gobin/gonb" --install \
		|| die "gonb --install failed"
fi
/usr/bin/python3 -c 'from jupyter_client.kernelspec import KernelSpecManager as M; M().get_kernel_spec("gonb")' \
	2>/dev/null || die "Jupyter does not find the gonb kernel after installing it (looked in $kdir)"
say "ready (add $gobin to PATH to use GoNB from your own shell)"
