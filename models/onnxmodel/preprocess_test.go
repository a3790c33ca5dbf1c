package onnxmodel

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// TestResizeMatchesPyTorch compares resizing with
// torch.nn.functional.interpolate(mode="bilinear", antialias=True,
// align_corners=False), up and down (reference.npz).
func TestResizeMatchesPyTorch(t *testing.T) {
	x := probePixels(t, 1)
	cases := []struct {
		ref  string
		h, w int
	}{
		{"resize_up", 45, 45},
		{"resize_down", 13, 10},
	}
	for _, tc := range cases {
		y := resize(x, tc.h, tc.w)
		want := refArray(t, tc.ref)
		if y.C != want.Shape[0] || y.H != want.Shape[1] || y.W != want.Shape[2] {
			t.Fatalf("%s: got %d×%d×%d, want %v", tc.ref, y.C, y.H, y.W, want.Shape)
		}
		flat := want.Data.RawMatrix().Data
		var diff float64
		for i, v := range y.Data {
			diff = max(diff, math.Abs(float64(v)-flat[i]))
		}
		if diff > 1e-6 {
			t.Errorf("%s: max |diff| %.3g > 1e-6", tc.ref, diff)
		}
	}
}

func TestPreprocess(t *testing.T) {
	// A 1×1×2×4 image with values 0..7: resize keeps the aspect ratio,
	// crops at the centre, replicates grey and normalizes.
	x := &Images{N: 1, C: 1, H: 2, W: 4, Data: []float32{0, 1, 2, 3, 4, 5, 6, 7}}
	cases := []struct {
		name    string
		p       Preprocess
		c, h, w int
		want    []float32
	}{
		{"identity", Preprocess{}, 1, 2, 4, []float32{0, 1, 2, 3, 4, 5, 6, 7}},
		{"crop", Preprocess{Resize: 2, Height: 2, Width: 2}, 1, 2, 2, []float32{1, 2, 5, 6}},
		{"crop-odd", Preprocess{Resize: 2, Height: 1, Width: 3}, 1, 1, 3, []float32{0, 1, 2}},
		// Without Resize, the images are resized to exactly the crop size:
		// rows 2 -> 1 average; columns 4 -> 2 use the triangle filter
		// stretched by 2, weights (3, 3, 1)/7 and (1, 3, 3)/7.
		{"fit", Preprocess{Height: 1, Width: 2}, 1, 1, 2, []float32{19.0 / 7, 30.0 / 7}},
		{"normalize", Preprocess{Mean: []float64{1}, Std: []float64{2}}, 1, 2, 4, []float32{-0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3}},
		{"gray-to-rgb", Preprocess{Channels: 3, Mean: []float64{0, 1, 2}, Std: []float64{1, 1, 1}, Height: 1, Width: 1}, 3, 1, 1, nil},
		// Shorter side 4: 2×4 becomes 4×8; upsampling by 2 in both axes
		// with half-pixel centres.
		{"resize-short-side", Preprocess{Resize: 4, Height: 1, Width: 2}, 1, 1, 2, nil},
	}
	for _, tc := range cases {
		y, err := tc.p.Apply(x)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if y.N != 1 || y.C != tc.c || y.H != tc.h || y.W != tc.w || len(y.Data) != tc.c*tc.h*tc.w {
			t.Errorf("%s: got %d×%d×%d×%d with %d values, want 1×%d×%d×%d", tc.name, y.N, y.C, y.H, y.W, len(y.Data), tc.c, tc.h, tc.w)
			continue
		}
		for i := range tc.want {
			if math.Abs(float64(y.Data[i]-tc.want[i])) > 1e-6 {
				t.Errorf("%s: got %v, want %v", tc.name, y.Data, tc.want)
				break
			}
		}
	}
	// Grey replicated then normalized per channel: the three channels of a
	// pixel differ by exactly the mean differences.
	y, _ := Preprocess{Channels: 3, Mean: []float64{0, 1, 2}}.Apply(x)
	for p := range 8 {
		if y.Data[p]-y.Data[8+p] != 1 || y.Data[8+p]-y.Data[16+p] != 1 {
			t.Fatalf("grey replication: pixel %d channels %v %v %v", p, y.Data[p], y.Data[8+p], y.Data[16+p])
		}
	}
	// Resizing 2×4 to 4×8 then cropping the centre 2×4 (rows 1..2, columns
	// 2..5): output pixel (i, j) samples the input at (i/2-1/4, j/2-1/4),
	// and the image is the linear ramp 4r+c, so the values are exact.
	y, err := Preprocess{Resize: 4, Height: 2, Width: 4}.Apply(x)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{1.75, 2.25, 2.75, 3.25, 3.75, 4.25, 4.75, 5.25}
	for i := range want {
		if math.Abs(float64(y.Data[i]-want[i])) > 1e-6 {
			t.Fatalf("resize+crop: got %v, want %v", y.Data, want)
		}
	}
	if x.Data[0] != 0 || x.C != 1 {
		t.Fatal("Apply modified its input")
	}
}

func TestPreprocessErrors(t *testing.T) {
	x := &Images{N: 1, C: 3, H: 4, W: 4, Data: make([]float32, 48)}
	cases := []struct {
		name string
		p    Preprocess
		x    *Images
		want string
	}{
		{"mean-len", Preprocess{Mean: []float64{0, 0}}, x, "mean has 2 values for 3 channels"},
		{"std-zero", Preprocess{Std: []float64{1, 0, 1}}, x, "must be positive"},
		{"std-nan", Preprocess{Std: []float64{math.NaN()}}, x, "not finite"},
		{"crop-large", Preprocess{Resize: 4, Height: 5, Width: 5}, x, "cannot crop 5×5"},
		{"crop-half", Preprocess{Height: 2}, x, "give both"},
		{"channels", Preprocess{Channels: 1}, x, "images have 3 channels, the model takes 1"},
		{"bad-images", Preprocess{}, &Images{N: 1, C: 3, H: 4, W: 4}, "0 values for 1 images"},
	}
	for _, tc := range cases {
		_, err := tc.p.Apply(tc.x)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestFromPixels(t *testing.T) {
	// Two 1×2 RGB images in HWC order become CHW planes scaled to [0, 1].
	px := []uint8{0, 51, 102, 153, 204, 255, 255, 0, 0, 0, 255, 0}
	x, err := FromPixels(px, 2, 1, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{0, 0.6, 0.2, 0.8, 0.4, 1, 1, 0, 0, 1, 0, 0}
	for i := range want {
		if math.Abs(float64(x.Data[i]-want[i])) > 1e-7 {
			t.Fatalf("got %v, want %v", x.Data, want)
		}
	}
	f := make([]float32, len(px))
	for i, v := range px {
		f[i] = float32(v) / 255
	}
	y, err := FromNHWC(f, 2, 1, 2, 3)
	if err != nil || !slices.Equal(x.Data, y.Data) {
		t.Fatalf("FromNHWC: %v, %v; want %v", err, y, x.Data)
	}
	if _, err := FromPixels(px, 2, 2, 2, 3); err == nil {
		t.Error("FromPixels accepted a wrong length")
	}
}
