package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gomlx/gomlx/backends"

	"github.com/repgeo/repgeo/backend"
	"github.com/repgeo/repgeo/data"
	"github.com/repgeo/repgeo/models"
)

func init() {
	commands["eval"] = command{
		summary: "test accuracy and loss of a checkpoint on its dataset",
		run:     runEval,
	}
}

// evalOutput is the --json output of "repgeo eval"; its keys are a contract.
type evalOutput struct {
	TestAccuracy jsonFloat `json:"test_accuracy"`
	TestLoss     jsonFloat `json:"test_loss"`
	Images       int       `json:"images"`
}

func runEval(args []string, stdout io.Writer) error {
	fs := newCommandFlags("eval", "--checkpoint=DIR --dataset=NAME [--test-limit=N] [--json]",
		"Evaluates the model of a checkpoint directory (from train, or a zoo member\n"+
			"such as zoo/resnet20-w1-s1) on the test split of a dataset: accuracy and\n"+
			"mean cross-entropy, batch norm in inference mode.")
	ckpt := fs.String("checkpoint", "", "checkpoint directory")
	dataset := fs.String("dataset", "", "dataset: "+strings.Join(data.Names(), ", "))
	dataDir := fs.String("data", "", "directory of the dataset's files (default $"+data.EnvDataDir+"; Fashion-MNIST: "+data.DefaultFashionMNISTDir+")")
	limit := fs.Int("test-limit", 0, "evaluate on only the first N test images (0: all)")
	asJSON := fs.Bool("json", false, `print {"test_accuracy": ..., "test_loss": ..., "images": ...}`)
	if err := parseCommandFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return badInput("eval takes no arguments, got %q", fs.Args())
	}
	if *ckpt == "" || *dataset == "" {
		return badInput("--checkpoint and --dataset are required")
	}
	if *limit < 0 {
		return badInput("--test-limit=%d must not be negative", *limit)
	}
	set, b, err := loadWithBackend(*dataset, *dataDir)
	if err != nil {
		return err
	}
	defer b.Finalize()
	net, err := models.Load(b, *ckpt)
	if errors.Is(err, models.ErrCheckpoint) {
		return badInput("%v", err)
	}
	if err != nil {
		return err
	}
	if net.Config.Dataset != set.Name {
		return badInput("%s was trained on %s, not %s", *ckpt, net.Config.Dataset, set.Name)
	}
	ev, err := models.Evaluate(net, set, *limit)
	if err != nil {
		return err
	}
	if *asJSON {
		return emitJSON(stdout, evalOutput{TestAccuracy: jsonFloat(ev.Accuracy), TestLoss: jsonFloat(ev.Loss), Images: ev.Images})
	}
	_, err = fmt.Fprintf(stdout, "%s (width %g) on %s: test accuracy %.4f, test loss %.4f on %d images\n",
		net.Config.Model, net.Config.Width, set.Name, ev.Accuracy, ev.Loss, ev.Images)
	return err
}

// loadWithBackend loads a dataset (an error there is bad input) and starts
// the backend that runs a model on it; the caller finalizes the backend.
func loadWithBackend(dataset, dir string) (*data.Set, backends.Backend, error) {
	set, err := data.Load(dataset, dir)
	if err != nil {
		return nil, nil, badInput("%v", err)
	}
	b, err := backend.New()
	if err != nil {
		return nil, nil, err
	}
	return set, b, nil
}
