package fastblas

// Sizes of the micro-kernel tile: it computes mr rows and nr columns of C.
const (
	mr = 6
	nr = 8
)

// useAsm selects the assembly micro-kernel; tests switch it off to check the
// pure-Go one.
var useAsm = haveAsm

// microKernel computes C[0:mr, 0:nr] += Ap·Bp, where ap holds k columns of
// mr values (ap[p*mr+r] is A(r, p)), bp holds k rows of nr values
// (bp[p*nr+j] is B(p, j)) and C(r, j) is c[r*ldc+j]. It requires k >= 1.
func microKernel(k int, ap, bp, c []float64, ldc int) {
	_ = ap[k*mr-1]
	_ = bp[k*nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	if useAsm {
		kernel6x8(k, &ap[0], &bp[0], &c[0], ldc)
		return
	}
	kernelGo(k, ap, bp, c, ldc)
}

// kernelGo is the pure-Go micro-kernel, with the summation order of the
// assembly one (without fused multiply-add).
func kernelGo(k int, ap, bp, c []float64, ldc int) {
	var acc [mr][nr]float64
	for p := 0; p < k; p++ {
		b := (*[nr]float64)(bp[p*nr : p*nr+nr])
		a := (*[mr]float64)(ap[p*mr : p*mr+mr])
		for r := range mr {
			ar := a[r]
			row := &acc[r]
			for j := range nr {
				row[j] += ar * b[j]
			}
		}
	}
	for r := range mr {
		cr := (*[nr]float64)(c[r*ldc : r*ldc+nr])
		for j := range nr {
			cr[j] += acc[r][j]
		}
	}
}
