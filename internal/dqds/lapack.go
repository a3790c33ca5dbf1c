// Copyright ©2015 The Gonum Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE-gonum file.
//
// Adapted from gonum.org/v1/gonum v0.17.0, lapack/gonum/lapack.go and
// lapack/gonum/errors.go: the machine constants and panic messages used by
// the dlasq routines.

package dqds

import "gonum.org/v1/gonum/lapack/gonum"

// impl provides the LAPACK helpers that are not on the hot path of dqds
// (Dlas2, Dlascl, Dlasrt).
var impl gonum.Implementation

const (
	// dlamchE is the machine epsilon. For IEEE this is 2^{-53}.
	dlamchE = 0x1p-53

	// dlamchB is the radix of the machine (the base of the number system).
	dlamchB = 2

	// dlamchP is base * eps.
	dlamchP = dlamchB * dlamchE

	// dlamchS is the "safe minimum", that is, the lowest number such that
	// 1/dlamchS does not overflow, or also the smallest normal number.
	// For IEEE this is 2^{-1022}.
	dlamchS = 0x1p-1022
)

// Panic messages for programmer misuse.
const (
	badPp     = "dqds: bad value of pp"
	i0LT0     = "dqds: i0 < 0"
	n0LT0     = "dqds: n0 < 0"
	nLT0      = "dqds: n < 0"
	negZ      = "dqds: negative z value"
	shortD    = "dqds: insufficient length of d"
	shortE    = "dqds: insufficient length of e"
	shortWork = "dqds: insufficient length of work"
	shortZ    = "dqds: insufficient length of z"
)
