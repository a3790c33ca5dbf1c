package onnxmodel

import (
	"fmt"
	"math"
)

// Images is a batch of images in PyTorch's layout: N images of C×H×W
// float32 values, channel after channel, row after row.
type Images struct {
	N, C, H, W int
	Data       []float32
}

// FromPixels converts N 8-bit images in height×width×channels order (the
// layout of package data) to Images scaled to [0, 1], as torchvision's
// ToTensor does.
func FromPixels(pixels []uint8, n, h, w, c int) (*Images, error) {
	if n <= 0 || h <= 0 || w <= 0 || c <= 0 {
		return nil, fmt.Errorf("onnxmodel: invalid image batch shape %d×%d×%d×%d", n, h, w, c)
	}
	if len(pixels) != n*h*w*c {
		return nil, fmt.Errorf("onnxmodel: %d pixel values for %d images of %d×%d×%d", len(pixels), n, h, w, c)
	}
	x := &Images{N: n, C: c, H: h, W: w, Data: make([]float32, len(pixels))}
	for i := range n {
		for y := range h {
			for xx := range w {
				for ch := range c {
					v := pixels[((i*h+y)*w+xx)*c+ch]
					x.Data[((i*c+ch)*h+y)*w+xx] = float32(v) / 255
				}
			}
		}
	}
	return x, nil
}

// FromNHWC converts N float images in height×width×channels order to
// Images, unchanged in value.
func FromNHWC(data []float32, n, h, w, c int) (*Images, error) {
	if n <= 0 || h <= 0 || w <= 0 || c <= 0 {
		return nil, fmt.Errorf("onnxmodel: invalid image batch shape %d×%d×%d×%d", n, h, w, c)
	}
	if len(data) != n*h*w*c {
		return nil, fmt.Errorf("onnxmodel: %d values for %d images of %d×%d×%d", len(data), n, h, w, c)
	}
	x := &Images{N: n, C: c, H: h, W: w, Data: make([]float32, len(data))}
	for i := range n {
		for y := range h {
			for xx := range w {
				for ch := range c {
					x.Data[((i*c+ch)*h+y)*w+xx] = data[((i*h+y)*w+xx)*c+ch]
				}
			}
		}
	}
	return x, nil
}

// Check returns an error if the shape and the data length disagree or a
// value is NaN or infinite.
func (x *Images) Check() error {
	if x == nil {
		return fmt.Errorf("onnxmodel: nil images")
	}
	if x.N <= 0 || x.C <= 0 || x.H <= 0 || x.W <= 0 {
		return fmt.Errorf("onnxmodel: invalid image batch shape %d×%d×%d×%d", x.N, x.C, x.H, x.W)
	}
	if len(x.Data) != x.N*x.C*x.H*x.W {
		return fmt.Errorf("onnxmodel: %d values for %d images of %d×%d×%d", len(x.Data), x.N, x.C, x.H, x.W)
	}
	for i, v := range x.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			size := x.C * x.H * x.W
			return fmt.Errorf("onnxmodel: image %d has a non-finite value (%v)", i/size, v)
		}
	}
	return nil
}

// image returns the values of image i.
func (x *Images) image(i int) []float32 {
	size := x.C * x.H * x.W
	return x.Data[i*size : (i+1)*size]
}

// Mean and standard deviation of ImageNet per RGB channel, the normalization
// of torchvision's pretrained models.
var (
	ImageNetMean = []float64{0.485, 0.456, 0.406}
	ImageNetStd  = []float64{0.229, 0.224, 0.225}
)

// Preprocess reproduces torchvision's transforms Resize, CenterCrop and
// Normalize, applied in that order to images already scaled to [0, 1]
// (ToTensor). Resizing is bilinear with antialiasing, as
// torch.nn.functional.interpolate(mode="bilinear", antialias=True) computes
// it on float images (PIL's resize differs by its rounding to 8 bits).
type Preprocess struct {
	// Resize, when positive, resizes each image so that its shorter side has
	// this length, keeping the aspect ratio (torchvision's Resize(int)).
	Resize int
	// Height and Width, when positive, give the size of the centre crop
	// (torchvision's CenterCrop). When Resize is 0 and the images do not
	// already have this size, they are resized to exactly Height×Width.
	Height, Width int
	// Channels, when 3 and the images have 1 channel, replicates the grey
	// channel (torchvision's Grayscale(num_output_channels=3)).
	Channels int
	// Mean and Std normalize each channel as (x - Mean)/Std; one value
	// applies to every channel; empty means no normalization.
	Mean, Std []float64
}

// Apply returns the preprocessed images; x is not modified.
func (p Preprocess) Apply(x *Images) (*Images, error) {
	if err := x.Check(); err != nil {
		return nil, err
	}
	if p.Resize < 0 || p.Height < 0 || p.Width < 0 {
		return nil, fmt.Errorf("onnxmodel: negative preprocessing size (resize %d, crop %d×%d)", p.Resize, p.Height, p.Width)
	}
	if (p.Height > 0) != (p.Width > 0) {
		return nil, fmt.Errorf("onnxmodel: crop size %d×%d: give both height and width", p.Height, p.Width)
	}
	y := x
	if p.Channels > 0 && p.Channels != x.C {
		if x.C != 1 || p.Channels != 3 {
			return nil, fmt.Errorf("onnxmodel: images have %d channels, the model takes %d", x.C, p.Channels)
		}
		y = &Images{N: x.N, C: 3, H: x.H, W: x.W, Data: make([]float32, 3*len(x.Data))}
		size := x.H * x.W
		for i := range x.N {
			src := x.image(i)
			for ch := range 3 {
				copy(y.Data[(i*3+ch)*size:(i*3+ch+1)*size], src)
			}
		}
	}
	switch {
	case p.Resize > 0:
		h, w := p.Resize, p.Resize
		if y.H < y.W {
			w = int(float64(p.Resize) * float64(y.W) / float64(y.H))
		} else if y.W < y.H {
			h = int(float64(p.Resize) * float64(y.H) / float64(y.W))
		}
		y = resize(y, h, w)
	case p.Height > 0 && (y.H != p.Height || y.W != p.Width):
		y = resize(y, p.Height, p.Width)
	}
	if p.Height > 0 && (y.H != p.Height || y.W != p.Width) {
		var err error
		if y, err = centerCrop(y, p.Height, p.Width); err != nil {
			return nil, err
		}
	}
	if len(p.Mean) > 0 || len(p.Std) > 0 {
		mean, err := perChannel("mean", p.Mean, y.C, 0)
		if err != nil {
			return nil, err
		}
		std, err := perChannel("std", p.Std, y.C, 1)
		if err != nil {
			return nil, err
		}
		for _, s := range std {
			if !(s > 0) || math.IsInf(s, 0) {
				return nil, fmt.Errorf("onnxmodel: normalization std %v must be positive and finite", p.Std)
			}
		}
		if y == x {
			y = &Images{N: x.N, C: x.C, H: x.H, W: x.W, Data: make([]float32, len(x.Data))}
			copy(y.Data, x.Data)
		}
		size := y.H * y.W
		for i := range y.N {
			for ch := range y.C {
				plane := y.Data[(i*y.C+ch)*size : (i*y.C+ch+1)*size]
				for k, v := range plane {
					plane[k] = float32((float64(v) - mean[ch]) / std[ch])
				}
			}
		}
	}
	if y == x {
		y = &Images{N: x.N, C: x.C, H: x.H, W: x.W, Data: append([]float32(nil), x.Data...)}
	}
	return y, nil
}

// perChannel expands v to one value per channel; empty gives def.
func perChannel(what string, v []float64, c int, def float64) ([]float64, error) {
	out := make([]float64, c)
	switch len(v) {
	case 0:
		for i := range out {
			out[i] = def
		}
	case 1:
		for i := range out {
			out[i] = v[0]
		}
	case c:
		copy(out, v)
	default:
		return nil, fmt.Errorf("onnxmodel: normalization %s has %d values for %d channels", what, len(v), c)
	}
	for _, x := range out {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("onnxmodel: normalization %s %v is not finite", what, v)
		}
	}
	return out, nil
}

// centerCrop crops the centre h×w of every image, as torchvision's
// CenterCrop does (offsets rounded half to even of the size difference / 2).
func centerCrop(x *Images, h, w int) (*Images, error) {
	if h > x.H || w > x.W {
		return nil, fmt.Errorf("onnxmodel: cannot crop %d×%d from images of %d×%d", h, w, x.H, x.W)
	}
	top := int(math.RoundToEven(float64(x.H-h) / 2))
	left := int(math.RoundToEven(float64(x.W-w) / 2))
	y := &Images{N: x.N, C: x.C, H: h, W: w, Data: make([]float32, x.N*x.C*h*w)}
	for i := range x.N * x.C {
		for r := range h {
			src := x.Data[(i*x.H+top+r)*x.W+left:]
			copy(y.Data[(i*h+r)*w:(i*h+r+1)*w], src[:w])
		}
	}
	return y, nil
}

// resize resizes every channel of every image to h×w, bilinearly with
// antialiasing (the weights of PyTorch's antialiased upsample kernel).
func resize(x *Images, h, w int) *Images {
	if h == x.H && w == x.W {
		return x
	}
	rows := resizeWeights(x.H, h)
	cols := resizeWeights(x.W, w)
	y := &Images{N: x.N, C: x.C, H: h, W: w, Data: make([]float32, x.N*x.C*h*w)}
	tmp := make([]float64, x.H*w)
	for p := range x.N * x.C {
		src := x.Data[p*x.H*x.W : (p+1)*x.H*x.W]
		for r := range x.H {
			line := src[r*x.W : (r+1)*x.W]
			for j, cw := range cols {
				var s float64
				for k, wt := range cw.w {
					s += wt * float64(line[cw.start+k])
				}
				tmp[r*w+j] = s
			}
		}
		dst := y.Data[p*h*w : (p+1)*h*w]
		for i, rw := range rows {
			for j := range w {
				var s float64
				for k, wt := range rw.w {
					s += wt * tmp[(rw.start+k)*w+j]
				}
				dst[i*w+j] = float32(s)
			}
		}
	}
	return y
}

type span struct {
	start int
	w     []float64
}

// resizeWeights returns, for each of the out output positions, the input
// positions and weights of the antialiased bilinear (triangle) filter with
// half-pixel centres (align_corners=False).
func resizeWeights(in, out int) []span {
	scale := float64(in) / float64(out)
	support, invscale := 1.0, 1.0
	if scale >= 1 {
		support, invscale = scale, 1/scale
	}
	spans := make([]span, out)
	for i := range out {
		center := scale * (float64(i) + 0.5)
		lo := max(int(center-support+0.5), 0)
		hi := min(int(center+support+0.5), in)
		w := make([]float64, hi-lo)
		var total float64
		for j := range w {
			t := math.Abs((float64(j+lo) - center + 0.5) * invscale)
			if t < 1 {
				w[j] = 1 - t
			}
			total += w[j]
		}
		if total > 0 {
			for j := range w {
				w[j] /= total
			}
		}
		spans[i] = span{start: lo, w: w}
	}
	return spans
}
