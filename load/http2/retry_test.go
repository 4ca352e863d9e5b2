package http2

import (
	"errors"
	"fmt"
	"testing"

	"golang.org/x/net/http2"
)

func TestUnprocessed(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{http2.StreamError{StreamID: 3, Code: http2.ErrCodeRefusedStream}, true},                   // refused: never processed
		{http2.StreamError{StreamID: 3, Code: http2.ErrCodeInternal}, false},                       // failed while processed
		{errors.New("http2: Transport received Server's graceful shutdown GOAWAY"), true},          // above the GOAWAY's last stream
		{errors.New("http2: client conn not usable"), true},                                        // the connection closed before the send
		{fmt.Errorf("wrapped: %w", http2.StreamError{Code: http2.ErrCodeRefusedStream}), true},     // wrapped
		{errors.New("http2: server sent GOAWAY and closed the connection; LastStreamID=1"), false}, // may have been processed
	}
	for _, tt := range tests {
		if got := unprocessed(tt.err); got != tt.want {
			t.Errorf("unprocessed(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
