package main

// Arrow files written by our TypeScript encoder (pkg/frames/arrow-ipc.ts), read with the
// Grafana SDK's own reader (data.UnmarshalArrowFrame, arrow-go's ipc.FileReader underneath).
// tests/backend/arrow-compat.test.ts writes the files and an expectations.json into a
// temporary directory and runs `go test -run ArrowCompat` with JOBSCOPE_ARROW_DIR set.
// Without that variable the test is skipped.

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

type expectedField struct {
	Name   string            `json:"name"`
	Type   string            `json:"type"` // the SDK's item type: float64, *float64, time.Time, ...
	Labels map[string]string `json:"labels"`
	Config *struct {
		Unit              string `json:"unit"`
		DisplayNameFromDS string `json:"displayNameFromDS"`
		Links             int    `json:"links"`
	} `json:"config"`
	// Values as encodeValue writes them; checked for all rows, or only the first len(values)
	// when rows is set.
	Values []any `json:"values"`
	Rows   int   `json:"rows"`
}

type expectedFrame struct {
	File  string `json:"file"`
	Name  string `json:"name"`
	RefID string `json:"refId"`
	Meta  *struct {
		Type                string  `json:"type"`
		TypeVersion         [2]uint `json:"typeVersion"`
		ExecutedQueryString string  `json:"executedQueryString"`
		Notices             int     `json:"notices"`
		Preferred           string  `json:"preferredVisualisationType"`
	} `json:"meta"`
	Fields []expectedField `json:"fields"`
}

// encodeValue turns a value the SDK read into the exact form the expectations use: float64
// as the decimal string of its IEEE bits (so NaN, ±Inf and -0 compare exactly), int64 and
// times (Unix nanoseconds) as decimal strings, strings and bools as they are, nulls as nil.
func encodeValue(v any, ok bool) any {
	if !ok {
		return nil
	}
	switch x := v.(type) {
	case float64:
		return strconv.FormatUint(math.Float64bits(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case time.Time:
		return strconv.FormatInt(x.UnixNano(), 10)
	case string, bool:
		return x
	}
	return v
}

func TestArrowCompat(t *testing.T) {
	dir := os.Getenv("JOBSCOPE_ARROW_DIR")
	if dir == "" {
		t.Skip("JOBSCOPE_ARROW_DIR not set (tests/backend/arrow-compat.test.ts sets it)")
	}
	raw, err := os.ReadFile(filepath.Join(dir, "expectations.json"))
	if err != nil {
		t.Fatal(err)
	}
	var expected []expectedFrame
	if err := json.Unmarshal(raw, &expected); err != nil {
		t.Fatal(err)
	}
	if len(expected) == 0 {
		t.Fatal("no expectations")
	}
	var all [][]byte
	for _, want := range expected {
		b, err := os.ReadFile(filepath.Join(dir, want.File))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b)
		t.Run(want.File, func(t *testing.T) {
			frame, err := data.UnmarshalArrowFrame(b)
			if err != nil {
				t.Fatalf("the SDK rejects %s: %v", want.File, err)
			}
			checkFrame(t, frame, want)
		})
	}
	frames, err := data.UnmarshalArrowFrames(all)
	if err != nil {
		t.Fatalf("UnmarshalArrowFrames: %v", err)
	}
	if len(frames) != len(expected) {
		t.Fatalf("UnmarshalArrowFrames: %d frames, want %d", len(frames), len(expected))
	}
	for i, f := range frames {
		checkFrame(t, f, expected[i])
	}
}

func checkFrame(t *testing.T, frame *data.Frame, want expectedFrame) {
	t.Helper()
	if frame.Name != want.Name || frame.RefID != want.RefID {
		t.Errorf("name/refId %q/%q, want %q/%q", frame.Name, frame.RefID, want.Name, want.RefID)
	}
	if want.Meta == nil {
		if frame.Meta != nil {
			t.Errorf("meta %+v, want none", frame.Meta)
		}
	} else if frame.Meta == nil {
		t.Errorf("no meta, want %+v", *want.Meta)
	} else {
		m := frame.Meta
		if string(m.Type) != want.Meta.Type || [2]uint(m.TypeVersion) != want.Meta.TypeVersion ||
			m.ExecutedQueryString != want.Meta.ExecutedQueryString || len(m.Notices) != want.Meta.Notices ||
			string(m.PreferredVisualization) != want.Meta.Preferred {
			t.Errorf("meta %+v, want %+v", *m, *want.Meta)
		}
	}
	if len(frame.Fields) != len(want.Fields) {
		t.Fatalf("%d fields, want %d", len(frame.Fields), len(want.Fields))
	}
	for i, f := range frame.Fields {
		w := want.Fields[i]
		if f.Name != w.Name {
			t.Errorf("field %d: name %q, want %q", i, f.Name, w.Name)
		}
		if got := f.Type().ItemTypeString(); got != w.Type {
			t.Errorf("field %d %q: type %s, want %s", i, w.Name, got, w.Type)
		}
		if f.Nullable() != (w.Type[0] == '*') {
			t.Errorf("field %d %q: nullable %v", i, w.Name, f.Nullable())
		}
		if len(f.Labels) != len(w.Labels) || (len(w.Labels) > 0 && !reflect.DeepEqual(map[string]string(f.Labels), w.Labels)) {
			t.Errorf("field %d %q: labels %v, want %v", i, w.Name, f.Labels, w.Labels)
		}
		if w.Config == nil {
			if f.Config != nil {
				t.Errorf("field %d %q: config %+v, want none", i, w.Name, f.Config)
			}
		} else if f.Config == nil || f.Config.Unit != w.Config.Unit || f.Config.DisplayNameFromDS != w.Config.DisplayNameFromDS || len(f.Config.Links) != w.Config.Links {
			t.Errorf("field %d %q: config %+v, want %+v", i, w.Name, f.Config, *w.Config)
		}
		rows := len(w.Values)
		if w.Rows > 0 {
			rows = w.Rows
		}
		if f.Len() != rows {
			t.Errorf("field %d %q: %d rows, want %d", i, w.Name, f.Len(), rows)
			continue
		}
		for j, wv := range w.Values {
			if got := encodeValue(f.ConcreteAt(j)); !reflect.DeepEqual(got, wv) {
				t.Errorf("field %d %q row %d: %#v, want %#v", i, w.Name, j, got, wv)
				break
			}
		}
	}
}
