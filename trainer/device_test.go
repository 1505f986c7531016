//go:build gotch

package trainer

import (
	"os"
	"runtime"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// testDeviceName is the device the training tests use: cpu, unless the
// environment variable SUPERMAX_TEST_DEVICE names another (scripts/gpu-check.sh
// runs this package with SUPERMAX_TEST_DEVICE=cuda:0).
func testDeviceName() string {
	if d := os.Getenv("SUPERMAX_TEST_DEVICE"); d != "" {
		return d
	}
	return "cpu"
}

// TestTestDevice checks that the device the tests were asked to use exists,
// so that SUPERMAX_TEST_DEVICE=cuda:0 on a machine where libtorch sees no
// GPU fails here, saying so, rather than in every training test.
func TestTestDevice(t *testing.T) {
	d, err := ParseDevice(testDeviceName())
	if err != nil {
		t.Fatalf("SUPERMAX_TEST_DEVICE=%s: %v", testDeviceName(), err)
	}
	x := ts.MustOnes([]int64{2, 2}, gotch.Float, d)
	defer x.MustDrop()
	if got := x.MustDevice(); got.Name != d.Name || (d.Name != gotch.CPU.Name && got.Value != d.Value) {
		t.Errorf("tensor made on %+v is on %+v", d, got)
	}
	if err := Synchronize(d); err != nil {
		t.Errorf("synchronize %s: %v", testDeviceName(), err)
	}
}

func TestParseDeviceRejects(t *testing.T) {
	for _, s := range []string{"gpu", "cuda", "cuda:-1", "cuda:x", "cuda:4096"} {
		if _, err := ParseDevice(s); err == nil {
			t.Errorf("ParseDevice(%q) accepted", s)
		}
	}
}

// TestAutocastBF16 turns CUDA autocast on: a matmul on the test device
// gives bfloat16 on CUDA and stays float32 on the CPU (CUDA autocast does not
// touch CPU ops); turning it off restores float32 and reports it was on.
func TestAutocastBF16(t *testing.T) {
	d, err := ParseDevice(testDeviceName())
	if err != nil {
		t.Skipf("SUPERMAX_TEST_DEVICE=%s: %v (TestTestDevice fails for it)", testDeviceName(), err)
	}
	matmulKind := func() gotch.DType {
		a := ts.MustOnes([]int64{4, 4}, gotch.Float, d)
		defer a.MustDrop()
		p := a.MustMatmul(a, false)
		defer p.MustDrop()
		return p.DType()
	}
	// Autocast state is per OS thread; keep this goroutine on one.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if was, err := AutocastBF16(true); err != nil || was {
		t.Fatalf("AutocastBF16(true) = %v, %v; want false, nil", was, err)
	}
	on := matmulKind()
	was, err := AutocastBF16(false)
	if err != nil || !was {
		t.Fatalf("AutocastBF16(false) = %v, %v; want true, nil", was, err)
	}
	off := matmulKind()
	want := gotch.Float
	if d.Name != gotch.CPU.Name {
		want = gotch.BFloat16
	}
	if on != want || off != gotch.Float {
		t.Errorf("matmul on %s: %v with autocast, %v without; want %v and float", testDeviceName(), on, off, want)
	}
}
