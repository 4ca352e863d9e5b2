package loadjob

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/smp-dev/smp/load/record"
)

// The lines around a worker's result in its log. Anything else in the log
// (its progress on stderr, a sidecar's chatter) is ignored.
const (
	FrameBegin = "--- smp result v1 ---"
	FrameEnd   = "--- end smp result ---"
)

// ErrNoFrame means a log holds no complete result frame.
var ErrNoFrame = errors.New("no result frame in the log")

// WriteFrame writes r, encoded (record.Encode, one line), between the
// frame's marker lines, in one write so that nothing else interleaves
// with it on a shared stream. It starts with a newline so that the
// opening marker is a line of its own whatever was written before it.
func WriteFrame(w io.Writer, r *record.Result) error {
	payload, err := record.Encode(r)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	b.Grow(len(payload) + len(FrameBegin) + len(FrameEnd) + 4)
	b.WriteString("\n" + FrameBegin + "\n")
	b.Write(payload)
	b.WriteString("\n" + FrameEnd + "\n")
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write result frame: %w", err)
	}
	return nil
}

// FindFrame returns the payload of the last complete frame in log: the
// lines between a line that is exactly FrameBegin and the next line that
// is exactly FrameEnd (trailing carriage returns and spaces ignored), with
// blank lines dropped. It fails with ErrNoFrame when there is none.
func FindFrame(log []byte) ([]byte, error) {
	lines := bytes.Split(log, []byte("\n"))
	begin, end := -1, -1
	for i := len(lines) - 1; i >= 0; i-- {
		l := bytes.TrimRight(lines[i], "\r \t")
		if string(l) == FrameEnd {
			end = i
		}
		if string(l) == FrameBegin && end > i {
			begin = i
			break
		}
	}
	if begin < 0 {
		if bytes.Contains(log, []byte(FrameBegin)) {
			return nil, fmt.Errorf("%w: it begins but does not end (log cut short?)", ErrNoFrame)
		}
		return nil, ErrNoFrame
	}
	var payload []byte
	for _, l := range lines[begin+1 : end] {
		if l = bytes.TrimSpace(l); len(l) > 0 {
			payload = append(payload, l...)
		}
	}
	return payload, nil
}

// ReadFrame finds the last frame in log and decodes its result.
func ReadFrame(log []byte) (*record.Result, error) {
	p, err := FindFrame(log)
	if err != nil {
		return nil, err
	}
	return record.Decode(p)
}
