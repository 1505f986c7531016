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

// SafetensorsFile is an open .safetensors file: its header is read and
// checked by OpenSafetensors, its tensors are read one at a time by Read, so
// that a loader reads only the tensors it uses (a checkpoint's pooler,
// pretraining heads and integer buffers are never decoded). Read may be
// called from several goroutines (it uses ReadAt); Close releases the file
// and must be called by whoever opened it.
type SafetensorsFile struct {
	path   string
	f      *os.File
	data   int64 // file offset of the data section
	header map[string]safetensorsEntry
}

// OpenSafetensors opens path and checks its header: every entry's shape,
// offsets inside the data section and byte size matching its shape and
// dtype (for the dtypes of the safetensors format; an unknown dtype fails
// only when that tensor is read). Errors wrap ErrBadWeights and name the
// file and the tensor. Reads only the header.
func OpenSafetensors(path string) (*SafetensorsFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadWeights, err)
	}
	st, err := readSafetensorsHeader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s: %w", ErrBadWeights, path, err)
	}
	st.path = path
	return st, nil
}

func readSafetensorsHeader(f *os.File) (*SafetensorsFile, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := info.Size()
	var lenBuf [8]byte
	if _, err := f.ReadAt(lenBuf[:], 0); err != nil {
		return nil, fmt.Errorf("file of %d bytes is too short for a header length", size)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > maxHeaderBytes || n > uint64(size-8) {
		return nil, fmt.Errorf("header length %d does not fit a file of %d bytes", n, size)
	}
	raw := make([]byte, n)
	if _, err := f.ReadAt(raw, 8); err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	header, err := parseSafetensorsHeader(raw)
	if err != nil {
		return nil, err
	}
	dataLen := size - 8 - int64(n)
	for name, e := range header {
		if err := checkEntry(e, dataLen); err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
	}
	return &SafetensorsFile{f: f, data: 8 + int64(n), header: header}, nil
}

func parseSafetensorsHeader(raw []byte) (map[string]safetensorsEntry, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, fmt.Errorf("parse header: %w", err)
	}
	header := make(map[string]safetensorsEntry, len(fields))
	for name, msg := range fields {
		if name == "__metadata__" {
			continue
		}
		var e safetensorsEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, fmt.Errorf("header entry %q: %w", name, err)
		}
		header[name] = e
	}
	return header, nil
}

// checkEntry checks e's shape and offsets against a data section of
// dataLen bytes.
func checkEntry(e safetensorsEntry, dataLen int64) error {
	n := int64(1)
	for _, d := range e.Shape {
		if d < 0 {
			return fmt.Errorf("negative dimension in shape %v", e.Shape)
		}
		n *= d
	}
	begin, end := e.DataOffsets[0], e.DataOffsets[1]
	if begin < 0 || end < begin || end > dataLen {
		return fmt.Errorf("data_offsets %v outside data of %d bytes", e.DataOffsets, dataLen)
	}
	if size, ok := dtypeBytes[e.DType]; ok && end-begin != n*size {
		return fmt.Errorf("%d data bytes, shape %v of %s needs %d", end-begin, e.Shape, e.DType, n*size)
	}
	return nil
}

// Path is the file's path as given to OpenSafetensors.
func (s *SafetensorsFile) Path() string { return s.path }

// Names lists the file's tensors in sorted order.
func (s *SafetensorsFile) Names() []string {
	names := make([]string, 0, len(s.header))
	for name := range s.header {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Info returns the dtype and shape of the tensor name; ok is false when
// the file has no such tensor.
func (s *SafetensorsFile) Info(name string) (dtype string, shape []int64, ok bool) {
	e, ok := s.header[name]
	return e.DType, append([]int64(nil), e.Shape...), ok
}

// Read decodes the tensor name to float32. Floating-point dtypes (F32, F16,
// BF16, F64) are weights; any other dtype (the I64 position_ids and
// token_type_ids buffers of real checkpoints, BOOL masks) is an error
// wrapping ErrBadWeights that names the tensor, the file and the dtype, as
// is a missing name. Blocking (reads the tensor's bytes).
func (s *SafetensorsFile) Read(name string) (Tensor, error) {
	e, ok := s.header[name]
	if !ok {
		return Tensor{}, fmt.Errorf("%w: %s has no tensor %q", ErrBadWeights, s.path, name)
	}
	if !IsFloatDType(e.DType) {
		return Tensor{}, fmt.Errorf("%w: %s: tensor %q: dtype %q is not a weight dtype (want F32, F16, BF16 or F64)",
			ErrBadWeights, s.path, name, e.DType)
	}
	buf := make([]byte, e.DataOffsets[1]-e.DataOffsets[0])
	if _, err := s.f.ReadAt(buf, s.data+e.DataOffsets[0]); err != nil {
		return Tensor{}, fmt.Errorf("%w: %s: tensor %q: %w", ErrBadWeights, s.path, name, err)
	}
	return Tensor{Shape: append([]int64(nil), e.Shape...), Data: decodeFloats(e.DType, buf)}, nil
}

// Close closes the file.
func (s *SafetensorsFile) Close() error { return s.f.Close() }

// IsFloatDType reports whether a safetensors dtype holds weights this
// package reads: F32, F16, BF16 or F64.
func IsFloatDType(dtype string) bool { return floatDTypes[dtype] }

// ReadSafetensors reads every floating-point tensor of a .safetensors file
// (F32, F16, BF16 and F64, converted to float32). Tensors of other dtypes
// are buffers, not weights (position_ids, token_type_ids as I64 or I32) and
// are left out of the result. It checks the header as OpenSafetensors does
// and wraps ErrBadWeights with the file and tensor name on any problem.
// Deterministic; reads the whole file.
func ReadSafetensors(path string) (map[string]Tensor, error) {
	st, err := OpenSafetensors(path)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	out := make(map[string]Tensor, len(st.header))
	for name, e := range st.header {
		if !IsFloatDType(e.DType) {
			continue
		}
		t, err := st.Read(name)
		if err != nil {
			return nil, err
		}
		out[name] = t
	}
	return out, nil
}

// floatDTypes are the dtypes Read decodes; dtypeBytes the element size of
// every dtype of the safetensors format, for checking headers.
var (
	floatDTypes = map[string]bool{"F32": true, "F16": true, "BF16": true, "F64": true}
	dtypeBytes  = map[string]int64{
		"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "F8_E5M2": 1, "F8_E4M3": 1,
		"I64": 8, "U64": 8, "I32": 4, "U32": 4, "I16": 2, "U16": 2, "I8": 1, "U8": 1, "BOOL": 1,
	}
)

func decodeFloats(dtype string, b []byte) []float32 {
	n := len(b) / int(dtypeBytes[dtype])
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
