package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/repgeo/repgeo/models"
)

func init() {
	commands["models"] = command{
		summary: "list the models that train and extract know, and their taps",
		run:     runModels,
	}
}

func runModels(args []string, stdout io.Writer) error {
	fs := newCommandFlags("models", "[--fine]",
		"Lists the architectures of train and extract with their taps (the\nrepresentations extract writes), in path order.")
	fine := fs.Bool("fine", false, "list the fine taps (--layers=fine) instead of the coarse ones")
	if err := parseCommandFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return badInput("models takes no arguments, got %q", fs.Args())
	}
	grain := models.Coarse
	if *fine {
		grain = models.Fine
	}
	for _, name := range models.Names() {
		taps, err := models.TapNames(name, grain)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %s\n", name, models.Describe(name))
		fmt.Fprintf(stdout, "  %d taps (--layers=%s): %s\n", len(taps), grain, strings.Join(taps, " "))
	}
	return nil
}
