package record

import (
	"encoding/json"
	"testing"
)

func TestCountsAdd(t *testing.T) {
	t.Parallel()
	var sum Counts[int] // nil maps: Add makes them
	a := Counts[int]{Requests: 3, Sent: 2, Errors: 1, Late: 1, Dropped: 4, BytesReceived: 100,
		StatusCodes: map[int]int64{200: 2}, ErrorKinds: map[string]int64{"timeout": 1}}
	b := Counts[int]{Requests: 5, Sent: 5, Errors: 2, BytesReceived: 50,
		StatusCodes: map[int]int64{200: 3, 503: 2}, ErrorKinds: map[string]int64{"http_5xx": 2}}
	sum.Add(&a)
	sum.Add(&b)
	if sum.Requests != 8 || sum.Sent != 7 || sum.Errors != 3 || sum.Late != 1 || sum.Dropped != 4 || sum.BytesReceived != 150 {
		t.Errorf("sum %+v", sum)
	}
	if sum.StatusCodes[200] != 5 || sum.StatusCodes[503] != 2 || len(sum.StatusCodes) != 2 ||
		sum.ErrorKinds["timeout"] != 1 || sum.ErrorKinds["http_5xx"] != 2 || len(sum.ErrorKinds) != 2 {
		t.Errorf("maps %v %v", sum.StatusCodes, sum.ErrorKinds)
	}
	if a.StatusCodes[200] != 2 || b.Requests != 5 {
		t.Error("Add changed its argument")
	}
}

// TestCountsJSON checks the report's names, with Sent left out and empty
// maps written as objects.
func TestCountsJSON(t *testing.T) {
	t.Parallel()
	var c Counts[string]
	c.Add(&Counts[string]{Requests: 2, Sent: 2, StatusCodes: map[string]int64{"200": 2}})
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"requests":2,"errors":0,"late":0,"dropped":0,"statusCodes":{"200":2},"errorKinds":{},"bytesReceived":0}`
	if string(b) != want {
		t.Errorf("JSON %s\nwant %s", b, want)
	}
}
