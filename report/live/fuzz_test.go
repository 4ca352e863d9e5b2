package live

import (
	"bufio"
	"bytes"
	"testing"
)

// FuzzParse: any bytes give events or an error, never a panic, and the
// bytes consumed never exceed the input.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"kind":"start","test":"t","pid":1}` + "\n" + `{"kind":"tick","second":1,"p99Ms":2}` + "\n"))
	f.Add([]byte(`{"kind":"end","runId":"ab"}`))
	f.Add([]byte("\n\n{\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		evs, n, err := Parse(bufio.NewReaderSize(bytes.NewReader(b), maxLine))
		if n < 0 || n > int64(len(b)) {
			t.Fatalf("consumed %d of %d bytes", n, len(b))
		}
		for _, e := range evs {
			if e.Kind != KindStart && e.Kind != KindTick && e.Kind != KindEnd {
				t.Fatalf("kind %q passed", e.Kind)
			}
		}
		_ = err
	})
}
