package backend

import (
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
)

func TestConfigFromEnv(t *testing.T) {
	cases := []struct {
		env      string
		wantName string
	}{
		{"", Name},
		{"go", "go"},
		{"repgeo-go:parallelism=2", Name},
		{"xla:cpu", "xla"},
		{"xla:cuda", "xla"},
	}
	for _, tc := range cases {
		t.Run(tc.env, func(t *testing.T) {
			t.Setenv(backends.ConfigEnvVar, tc.env)
			cfg := configFromEnv()
			if tc.env != "" && cfg != tc.env {
				t.Errorf("configFromEnv() = %q, want the variable passed through unchanged, %q", cfg, tc.env)
			}
			if name, _ := splitConfig(cfg); name != tc.wantName {
				t.Errorf("backend name for %q = %q, want %q", tc.env, name, tc.wantName)
			}
		})
	}
}

func TestNewSelectsBackend(t *testing.T) {
	cases := []struct {
		env      string
		wantName string
	}{
		{"", Name},
		{"go", "go"},
		{"repgeo-go", Name},
	}
	for _, tc := range cases {
		t.Run(tc.env, func(t *testing.T) {
			t.Setenv(backends.ConfigEnvVar, tc.env)
			b, err := New()
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			defer b.Finalize()
			if b.String() != tc.wantName {
				t.Errorf("GOMLX_BACKEND=%q selected %q, want %q", tc.env, b.String(), tc.wantName)
			}
			_, decorated := b.(*Backend)
			if decorated != (tc.wantName == Name) {
				t.Errorf("GOMLX_BACKEND=%q: decorated = %v", tc.env, decorated)
			}
		})
	}
}

func TestXLAIsRegistered(t *testing.T) {
	for _, n := range backends.List() {
		if n == "xla" {
			return
		}
	}
	t.Fatalf("xla backend not compiled in; registered: %v", backends.List())
}

func TestNewUnknownBackend(t *testing.T) {
	t.Setenv(backends.ConfigEnvVar, "no-such-backend:x")
	_, err := New()
	if err == nil || !strings.Contains(err.Error(), "no-such-backend") {
		t.Fatalf("New() error = %v, want one naming the unknown backend", err)
	}
}

func TestCapabilities(t *testing.T) {
	b := newTestBackend(t)
	caps := b.Capabilities()
	for _, op := range []backends.OpType{backends.OpTypePad, backends.OpTypeReverse, backends.OpTypeConvGeneral, backends.OpTypeDotGeneral} {
		if !caps.Operations[op] {
			t.Errorf("capability %s missing", op)
		}
	}
}
