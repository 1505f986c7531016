// Package scripts holds tests of the shell scripts in this folder that can
// run without their real environment: here the argument checks and the
// fail-fast paths of gpu-check.sh, with fake nvidia-smi and go commands.
package scripts

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runGPUCheck runs gpu-check.sh with args and extra environment and returns
// its combined output and exit status.
func runGPUCheck(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{"gpu-check.sh"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	default:
		t.Fatalf("running gpu-check.sh: %v", err)
		return "", -1
	}
}

// fakeCommand writes an executable shell script named name into a fresh
// folder and returns its path.
func fakeCommand(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGPUCheckFailsFast(t *testing.T) {
	oneGPU := fakeCommand(t, "nvidia-smi", `echo "0, NVIDIA H200, 143771 MiB, 580.159.04"`)
	noDriver := fakeCommand(t, "nvidia-smi", `echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."; exit 9`)
	empty := fakeCommand(t, "nvidia-smi", `exit 0`)
	emptyBundle := t.TempDir()
	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"unknown flag", nil, []string{"--frobnicate"}, "unknown argument --frobnicate"},
		{"flag without value", nil, []string{"--bundle"}, "--bundle needs a value"},
		{"bad device", nil, []string{"--device", "gpu0"}, "--device gpu0: want cuda:N"},
		{"bad steps", nil, []string{"--steps", "0"}, "--steps 0: want a whole number"},
		{"no nvidia-smi", []string{"GPU_CHECK_NVIDIA_SMI=supermax-no-such-nvidia-smi"}, nil,
			"supermax-no-such-nvidia-smi not found: no NVIDIA driver on this machine"},
		{"no driver", []string{"GPU_CHECK_NVIDIA_SMI=" + noDriver}, nil, "cannot reach a GPU: NVIDIA-SMI has failed"},
		{"no GPU listed", []string{"GPU_CHECK_NVIDIA_SMI=" + empty}, nil, "lists no GPU"},
		{"absent device", []string{"GPU_CHECK_NVIDIA_SMI=" + oneGPU}, []string{"--device", "cuda:3"},
			"no GPU 3 (cuda:3); " + oneGPU + " lists: 0, NVIDIA H200"},
		{"no Go", []string{"GPU_CHECK_NVIDIA_SMI=" + oneGPU, "GPU_CHECK_GO=supermax-no-such-go"}, nil,
			"Go toolchain (supermax-no-such-go) not found"},
		{"missing bundle", []string{"GPU_CHECK_NVIDIA_SMI=" + oneGPU}, []string{"--bundle", filepath.Join(emptyBundle, "nope")},
			"is not a folder (build one with scripts/gpu-bundle.sh)"},
		{"empty bundle", []string{"GPU_CHECK_NVIDIA_SMI=" + oneGPU}, []string{"--bundle", emptyBundle},
			"has no trainer.test or trainer.test.xz"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, code := runGPUCheck(t, tc.env, tc.args...)
			if code != 2 {
				t.Errorf("exit status %d, want 2; output:\n%s", code, out)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("output does not say %q:\n%s", tc.want, out)
			}
			if !strings.HasPrefix(strings.TrimSpace(out), "gpu-check: FAIL: ") {
				t.Errorf("output is not a single FAIL line:\n%s", out)
			}
		})
	}
}

// TestGPUCheckBundleNeedsTorchLib: a bundle without a CUDA PyTorch's
// torch/lib is refused before anything is unpacked.
func TestGPUCheckBundleNeedsTorchLib(t *testing.T) {
	oneGPU := fakeCommand(t, "nvidia-smi", `echo "0, NVIDIA H200, 143771 MiB, 580.159.04"`)
	bundle := t.TempDir()
	for _, f := range []string{"trainer.test", "bench-train"} {
		if err := os.WriteFile(filepath.Join(bundle, f), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"GPU_CHECK_NVIDIA_SMI=" + oneGPU}
	out, code := runGPUCheck(t, env, "--bundle", bundle)
	if code != 2 || !strings.Contains(out, "--bundle: give --torch-lib") {
		t.Errorf("no --torch-lib: exit %d, output:\n%s", code, out)
	}
	cpuOnly := t.TempDir()
	out, code = runGPUCheck(t, env, "--bundle", bundle, "--torch-lib", cpuOnly)
	if code != 2 || !strings.Contains(out, "has no libtorch_cuda.so") {
		t.Errorf("torch lib without CUDA: exit %d, output:\n%s", code, out)
	}
}

func TestGPUCheckHelp(t *testing.T) {
	out, code := runGPUCheck(t, nil, "--help")
	if code != 0 || !strings.Contains(out, "scripts/gpu-check.sh [--bundle DIR]") {
		t.Errorf("--help: exit %d, output:\n%s", code, out)
	}
}
