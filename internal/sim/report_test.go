package sim

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// someCells returns a few cheap cells of the small grid, covering every
// kind of downstream and nested layers, run with seed: once for all tests,
// or afresh.
func someCells(t *testing.T, seed uint64, afresh bool) []Result {
	t.Helper()
	var results []Result
	for _, c := range []struct {
		scenario string
		policy   Policy
	}{
		{"flaky", Defaults},
		{"nested", BudgetEveryLayer},
		{"capacity", BudgetPolicy},
		{"contention", ContentionPolicies[1]},
	} {
		sc := small(t, c.scenario)
		if afresh {
			results = append(results, Run(sc, c.policy, seed))
		} else {
			results = append(results, seeded(sc, c.policy, seed))
		}
	}
	return results
}

// outputs returns the CSV and the SVG of results.
func outputs(t *testing.T, results []Result) (csv, svg []byte) {
	t.Helper()
	var c, s bytes.Buffer
	if err := WriteCSV(&c, results); err != nil {
		t.Fatal(err)
	}
	if err := WriteSVG(&s, results); err != nil {
		t.Fatal(err)
	}
	return c.Bytes(), s.Bytes()
}

func TestSameSeedGivesSameBytes(t *testing.T) {
	t.Parallel()
	csv1, svg1 := outputs(t, someCells(t, 7, false))
	csv2, svg2 := outputs(t, someCells(t, 7, true))
	if !bytes.Equal(csv1, csv2) {
		t.Errorf("two runs with seed 7 gave different CSV:\n%s\n%s", csv1, csv2)
	}
	if !bytes.Equal(svg1, svg2) {
		t.Error("two runs with seed 7 gave different SVG")
	}
}

func TestDifferentSeedsGiveDifferentRuns(t *testing.T) {
	t.Parallel()
	csv1, _ := outputs(t, someCells(t, 7, false))
	csv2, _ := outputs(t, someCells(t, 8, false))
	rows1 := strings.Split(string(csv1), "\n")[1:]
	rows2 := strings.Split(string(csv2), "\n")[1:]
	for i := range rows1 {
		if rows1[i] != "" && rows1[i] == rows2[i] {
			t.Errorf("seeds 7 and 8 gave the same row: %s", rows1[i])
		}
	}
}

func TestCSVHasAHeaderAndARowPerRun(t *testing.T) {
	t.Parallel()
	results := someCells(t, 7, false)
	out, _ := outputs(t, results)
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("reading the CSV: %v\n%s", err, out)
	}
	for _, col := range []string{"scenario", "policy", "amplification", "extra_load", "success_rate", "p50_ms", "p99_ms", "p999_ms", "recovery_s"} {
		if !slices.Contains(rows[0], col) {
			t.Errorf("header %q lacks %q", rows[0], col)
		}
	}
	if len(rows) != 1+len(results) {
		t.Errorf("CSV has %d rows; want a header and %d runs", len(rows), len(results))
	}
}

func TestExtraLoadIsAmplificationLessOne(t *testing.T) {
	t.Parallel()
	out, _ := outputs(t, someCells(t, 7, false))
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	amp, extra := slices.Index(rows[0], "amplification"), slices.Index(rows[0], "extra_load")
	for _, row := range rows[1:] {
		a, err1 := strconv.ParseFloat(row[amp], 64)
		e, err2 := strconv.ParseFloat(row[extra], 64)
		if err1 != nil || err2 != nil || math.Abs(a-1-e) > 0.0011 {
			t.Errorf("%s under %s: amplification %s, extra_load %s; want the amplification less one", row[0], row[1], row[amp], row[extra])
		}
	}
}

func TestSVGIsWellFormedWithALinePerPolicy(t *testing.T) {
	t.Parallel()
	results := someCells(t, 7, false)
	_, out := outputs(t, results)
	dec := xml.NewDecoder(bytes.NewReader(out))
	lines, texts := 0, ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Local == "polyline" {
				lines++
			}
		case xml.CharData:
			texts += string(tok) + "\n"
		}
	}
	if lines != len(results) {
		t.Errorf("SVG has %d lines; want one per run, %d", lines, len(results))
	}
	for _, want := range []string{"Offered load", "time (s)", "calls/s", "capacity × 0.5", "demand", "full-jitter"} {
		if !strings.Contains(texts, want) {
			t.Errorf("SVG lacks the text %q", want)
		}
	}
}
