package pruners

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
)

// encoder appends the binary state format: unsigned and signed varints,
// float64 as its 8 IEEE-754 bytes (little endian), and sorted float tables.
type encoder struct{ buf []byte }

func (e *encoder) uvarint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }

func (e *encoder) int(v int) { e.buf = binary.AppendVarint(e.buf, int64(v)) }

func (e *encoder) float(v float64) {
	e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(v))
}

// sortedFloats writes an ascending, NaN-free table as its length followed by
// the deltas of order-preserving keys: neighbours in a sorted table share
// their high bits, so most deltas take 5 to 7 bytes instead of 8, and repeated
// values (accuracies k/n repeat often) take 1.
func (e *encoder) sortedFloats(vs []float64) {
	e.uvarint(uint64(len(vs)))
	var prev uint64
	for _, v := range vs {
		k := orderKey(v)
		e.uvarint(k - prev)
		prev = k
	}
}

// orderKey maps a non-NaN float64 to a uint64 with the same order (-0 before +0).
func orderKey(v float64) uint64 {
	b := math.Float64bits(v)
	if b>>63 == 1 {
		return ^b
	}
	return b | 1<<63
}

func fromOrderKey(k uint64) float64 {
	if k>>63 == 1 {
		return math.Float64frombits(k &^ (1 << 63))
	}
	return math.Float64frombits(^k)
}

// decoder reads what encoder wrote. The first error sticks: later reads
// return zero values, and err reports what went wrong and where.
type decoder struct {
	buf []byte
	off int
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: at byte %d: %s", ErrBadState, d.off, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) byte(what string) byte {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.buf) {
		d.fail("truncated before %s", what)
		return 0
	}
	b := d.buf[d.off]
	d.off++
	return b
}

func (d *decoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf[d.off:])
	if n <= 0 {
		d.fail("truncated or overlong varint for %s", what)
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) int(what string) int {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf[d.off:])
	if n <= 0 {
		d.fail("truncated or overlong varint for %s", what)
		return 0
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		d.fail("%s = %d is out of range", what, v)
		return 0
	}
	d.off += n
	return int(v)
}

// count reads a length and checks that at least minBytes per element remain,
// so corrupt input cannot make the decoder allocate more than its own size.
func (d *decoder) count(what string, minBytes int) int {
	v := d.uvarint(what)
	if d.err != nil {
		return 0
	}
	if v > uint64(len(d.buf)-d.off)/uint64(minBytes) {
		d.fail("%s = %d exceeds the remaining %d bytes", what, v, len(d.buf)-d.off)
		return 0
	}
	return int(v)
}

// atLeast reads a signed varint that must be >= min.
func (d *decoder) atLeast(what string, min int) int {
	v := d.int(what)
	if d.err == nil && v < min {
		d.fail("%s = %d, want >= %d", what, v, min)
	}
	return v
}

func (d *decoder) float(what string) float64 {
	if d.err != nil {
		return 0
	}
	if len(d.buf)-d.off < 8 {
		d.fail("truncated before %s", what)
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.buf[d.off:]))
	d.off += 8
	return v
}

func (d *decoder) sortedFloats(what string) []float64 {
	n := d.count(what, 1)
	if d.err != nil || n == 0 {
		return nil
	}
	vs := make([]float64, n)
	var k uint64
	for i := range vs {
		delta := d.uvarint(what)
		if k+delta < k {
			d.fail("%s overflows its key range", what)
		}
		k += delta
		vs[i] = fromOrderKey(k)
		if math.IsNaN(vs[i]) {
			d.fail("%s holds a NaN", what)
		}
		if d.err != nil {
			return nil
		}
	}
	return vs
}

// finish reports an error if bytes are left over after a complete state.
func (d *decoder) finish() error {
	if d.err == nil && d.off != len(d.buf) {
		d.fail("%d trailing bytes", len(d.buf)-d.off)
	}
	return d.err
}

// insertSorted inserts v (not NaN) into the ascending table vs. A zero is
// stored as +0, so that the table's order keys ascend (sort.SearchFloat64s
// treats -0 and +0 as equal); no comparison can tell them apart.
func insertSorted(vs []float64, v float64) []float64 {
	if v == 0 {
		v = 0
	}
	i := sort.SearchFloat64s(vs, v)
	vs = append(vs, 0)
	copy(vs[i+1:], vs[i:])
	vs[i] = v
	return vs
}

// sortedTrials returns the keys of m in ascending order, so that nothing
// (encoding included) depends on Go's random map iteration order.
func sortedTrials[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	return keys
}
