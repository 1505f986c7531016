package model

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
)

// Tensor is a dense float32 array in row-major order, the form weights take
// between a file and libtorch.
type Tensor struct {
	Shape []int64
	Data  []float32
}

// NumElements is the product of t.Shape (1 for a scalar).
func (t Tensor) NumElements() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// safetensorsEntry is one tensor's record in a safetensors header.
type safetensorsEntry struct {
	DType       string   `json:"dtype"`
	Shape       []int64  `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

// maxHeaderBytes bounds the JSON header (the format's own limit is 100 MB).
const maxHeaderBytes = 100 << 20

// ReadSafetensors reads every tensor of a .safetensors file, converting
// F32, F16, BF16 and F64 data to float32. It validates the header (offsets
// inside the data, sizes matching shapes) and wraps ErrBadWeights with the
// file and tensor name on any problem. Deterministic; reads the whole file.
func ReadSafetensors(path string) (map[string]Tensor, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadWeights, err)
	}
	header, data, err := splitSafetensors(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadWeights, path, err)
	}
	out := make(map[string]Tensor, len(header))
	for name, e := range header {
		t, err := decodeEntry(e, data)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: tensor %q: %w", ErrBadWeights, path, name, err)
		}
		out[name] = t
	}
	return out, nil
}

func splitSafetensors(raw []byte) (map[string]safetensorsEntry, []byte, error) {
	if len(raw) < 8 {
		return nil, nil, fmt.Errorf("file of %d bytes is too short for a header length", len(raw))
	}
	n := binary.LittleEndian.Uint64(raw[:8])
	if n > maxHeaderBytes || n > uint64(len(raw)-8) {
		return nil, nil, fmt.Errorf("header length %d does not fit a file of %d bytes", n, len(raw))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw[8:8+n], &fields); err != nil {
		return nil, nil, fmt.Errorf("parse header: %w", err)
	}
	header := make(map[string]safetensorsEntry, len(fields))
	for name, msg := range fields {
		if name == "__metadata__" {
			continue
		}
		var e safetensorsEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, nil, fmt.Errorf("header entry %q: %w", name, err)
		}
		header[name] = e
	}
	return header, raw[8+n:], nil
}

func decodeEntry(e safetensorsEntry, data []byte) (Tensor, error) {
	size, ok := dtypeSize[e.DType]
	if !ok {
		return Tensor{}, fmt.Errorf("dtype %q not supported (want F32, F16, BF16 or F64)", e.DType)
	}
	t := Tensor{Shape: append([]int64(nil), e.Shape...)}
	for _, d := range e.Shape {
		if d < 0 {
			return Tensor{}, fmt.Errorf("negative dimension in shape %v", e.Shape)
		}
	}
	begin, end := e.DataOffsets[0], e.DataOffsets[1]
	if begin < 0 || end < begin || end > int64(len(data)) {
		return Tensor{}, fmt.Errorf("data_offsets %v outside data of %d bytes", e.DataOffsets, len(data))
	}
	if want := t.NumElements() * size; end-begin != want {
		return Tensor{}, fmt.Errorf("%d data bytes, shape %v of %s needs %d", end-begin, e.Shape, e.DType, want)
	}
	t.Data = decodeFloats(e.DType, data[begin:end])
	return t, nil
}

var dtypeSize = map[string]int64{"F32": 4, "F16": 2, "BF16": 2, "F64": 8}

func decodeFloats(dtype string, b []byte) []float32 {
	n := len(b) / int(dtypeSize[dtype])
	out := make([]float32, n)
	for i := range out {
		switch dtype {
		case "F32":
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		case "F64":
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
		case "BF16":
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[2*i:])) << 16)
		case "F16":
			out[i] = halfToFloat32(binary.LittleEndian.Uint16(b[2*i:]))
		}
	}
	return out
}

// halfToFloat32 converts an IEEE 754 binary16 value, subnormals included.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: value = frac * 2^-24
		v := float32(frac) * float32(math.Ldexp(1, -24))
		if sign != 0 {
			return -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
}

// WriteSafetensors writes tensors as F32 in the safetensors format: an
// 8-byte little-endian header length, a JSON header padded with spaces to a
// multiple of 8, then the data in name order. Deterministic: the same
// tensors give the same bytes. The file is written to a temporary name and
// renamed, so readers never see a partial file.
func WriteSafetensors(path string, tensors map[string]Tensor) error {
	names := make([]string, 0, len(tensors))
	for name := range tensors {
		names = append(names, name)
	}
	sort.Strings(names)
	header := make(map[string]any, len(names)+1)
	header["__metadata__"] = map[string]string{"format": "pt"}
	var offset int64
	for _, name := range names {
		t := tensors[name]
		if int64(len(t.Data)) != t.NumElements() {
			return fmt.Errorf("%w: tensor %q has %d values, shape %v needs %d",
				ErrBadInput, name, len(t.Data), t.Shape, t.NumElements())
		}
		shape := t.Shape
		if shape == nil {
			shape = []int64{}
		}
		end := offset + 4*int64(len(t.Data))
		header[name] = safetensorsEntry{DType: "F32", Shape: shape, DataOffsets: [2]int64{offset, end}}
		offset = end
	}
	js, err := json.Marshal(header) // map keys are sorted: deterministic
	if err != nil {
		return fmt.Errorf("encode safetensors header: %w", err)
	}
	for len(js)%8 != 0 {
		js = append(js, ' ')
	}
	buf := make([]byte, 8, 8+len(js)+int(offset))
	binary.LittleEndian.PutUint64(buf, uint64(len(js)))
	buf = append(buf, js...)
	for _, name := range names {
		for _, v := range tensors[name].Data {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
	}
	return writeFileAtomic(path, buf)
}

// writeFileAtomic writes data to path through a temporary file and rename.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
