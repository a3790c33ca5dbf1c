package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
)

// jsonFloat is a float64 that encodes NaN and infinities as JSON null
// (encoding/json rejects them), and other values in their shortest exact form.
type jsonFloat float64

// MarshalJSON implements json.Marshaler.
func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// jsonFloats converts a slice for JSON output.
func jsonFloats(xs []float64) []jsonFloat {
	out := make([]jsonFloat, len(xs))
	for i, x := range xs {
		out[i] = jsonFloat(x)
	}
	return out
}

// emitJSON writes v to w as one line of JSON.
func emitJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// table writes aligned columns: cells are separated by tabs and rows end
// with a newline; flush aligns and writes them.
type table struct {
	tw *tabwriter.Writer
}

func newTable(w io.Writer) *table {
	return &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
}

// row adds one row; float64 cells are formatted with fmtNum.
func (t *table) row(cells ...any) {
	parts := make([]string, len(cells))
	for i, c := range cells {
		switch c := c.(type) {
		case float64:
			parts[i] = fmtNum(c)
		case string:
			parts[i] = c
		default:
			parts[i] = fmt.Sprint(c)
		}
	}
	fmt.Fprintln(t.tw, strings.Join(parts, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }

// fmtNum formats a number for tables: six decimals, "-" for NaN.
func fmtNum(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', 6, 64)
}

// checkOutputPath returns a bad-input error unless path ends with ext and
// its directory exists, so that a command fails before its work rather
// than after it.
func checkOutputPath(flagName, path, ext string) error {
	if !strings.EqualFold(filepath.Ext(path), ext) {
		return badInput("--%s %s: want a %s file", flagName, path, ext)
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return badInput("--%s %s: directory %s does not exist", flagName, path, dir)
	}
	return nil
}

// plural returns "1 file" or "n files".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
