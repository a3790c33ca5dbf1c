// Command pairwise times repgeo.Pairwise on the layers written by
// bench/pairwise_numpy.py and compares its distance matrices and times with
// numpy's, run on the same files in the same job.
//
//	go run ./bench/pairwise -dir bench/out/pairwise -numpy "$(cat bench/out/pairwise/numpy.json)"
//
// It prints one line per metric (wall time; the process CPU time, which
// varies less when the machine is shared; and the time by which every point
// was built) and exits with status 1 if a matrix differs from numpy's by more
// than -tol. -cpuprofile and -memprofile write profiles of the timed runs.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"codeberg.org/sbinet/npyio"
	"gonum.org/v1/gonum/mat"

	"github.com/repgeo/repgeo/repgeo"
)

func main() {
	dir := flag.String("dir", "bench/out/pairwise", "output folder of bench/pairwise_numpy.py")
	numpyJSON := flag.String("numpy", "", "the JSON line printed by bench/pairwise_numpy.py (its timings)")
	tol := flag.Float64("tol", 1e-6, "largest allowed |D_go - D_numpy|")
	only := flag.String("metrics", "angular-cka,angular-shape", "comma-separated metrics to time")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the timed runs to this file")
	memProfile := flag.String("memprofile", "", "write a profile of the memory allocated by the timed runs to this file")
	flag.Parse()
	repgeo.UseFastBLAS()
	if *memProfile != "" {
		defer func() {
			f, err := os.Create(*memProfile)
			if err == nil {
				err = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "bench/pairwise:", err)
			}
		}()
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench/pairwise:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "bench/pairwise:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*dir, *numpyJSON, *tol, strings.Split(*only, ",")); err != nil {
		fmt.Fprintln(os.Stderr, "bench/pairwise:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// cpuSeconds returns the user and system CPU time of this process so far:
// on a machine shared with other jobs it varies less than the wall time.
func cpuSeconds() float64 {
	var r syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r); err != nil {
		return math.NaN()
	}
	return float64(r.Utime.Sec+r.Stime.Sec) + float64(r.Utime.Usec+r.Stime.Usec)/1e6
}

func readNpy(path string) (*mat.Dense, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := npyio.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	shape := r.Header.Descr.Shape
	if len(shape) != 2 || r.Header.Descr.Fortran {
		return nil, fmt.Errorf("%s: want a C-order 2-d array, have shape %v", path, shape)
	}
	var data []float64
	switch strings.Trim(r.Header.Descr.Type, "'\"") {
	case "<f4":
		var f32 []float32
		if err := r.Read(&f32); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		data = make([]float64, len(f32))
		for i, v := range f32 {
			data[i] = float64(v)
		}
	default:
		if err := r.Read(&data); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return mat.NewDense(shape[0], shape[1], data), nil
}

func run(dir, numpyJSON string, tol float64, only []string) error {
	var ref map[string]any
	if numpyJSON != "" {
		if err := json.Unmarshal([]byte(numpyJSON), &ref); err != nil {
			return fmt.Errorf("parsing -numpy: %w", err)
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "layers", "layer_*.npy"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no layers in %s/layers: run bench/pairwise_numpy.py first", dir)
	}
	sort.Strings(files)
	reps := make([]mat.Matrix, len(files))
	for i, f := range files {
		x, err := readNpy(f)
		if err != nil {
			return err
		}
		reps[i] = x
	}
	m, _ := reps[0].Dims()
	fmt.Printf("pairwise benchmark, BLAS %s: m = %d, L = %d, GOMAXPROCS = %d\n", repgeo.BLASImplementation, m, len(reps), runtime.GOMAXPROCS(0))
	metrics := []struct {
		name, key string
		opts      repgeo.Options
	}{
		{"angular-cka", "angular-cka", repgeo.Options{Kernel: repgeo.LinearKernel}},
		{"angular-shape", "angular-shape", repgeo.DefaultOptions()},
	}
	failed := false
	for _, mt := range metrics {
		if !slices.Contains(only, mt.name) {
			continue
		}
		metric, err := repgeo.NewMetric(mt.name, mt.opts)
		if err != nil {
			fmt.Printf("%-14s skipped: %v\n", mt.name, err)
			continue
		}
		start, cpu0 := time.Now(), cpuSeconds()
		var pointsDone time.Duration
		opts := &repgeo.PairwiseOptions{Progress: func(done, total int) {
			if done == len(reps) {
				pointsDone = time.Since(start)
			}
		}}
		d, err := repgeo.Pairwise(metric, reps, opts)
		if err != nil {
			return fmt.Errorf("%s: %w", mt.name, err)
		}
		secs, cpu := time.Since(start).Seconds(), cpuSeconds()-cpu0
		line := fmt.Sprintf("%-14s go %7.2f s (cpu %7.2f s, points built by %.2f s)", mt.name, secs, cpu, pointsDone.Seconds())
		if v, ok := ref[mt.key+"_seconds"].(float64); ok {
			line += fmt.Sprintf("   numpy %7.2f s   go/numpy %.3f", v, secs/v)
		}
		want, err := readNpy(filepath.Join(dir, "D_"+mt.key+".npy"))
		if err != nil {
			line += "   (no numpy matrix to compare)"
		} else {
			n, _ := want.Dims()
			var worst float64
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					worst = math.Max(worst, math.Abs(d.At(i, j)-want.At(i, j)))
				}
			}
			ok := "ok"
			if !(worst <= tol) {
				ok = "MISMATCH"
				failed = true
			}
			line += fmt.Sprintf("   max|D-D_numpy| %.1e (%s)", worst, ok)
		}
		fmt.Println(line)
	}
	if failed {
		return fmt.Errorf("distance matrices differ from numpy's by more than %g", tol)
	}
	return nil
}
