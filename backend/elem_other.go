//go:build !amd64 || noasm

package backend

// Without the assembly loops, the fused chains run in Go.

// haveElemAVX2 and haveElemAVX512 are false: there are no assembly loops.
// They are variables, as on amd64, for the tests that switch them.
var haveElemAVX2, haveElemAVX512 = false, false

func vecOpAVX2(int, *float32, *float32, *float32, int)             { panic("unreachable") }
func chanOpAVX2(int, *float32, *float32, *float32, int, int)       { panic("unreachable") }
func scalarOpAVX2(int, *float32, *float32, float32, int)           { panic("unreachable") }
func unaryOpAVX2(int, *float32, *float32, int)                     { panic("unreachable") }
func colSumAVX2(*float32, *float32, int, int)                      { panic("unreachable") }
func maxWindowsAVX2(*float32, *float32, int, int, int)             { panic("unreachable") }
func chainTileAVX2(*tileStep, int, *float32, *float32, int, int)   { panic("unreachable") }
func chainTileAVX512(*tileStep, int, *float32, *float32, int, int) { panic("unreachable") }

// prefetchL2 is a hint: without the assembly, nothing.
func prefetchL2(*float32, int) {}
