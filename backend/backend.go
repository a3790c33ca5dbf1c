package backend

import (
	"os"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego" // registers "go"
)

// New returns the backend named by GOMLX_BACKEND, or the decorated pure-Go
// backend when the variable is unset.
func New() (backends.Backend, error) {
	if cfg := os.Getenv(backends.ConfigEnvVar); cfg != "" {
		return backends.NewWithConfig(cfg)
	}
	return backends.NewWithConfig("go")
}
