package model

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSafetensorsRoundTrip(t *testing.T) {
	in := map[string]Tensor{
		"a.weight": {Shape: []int64{2, 3}, Data: []float32{1, -2, 3.5, 0, 1e-7, -1e30}},
		"b":        {Shape: []int64{1}, Data: []float32{42}},
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := WriteSafetensors(path, in); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := binary.LittleEndian.Uint64(raw); (8+n)%8 != 0 {
		t.Fatalf("header length %d leaves data unaligned", n)
	}
	out, err := ReadSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip: got %v, want %v", out, in)
	}
	// Deterministic bytes.
	path2 := filepath.Join(t.TempDir(), "m2.safetensors")
	if err := WriteSafetensors(path2, in); err != nil {
		t.Fatal(err)
	}
	raw2, _ := os.ReadFile(path2)
	if !bytes.Equal(raw, raw2) {
		t.Fatal("two writes of the same tensors differ")
	}
}

// rawSafetensors builds a file by hand, for dtypes and malformed headers.
func rawSafetensors(t *testing.T, header string, data []byte) string {
	t.Helper()
	var buf bytes.Buffer
	_ = binary.Write(&buf, binary.LittleEndian, uint64(len(header)))
	buf.WriteString(header)
	buf.Write(data)
	path := filepath.Join(t.TempDir(), "x.safetensors")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSafetensorsHalfTypes(t *testing.T) {
	// F16: 1.0 = 0x3c00, -2.0 = 0xc000, smallest subnormal 0x0001 = 2^-24.
	// BF16: 1.0 = 0x3f80, -0.5 = 0xbf00.
	data := []byte{0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00, 0x80, 0x3f, 0x00, 0xbf}
	header := `{"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[6,10]}}`
	out, err := ReadSafetensors(rawSafetensors(t, header, data))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := out["h"].Data, []float32{1, -2, float32(math.Ldexp(1, -24))}; !reflect.DeepEqual(got, want) {
		t.Errorf("F16 = %v, want %v", got, want)
	}
	if got, want := out["b"].Data, []float32{1, -0.5}; !reflect.DeepEqual(got, want) {
		t.Errorf("BF16 = %v, want %v", got, want)
	}
}

func TestSafetensorsRejectsBadFiles(t *testing.T) {
	cases := map[string]struct {
		header string
		data   []byte
	}{
		"offsets past data": {`{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 4)},
		"size vs shape":     {`{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, make([]byte, 8)},
		"I64 size vs shape": {`{"x":{"dtype":"I64","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 8)},
		"json":              {`{"x":`, nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ReadSafetensors(rawSafetensors(t, tc.header, tc.data))
			if !errors.Is(err, ErrBadWeights) {
				t.Fatalf("got %v, want ErrBadWeights", err)
			}
		})
	}
	if _, err := ReadSafetensors(filepath.Join(t.TempDir(), "none")); !errors.Is(err, ErrBadWeights) {
		t.Fatalf("missing file: %v", err)
	}
	if err := WriteSafetensors(filepath.Join(t.TempDir(), "y"), map[string]Tensor{"x": {Shape: []int64{2}, Data: []float32{1}}}); !errors.Is(err, ErrBadInput) {
		t.Fatalf("short data: %v, want ErrBadInput", err)
	}
}

// TestSafetensorsIntegerBuffers: real checkpoints carry integer buffers
// (BERT's I64 embeddings.position_ids); they are not weights, so
// ReadSafetensors leaves them out instead of failing, and Read of one says
// what it is.
func TestSafetensorsIntegerBuffers(t *testing.T) {
	data := make([]byte, 4+3*8+2)
	binary.LittleEndian.PutUint32(data, math.Float32bits(1.5))
	header := `{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},` +
		`"embeddings.position_ids":{"dtype":"I64","shape":[1,3],"data_offsets":[4,28]},` +
		`"odd":{"dtype":"X9","shape":[2],"data_offsets":[28,30]}}`
	path := rawSafetensors(t, header, data)
	out, err := ReadSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || !reflect.DeepEqual(out["w"].Data, []float32{1.5}) {
		t.Fatalf("ReadSafetensors = %v, want only the F32 tensor w", out)
	}
	st, err := OpenSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got := st.Names(); !reflect.DeepEqual(got, []string{"embeddings.position_ids", "odd", "w"}) {
		t.Fatalf("Names = %v", got)
	}
	if dtype, shape, ok := st.Info("embeddings.position_ids"); !ok || dtype != "I64" || !reflect.DeepEqual(shape, []int64{1, 3}) {
		t.Fatalf("Info(position_ids) = %q %v %v", dtype, shape, ok)
	}
	for _, name := range []string{"embeddings.position_ids", "odd", "absent"} {
		_, err := st.Read(name)
		if !errors.Is(err, ErrBadWeights) || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), path) {
			t.Errorf("Read(%q) = %v, want ErrBadWeights naming the tensor and the file", name, err)
		}
	}
	if _, err := st.Read("embeddings.position_ids"); !strings.Contains(err.Error(), `"I64"`) {
		t.Errorf("Read(position_ids) = %v, want the dtype named", err)
	}
}
