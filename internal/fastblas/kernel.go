package fastblas

// A kernel is a micro-kernel with the tile shape of its packed layout: it
// computes mr rows and nr columns of C.
type kernel struct {
	name   string
	mr, nr int
	// run computes C[0:mr, 0:nr] += Ap·Bp, where ap holds k columns of mr
	// values (ap[p*mr+r] is A(r, p)), bp holds k rows of nr values
	// (bp[p*nr+j] is B(p, j)) and C(r, j) is c[r*ldc+j]; k ≥ 1.
	run func(k int, ap, bp, c []float64, ldc int)
}

// Largest tile of any kernel, for buffers shared by all of them.
const (
	maxMR = 12
	maxNR = 16
)

// goKernel is the pure-Go micro-kernel, used without AVX2 and FMA.
var goKernel = kernel{name: "go", mr: 6, nr: 8, run: kernelGo}

// kern is the micro-kernel of the products: the fastest one this CPU runs.
// Tests switch it to check the others.
var kern = availableKernels()[0]

// availableKernels lists the micro-kernels this CPU can run, fastest first.
func availableKernels() []kernel {
	return append(asmKernels(), goKernel)
}

// kernelGo is the pure-Go micro-kernel for any tile shape, with the
// summation order of the assembly ones (without fused multiply-add).
func kernelGo(k int, ap, bp, c []float64, ldc int) {
	mr, nr := len(ap)/k, len(bp)/k
	var acc [maxMR * maxNR]float64
	for p := 0; p < k; p++ {
		b := bp[p*nr : p*nr+nr]
		a := ap[p*mr : p*mr+mr]
		for r, ar := range a {
			row := acc[r*nr : r*nr+nr]
			for j, bj := range b {
				row[j] += ar * bj
			}
		}
	}
	for r := range mr {
		cr := c[r*ldc : r*ldc+nr]
		for j, v := range acc[r*nr : r*nr+nr] {
			cr[j] += v
		}
	}
}
