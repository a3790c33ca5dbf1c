package zoo

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"golang.org/x/sys/cpu"
)

// CPUInfo describes the processor a member was trained on and the SIMD
// features that select the backend's matrix kernels (see docs/zoo.md on
// which paths give the same weights).
type CPUInfo struct {
	// Model is the processor's name and Family its cpu family (x86).
	Model  string `json:"model"`
	Family string `json:"family,omitempty"`
	// Arch is GOARCH and Features the SIMD features that select kernels.
	Arch     string   `json:"arch"`
	Features []string `json:"features"`
	// Cores is the number of logical CPUs.
	Cores int `json:"cores"`
}

// thisCPU returns the CPUInfo of this machine.
func thisCPU() CPUInfo {
	c := CPUInfo{Arch: runtime.GOARCH, Cores: runtime.NumCPU(), Features: []string{}}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() && (c.Model == "" || c.Family == "") {
			k, v, ok := strings.Cut(sc.Text(), ":")
			if !ok {
				continue
			}
			switch strings.TrimSpace(k) {
			case "model name":
				c.Model = strings.TrimSpace(v)
			case "cpu family":
				c.Family = strings.TrimSpace(v)
			}
		}
		f.Close()
	}
	for _, f := range []struct {
		name string
		has  bool
	}{{"avx2", cpu.X86.HasAVX2}, {"fma", cpu.X86.HasFMA}, {"avx512f", cpu.X86.HasAVX512F},
		{"avx512bw", cpu.X86.HasAVX512BW}, {"avx512vl", cpu.X86.HasAVX512VL}, {"asimd", cpu.ARM64.HasASIMD}} {
		if f.has {
			c.Features = append(c.Features, f.name)
		}
	}
	return c
}

// commit returns the git commit of the working tree in dir's repository,
// with "-dirty" when tracked files outside the zoo directory differ from it,
// or "unknown" without git.
func commit(zooDir string) string {
	out, err := exec.Command("git", "-C", zooDir, "rev-parse", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(out))
	root, err := exec.Command("git", "-C", zooDir, "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return c
	}
	status, err := exec.Command("git", "-C", strings.TrimSpace(string(root)), "status", "--porcelain",
		"--untracked-files=no", "--", ".", ":(exclude)zoo").Output()
	if err == nil && len(strings.TrimSpace(string(status))) > 0 {
		c += "-dirty"
	}
	return c
}
