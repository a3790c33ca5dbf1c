// Command repgeo measures the representational geometry of neural networks
// from activation files (.npy/.npz), and trains and probes the models of the
// models package.
//
// Usage:
//
//	repgeo COMMAND [flags] [files]
//
// Run "repgeo help" for the list of commands and "repgeo COMMAND -h" for
// the flags of one. Flags go before files.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/repgeo/repgeo/models"
	"github.com/repgeo/repgeo/repgeo"
)

// command is one subcommand of repgeo. Each lives in its own file and adds
// itself to commands in an init function.
type command struct {
	// summary is one line shown by "repgeo help".
	summary string
	// run executes the command with its arguments (after the command name).
	// Output goes to stdout; an error is printed as one line on stderr.
	run func(args []string, stdout io.Writer) error
}

var commands = map[string]command{}

// usageError marks errors caused by bad input or flags; they exit with status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// badInput returns an error formatted by errorf as a usage error (exit status 2).
func badInput(format string, args ...any) error {
	return usageError{errorf(format, args...)}
}

// errorf is fmt.Errorf with the errors among args formatted by
// errorMessage: the messages of the repgeo package's errors and of the
// models package's activation-file errors without their package prefix,
// which the subcommand's prefix replaces. %w wraps them.
func errorf(format string, args ...any) error {
	for i, a := range args {
		if e, ok := a.(error); ok {
			args[i] = libError{e}
		}
	}
	return fmt.Errorf(format, args...)
}

// libError is an error formatted by errorMessage.
type libError struct{ err error }

func (e libError) Error() string { return errorMessage(e.err) }

// errorMessage returns the message of err without the package prefix when
// err is an error of package repgeo or a *models.ActivationsError, and
// err.Error() otherwise. Like repgeo.Message, it looks at err itself only.
func errorMessage(err error) string {
	if ae, ok := err.(*models.ActivationsError); ok {
		return ae.Message()
	}
	return repgeo.Message(err)
}
func (e libError) Unwrap() error { return e.err }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func init() {
	// The command's products run in the fast BLAS (see repgeo.UseFastBLAS).
	repgeo.UseFastBLAS()
}

// run dispatches to a subcommand and returns the process exit status:
// 0 on success, 2 for bad input or flags, 1 for other failures.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "repgeo: unknown command %q (run \"repgeo help\")\n", args[0])
		return 2
	}
	if err := cmd.run(args[1:], stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "repgeo %s: %s\n", args[0], repgeo.Message(err))
		var ue usageError
		if errors.As(err, &ue) {
			return 2
		}
		return 1
	}
	return 0
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "repgeo: representational geometry of neural networks")
	fmt.Fprintln(w, "\nUsage: repgeo COMMAND [flags] [files]   (flags go before files)")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, commands[n].summary)
	}
}
