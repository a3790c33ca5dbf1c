package svd

// microKernel is an assembly micro-kernel of the matrix products: fn adds
// A·B to the mr×nr block of C at c (row stride ldc), with k ≥ 1 terms,
// A(r, p) = a[r*ars+p*aps] (mr rows) and B(p, j) = b[p*bps+j] (nr columns).
// reflRight and reflLeft, when not nil, apply a Householder reflector
// I - tau·v·vᵀ to a rows×l block (stride ldx) from the right, or to an
// l×cols block from the left (in the bulge chasing and the unblocked LQ
// factorizations); rows, l, cols ≥ 1.
type microKernel struct {
	name      string
	mr, nr    int
	fn        func(k int, a *float64, ars, aps int, b *float64, bps int, c *float64, ldc int)
	reflRight func(rows, l int, x *float64, ldx int, v *float64, tau float64)
	reflLeft  func(l, cols int, x *float64, ldx int, v *float64, tau float64)
}

// Upper bounds of the tile sizes of the kernels in asmKernels.
const (
	maxMR = 8
	maxNR = 16
)

// defaultKernel is the micro-kernel of the products: the first of
// asmKernels (the widest this CPU can run), nil where there is none.
var defaultKernel = func() *microKernel {
	if len(asmKernels) == 0 {
		return nil
	}
	return &asmKernels[0]
}()

// kernel is the micro-kernel that newReducer and newBand give to their
// reducers and bands, and by which values chooses the bandwidth; nil selects
// the path through fastblas and gonum. Tests switch it.
var kernel = defaultKernel
