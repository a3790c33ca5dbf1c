//go:build ((linux && amd64) || darwin) && !noxla

package backend

// The XLA backend is compiled in so that GOMLX_BACKEND=xla:cpu or xla:cuda
// works where its PJRT plugin is installed; build with -tags noxla to leave it
// out.
import _ "github.com/gomlx/gomlx/backends/xla"
