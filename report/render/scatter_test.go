package render

import (
	"bytes"
	"encoding/xml"
	"math"
	"strings"
	"testing"
)

// TestScatterSVG parses the chart as XML and checks that every series
// became one polyline through its finite points, every point a circle and
// every label (escaped) a text.
func TestScatterSVG(t *testing.T) {
	t.Parallel()
	c := Scatter{ID: "f", Title: "cost <vs> evenness", XLabel: "CV", YLabel: "µs",
		Series: []ScatterSeries{
			{Name: "a&b", Points: []Point{{0.1, 20, "10k"}, {0.3, 15, "50k"}}},
			{Name: "c", Points: []Point{{1.2, 8, "10k"}, {math.NaN(), 3, "skip"}, {2.4, 6, "<50k>"}}},
		}}
	var buf bytes.Buffer
	if err := c.SVG(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Polylines []struct {
			Series string `xml:"data-series,attr"`
			Points string `xml:"points,attr"`
		} `xml:"polyline"`
		Circles []struct{} `xml:"circle"`
		Texts   []struct {
			Class string `xml:"class,attr"`
			Body  string `xml:",chardata"`
		} `xml:"text"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, buf.String())
	}
	if len(doc.Polylines) != 2 || doc.Polylines[0].Series != "a&b" || doc.Polylines[1].Series != "c" {
		t.Fatalf("polylines = %+v, want a&b and c", doc.Polylines)
	}
	if n := len(strings.Fields(doc.Polylines[1].Points)); n != 2 {
		t.Errorf("series c has %d points drawn, want 2 (the NaN one left out)", n)
	}
	if len(doc.Circles) != 4 {
		t.Errorf("%d circles, want 4", len(doc.Circles))
	}
	var labels []string
	for _, tx := range doc.Texts {
		if tx.Class == "point" {
			labels = append(labels, tx.Body)
		}
	}
	if got := strings.Join(labels, " "); got != "10k 50k 10k <50k>" {
		t.Errorf("point labels %q, want %q", got, "10k 50k 10k <50k>")
	}
}
