// Package dqds computes the singular values of a bidiagonal matrix to high
// relative accuracy with the dqds algorithm (Fernando and Parlett; LAPACK's
// Dlasq1 to Dlasq6).
//
// The code is gonum's (gonum.org/v1/gonum v0.17.0, lapack/gonum/dlasq*.go,
// BSD-3-Clause licensed, see LICENSE-gonum) with the routines made plain
// functions instead of methods and math.Min and math.Max replaced by Go's
// builtin min and max, which compile to inline instructions instead of calls.
// dqds is the last stage of a singular value decomposition without vectors,
// and this makes it markedly faster.
//
// The builtins agree with math.Min and math.Max on every pair of arguments
// (signed zeros and infinities included) except two: math.Max(NaN, +Inf) is
// +Inf and math.Min(NaN, -Inf) is -Inf, where the builtins give NaN; and a NaN
// result of math.Min or math.Max is always math.NaN(), while the builtins
// return one of their NaN operands, whose sign and payload bits may differ.
// Neither can change a comparison or any non-NaN number. Values rejects input
// with a NaN or an infinity, so on everything it accepts its results are
// bit-identical to those of gonum's Dlasq1.
package dqds
