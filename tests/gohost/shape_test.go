package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

func numericFrame(name string, labels data.Labels, v float64) *data.Frame {
	f := data.NewFrame("", data.NewField(name, labels, []float64{v}))
	f.Meta = &data.FrameMeta{Type: data.FrameTypeNumericMulti, TypeVersion: data.FrameTypeVersion{0, 1}}
	return f
}

func TestClassifyDataplaneNumericMulti(t *testing.T) {
	r := classifyDataplane(data.Frames{
		numericFrame("depth", data.Labels{"queue": "a"}, 1),
		numericFrame("depth", data.Labels{"queue": "b"}, 2),
	})
	if r.Kind != "numeric-multi" || !r.UseDataplane || !r.Readable || r.Error != "" {
		t.Fatalf("unexpected %+v", r)
	}
	if len(r.Numbers) != 2 || r.Numbers[1].Value != 2.0 || !r.LabelsUnique {
		t.Fatalf("numbers %+v unique %v", r.Numbers, r.LabelsUnique)
	}
}

func TestClassifyDataplaneDuplicateLabels(t *testing.T) {
	r := classifyDataplane(data.Frames{
		numericFrame("depth", data.Labels{"queue": "a"}, 1),
		numericFrame("waiting", data.Labels{"queue": "a"}, 2),
	})
	if r.LabelsUnique || len(r.DuplicateLabel) != 1 || r.DuplicateLabel[0] != "{queue=a}" {
		t.Fatalf("expected a duplicate label set, got %+v", r)
	}
}

func TestClassifyDataplaneTimeseriesMulti(t *testing.T) {
	now := time.Unix(1700000000, 0)
	f := data.NewFrame("", data.NewField("time", nil, []time.Time{now, now.Add(time.Second)}),
		data.NewField("depth", data.Labels{"queue": "a"}, []float64{1, 2}))
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: data.FrameTypeVersion{0, 1}}
	r := classifyDataplane(data.Frames{f})
	if !r.Readable || len(r.Series) != 1 || r.Series[0].Points != 2 || !r.Series[0].Sorted || r.Series[0].LastValue != 2.0 {
		t.Fatalf("unexpected %+v", r)
	}
}

func TestClassifyDataplaneTimeseriesStringValueIsUnreadable(t *testing.T) {
	f := data.NewFrame("", data.NewField("time", nil, []time.Time{time.Unix(1, 0)}),
		data.NewField("state", nil, []string{"x"}))
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: data.FrameTypeVersion{0, 1}}
	r := classifyDataplane(data.Frames{f})
	if r.Readable && len(r.Series) > 0 {
		t.Fatalf("a string value field should not read as a series: %+v", r)
	}
}

func TestClassifyDataplaneUntypedAndEmpty(t *testing.T) {
	r := classifyDataplane(data.Frames{data.NewFrame("x", data.NewField("v", nil, []float64{1}))})
	if r.UseDataplane || r.MetaError == "" {
		t.Fatalf("untyped frame must fall back: %+v", r)
	}
	r = classifyDataplane(nil)
	if !r.UseDataplane || !r.NoData {
		t.Fatalf("no frames is no data: %+v", r)
	}
}

func TestSummarizeFrameRoundTripsThroughArrow(t *testing.T) {
	v := 1.5
	f := data.NewFrame("n", data.NewField("t", nil, []time.Time{time.Unix(0, 5).UTC()}),
		data.NewField("v", data.Labels{"a": "b"}, []*float64{&v}).SetConfig(&data.FieldConfig{Unit: "short"}))
	f.RefID = "A"
	b, err := f.MarshalArrow()
	if err != nil {
		t.Fatal(err)
	}
	frames, err := data.UnmarshalArrowFrames([][]byte{b})
	if err != nil {
		t.Fatal(err)
	}
	s := summarizeFrame(frames[0], 10)
	if s.Name != "n" || s.RefID != "A" || len(s.Fields) != 2 {
		t.Fatalf("%+v", s)
	}
	if s.Fields[0].Type != "time.Time" || s.Fields[0].Values[0] != "1970-01-01T00:00:00.000000005Z" {
		t.Fatalf("time field %+v", s.Fields[0])
	}
	if s.Fields[1].Type != "*float64" || !s.Fields[1].Nullable || s.Fields[1].Values[0] != 1.5 {
		t.Fatalf("value field %+v", s.Fields[1])
	}
	if !strings.Contains(string(s.Fields[1].Config), `"unit":"short"`) {
		t.Fatalf("config %s", s.Fields[1].Config)
	}
}

func TestJSONValue(t *testing.T) {
	if jsonValue(math.NaN()) != "NaN" || jsonValue(math.Inf(-1)) != "-Inf" {
		t.Fatal("non-finite floats must become strings")
	}
	var np *int64
	if jsonValue(np) != nil {
		t.Fatal("nil pointer must be null")
	}
	i := int64(7)
	if jsonValue(&i) != int64(7) {
		t.Fatal("pointer must be dereferenced")
	}
	if _, err := json.Marshal([]any{jsonValue(math.NaN()), jsonValue(json.RawMessage(`{"a":1}`))}); err != nil {
		t.Fatal(err)
	}
}

func TestHealthDetails(t *testing.T) {
	if v, obj, e := healthDetails(nil); v != nil || !obj || e != "" {
		t.Fatal("empty details are fine")
	}
	if _, obj, _ := healthDetails([]byte(`{"a":1}`)); !obj {
		t.Fatal("object expected")
	}
	if _, obj, _ := healthDetails([]byte(`[1]`)); obj {
		t.Fatal("array is not an object")
	}
	if _, _, e := healthDetails([]byte(`{`)); e == "" {
		t.Fatal("parse error expected")
	}
}

func TestClassifyLogLine(t *testing.T) {
	cases := []struct {
		line    string
		json    bool
		level   string
		problem bool
	}{
		{`{"@level":"info","@message":"hi","@timestamp":"2026-01-02T03:04:05.123456Z"}`, true, "info", false},
		{`{"@level":"warn","@message":"hi"}`, true, "warn", false},
		// a JS toISOString() timestamp (3 digits) breaks the whole line
		{`{"@level":"info","@message":"hi","@timestamp":"2026-01-02T03:04:05.123Z"}`, false, "debug", true},
		{`{"@level":"notice","@message":"hi"}`, true, "debug", true},
		{`{"@level":"info","@message":42}`, false, "", true},
		{`plain text`, false, "debug", true},
		{`[WARN] old style`, false, "warn", true},
	}
	for _, c := range cases {
		got := classifyLogLine(c.line)
		if got.JSON != c.json || got.Level != c.level || (got.Problem != "") != c.problem {
			t.Errorf("%s: got %+v", c.line, got)
		}
	}
}

func TestSummarizeLogsRedactsSecrets(t *testing.T) {
	s := summarizeLogs([]string{`{"@level":"info","@message":"pw=hunter22"}`, "oops hunter22"},
		map[string]string{"password": "hunter22"}, 5)
	if s.Lines != 2 || s.JSON != 1 || s.ProblemCount != 1 || len(s.SecretsSeen) != 1 {
		t.Fatalf("%+v", s)
	}
	for _, l := range append(s.Tail, s.Problems...) {
		if strings.Contains(l, "hunter22") {
			t.Fatalf("secret not redacted: %s", l)
		}
	}
}

func TestDuplicateLabelSetsNilEqualsEmpty(t *testing.T) {
	d := duplicateLabelSets([]data.Labels{nil, {}})
	if len(d) != 1 || d[0] != "{}" {
		t.Fatalf("%v", d)
	}
}

func TestCheckPrometheusText(t *testing.T) {
	if c := checkPrometheusText("# TYPE a counter\na 1\n"); !c.Valid || len(c.Families) != 1 {
		t.Fatalf("%+v", c)
	}
	if c := checkPrometheusText("a{ 1\n"); c.Valid {
		t.Fatalf("invalid text accepted: %+v", c)
	}
}

func TestValidChannelPath(t *testing.T) {
	if !validChannelPath("queues/default=1.x") || validChannelPath("a b") || validChannelPath(strings.Repeat("a", 161)) {
		t.Fatal("channel path rules")
	}
}

func TestWithModelDefaults(t *testing.T) {
	var m map[string]any
	_ = json.Unmarshal(withModelDefaults([]byte(`{"x":1,"refId":"Z"}`), "A", "overview", 1000, 100), &m)
	if m["refId"] != "Z" || m["queryType"] != "overview" || m["intervalMs"] != 1000.0 || m["x"] != 1.0 {
		t.Fatalf("%v", m)
	}
	if string(withModelDefaults([]byte(`[1]`), "A", "", 1, 1)) != `[1]` {
		t.Fatal("non-object must pass verbatim")
	}
}

func TestLineCollector(t *testing.T) {
	c := &lineCollector{}
	_, _ = c.Write([]byte("a"))
	_, _ = c.Write([]byte("\n"))
	_, _ = c.Write([]byte("b\nc"))
	got := c.Lines()
	if strings.Join(got, "|") != "a|b|c" {
		t.Fatalf("%v", got)
	}
}

func TestChannelToPath(t *testing.T) {
	if p, err := channelToPath("ds/ds1/overview/e30", "ds1"); err != nil || p != "overview/e30" {
		t.Fatalf("%q %v", p, err)
	}
	if _, err := channelToPath("ds/other/x", "ds1"); err == nil {
		t.Fatal("wrong uid accepted")
	}
}
