package main

// Pure helpers that turn SDK / dataplane values into the JSON the host prints.

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/grafana/dataplane/sdata"
	"github.com/grafana/dataplane/sdata/numeric"
	"github.com/grafana/dataplane/sdata/reader"
	"github.com/grafana/dataplane/sdata/timeseries"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// FrameSummary is what the host reports for one decoded frame.
type FrameSummary struct {
	Name            string          `json:"name"`
	RefID           string          `json:"refId"`
	MetaType        string          `json:"metaType"`
	MetaTypeVersion []uint          `json:"metaTypeVersion"`
	Meta            json.RawMessage `json:"meta"`
	Rows            int             `json:"rows"`
	Fields          []FieldSummary  `json:"fields"`
}

// FieldSummary describes one field; Values may be cut to maxValues (Len tells the real length).
type FieldSummary struct {
	Name      string          `json:"name"`
	Type      string          `json:"type"`
	Nullable  bool            `json:"nullable"`
	Labels    data.Labels     `json:"labels"`
	Config    json.RawMessage `json:"config"`
	Len       int             `json:"len"`
	Values    []any           `json:"values"`
	Truncated bool            `json:"truncated,omitempty"`
}

func summarizeFrames(frames data.Frames, maxValues int) []FrameSummary {
	out := make([]FrameSummary, 0, len(frames))
	for _, f := range frames {
		out = append(out, summarizeFrame(f, maxValues))
	}
	return out
}

func summarizeFrame(f *data.Frame, maxValues int) FrameSummary {
	fs := FrameSummary{Name: f.Name, RefID: f.RefID, Fields: []FieldSummary{}, Meta: json.RawMessage("null")}
	if f.Meta != nil {
		fs.MetaType = string(f.Meta.Type)
		fs.MetaTypeVersion = []uint{f.Meta.TypeVersion[0], f.Meta.TypeVersion[1]}
		if b, err := json.Marshal(f.Meta); err == nil {
			fs.Meta = b
		}
	}
	if rows, err := f.RowLen(); err == nil {
		fs.Rows = rows
	} else {
		fs.Rows = -1
	}
	for _, fld := range f.Fields {
		fs.Fields = append(fs.Fields, summarizeField(fld, maxValues))
	}
	return fs
}

func summarizeField(fld *data.Field, maxValues int) FieldSummary {
	s := FieldSummary{
		Name:     fld.Name,
		Type:     fld.Type().ItemTypeString(),
		Nullable: fld.Type().Nullable(),
		Labels:   fld.Labels,
		Config:   json.RawMessage("null"),
		Len:      fld.Len(),
		Values:   []any{},
	}
	if fld.Config != nil {
		if b, err := json.Marshal(fld.Config); err == nil {
			s.Config = b
		}
	}
	n := fld.Len()
	if maxValues >= 0 && n > maxValues {
		n = maxValues
		s.Truncated = true
	}
	for i := 0; i < n; i++ {
		s.Values = append(s.Values, jsonValue(fld.At(i)))
	}
	return s
}

// jsonValue makes a field value JSON-safe: pointers are dereferenced (nil → null), times become
// RFC 3339 strings with nanoseconds in UTC, NaN/±Inf become strings, json.RawMessage stays raw.
func jsonValue(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case *time.Time:
		if x == nil {
			return nil
		}
		return x.UTC().Format(time.RFC3339Nano)
	case float64:
		return safeFloat(x)
	case *float64:
		if x == nil {
			return nil
		}
		return safeFloat(*x)
	case float32:
		return safeFloat(float64(x))
	case *float32:
		if x == nil {
			return nil
		}
		return safeFloat(float64(*x))
	case json.RawMessage:
		if len(x) == 0 {
			return nil
		}
		return x
	case *json.RawMessage:
		if x == nil || len(*x) == 0 {
			return nil
		}
		return *x
	}
	// Other nullable primitives: *int64, *string, *bool, ...
	return derefAny(v)
}

func safeFloat(f float64) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	return f
}

func derefAny(v any) any {
	switch x := v.(type) {
	case *int8:
		return derefOrNil(x)
	case *int16:
		return derefOrNil(x)
	case *int32:
		return derefOrNil(x)
	case *int64:
		return derefOrNil(x)
	case *uint8:
		return derefOrNil(x)
	case *uint16:
		return derefOrNil(x)
	case *uint32:
		return derefOrNil(x)
	case *uint64:
		return derefOrNil(x)
	case *string:
		return derefOrNil(x)
	case *bool:
		return derefOrNil(x)
	}
	return v
}

func derefOrNil[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// DataplaneResult is how Grafana's server-side expressions (alerting) would see a response.
type DataplaneResult struct {
	// Kind is the frame type the first frame declares (e.g. "numeric-multi"), "" when none.
	Kind string `json:"kind"`
	// UseDataplane mirrors the decision SSE makes before reading: typed and versioned
	// frames that the dataplane reader accepts (or no frames at all) take the dataplane path;
	// anything else falls back to the legacy conversion.
	UseDataplane bool   `json:"useDataplane"`
	MetaError    string `json:"metaError,omitempty"`
	// Readable: the collection reader for the declared kind read the frames without error.
	Readable bool   `json:"readable"`
	Error    string `json:"error,omitempty"`
	Warning  string `json:"warning,omitempty"`
	NoData   bool   `json:"noData"`
	// Numeric: one entry per metric; timeseries: one entry per series.
	Numbers []NumericItem `json:"numbers,omitempty"`
	Series  []SeriesItem  `json:"series,omitempty"`
	// LabelsUnique: no two items share a label set (alerting fails on duplicates).
	LabelsUnique   bool     `json:"labelsUnique"`
	DuplicateLabel []string `json:"duplicateLabels,omitempty"`
	Remainder      []string `json:"remainder,omitempty"`
	Problems       []string `json:"problems,omitempty"`
}

// NumericItem is one numeric metric as the dataplane numeric reader sees it.
type NumericItem struct {
	Name   string      `json:"name"`
	Labels data.Labels `json:"labels"`
	Value  any         `json:"value"`
	Empty  bool        `json:"empty,omitempty"`
	Error  string      `json:"error,omitempty"`
}

// SeriesItem is one series as the dataplane timeseries reader sees it.
type SeriesItem struct {
	Name      string      `json:"name"`
	Labels    data.Labels `json:"labels"`
	Points    int         `json:"points"`
	TimeType  string      `json:"timeType"`
	ValueType string      `json:"valueType"`
	Sorted    bool        `json:"timeSorted"`
	FirstTime any         `json:"firstTime,omitempty"`
	LastTime  any         `json:"lastTime,omitempty"`
	LastValue any         `json:"lastValue,omitempty"`
	Error     string      `json:"error,omitempty"`
}

func classifyDataplane(frames data.Frames) DataplaneResult {
	r := DataplaneResult{}
	if len(frames) == 0 {
		// Grafana treats a response without frames as "no data" on the dataplane path.
		r.UseDataplane = true
		r.Readable = true
		r.NoData = true
		r.LabelsUnique = true
		return r
	}
	first := frames[0]
	if first == nil || first.Meta == nil || first.Meta.Type == "" || first.Meta.TypeVersion.IsZero() {
		if first != nil && first.Meta != nil {
			r.Kind = string(first.Meta.Type)
		}
		r.MetaError = "first frame has no meta.type or a zero meta.typeVersion: not dataplane data (legacy conversion path)"
		return r
	}
	dt, err := reader.CanReadBasedOnMeta(frames)
	r.Kind = string(first.Meta.Type)
	if err != nil {
		var vw *sdata.VersionWarning
		if errors.As(err, &vw) {
			r.UseDataplane = true
			r.Warning = err.Error()
		} else {
			r.MetaError = err.Error()
			return r
		}
	} else {
		r.UseDataplane = true
	}
	// Frames after the first that disagree with the first frame's type.
	for i, f := range frames[1:] {
		if f.Meta == nil || f.Meta.Type != first.Meta.Type {
			t := ""
			if f.Meta != nil {
				t = string(f.Meta.Type)
			}
			r.Problems = append(r.Problems, fmt.Sprintf("frame %d has type %q, first frame has %q", i+1, t, first.Meta.Type))
		}
	}
	switch dt.Kind() {
	case data.KindNumeric:
		readNumeric(frames, &r)
	case data.KindTimeSeries:
		readTimeseries(frames, &r)
	default:
		r.Error = fmt.Sprintf("kind %s (type %s) not supported by server side expressions", dt.Kind(), dt)
	}
	return r
}

func readNumeric(frames data.Frames, r *DataplaneResult) {
	cr, err := numeric.CollectionReaderFromFrames(frames)
	if err != nil {
		r.Error = err.Error()
		return
	}
	c, err := cr.GetCollection(false)
	if err != nil {
		r.Error = err.Error()
		return
	}
	r.Readable = true
	if c.Warning != nil {
		r.Warning = c.Warning.Error()
	}
	r.NoData = c.NoData()
	for _, rem := range c.RemainderIndices {
		r.Remainder = append(r.Remainder, fmt.Sprintf("frame %d field %d: %s", rem.FrameIdx, rem.FieldIdx, rem.Reason))
	}
	labelSets := make([]data.Labels, 0, len(c.Refs))
	for _, ref := range c.Refs {
		it := NumericItem{Name: ref.GetMetricName(), Labels: ref.GetLabels()}
		v, empty, err := ref.NullableFloat64Value()
		switch {
		case err != nil:
			it.Error = err.Error()
		case empty:
			it.Empty = true
		case v != nil:
			it.Value = safeFloat(*v)
		}
		if ref.ValueField != nil && ref.ValueField.Len() > 1 {
			it.Error = fmt.Sprintf("value field has %d rows; numeric data has exactly one", ref.ValueField.Len())
		}
		r.Numbers = append(r.Numbers, it)
		labelSets = append(labelSets, ref.GetLabels())
	}
	r.DuplicateLabel = duplicateLabelSets(labelSets)
	r.LabelsUnique = len(r.DuplicateLabel) == 0
}

func readTimeseries(frames data.Frames, r *DataplaneResult) {
	cr, err := timeseries.CollectionReaderFromFrames(frames)
	if err != nil {
		r.Error = err.Error()
		return
	}
	c, err := cr.GetCollection(false)
	if err != nil {
		r.Error = err.Error()
		return
	}
	r.Readable = true
	if c.Warning != nil {
		r.Warning = c.Warning.Error()
	}
	r.NoData = c.NoData()
	for _, rem := range c.RemainderIndices {
		r.Remainder = append(r.Remainder, fmt.Sprintf("frame %d field %d: %s", rem.FrameIdx, rem.FieldIdx, rem.Reason))
	}
	labelSets := make([]data.Labels, 0, len(c.Refs))
	for _, ref := range c.Refs {
		it := SeriesItem{Name: ref.GetMetricName(), Labels: ref.GetLabels()}
		if ref.TimeField != nil {
			it.TimeType = ref.TimeField.Type().ItemTypeString()
		}
		if ref.ValueField != nil {
			it.ValueType = ref.ValueField.Type().ItemTypeString()
		}
		n, err := ref.Len()
		if err != nil {
			it.Error = err.Error()
		} else {
			it.Points = n
			it.Sorted = true
			var prev time.Time
			for i := 0; i < n; i++ {
				t, err := ref.Time(i)
				if err != nil {
					it.Error = err.Error()
					break
				}
				if i > 0 && t.Before(prev) {
					it.Sorted = false
				}
				prev = t
			}
			if n > 0 && it.Error == "" {
				t0, _ := ref.Time(0)
				tn, v, err := ref.NullableFloat64Point(n - 1)
				it.FirstTime = jsonValue(t0)
				it.LastTime = jsonValue(tn)
				if err != nil {
					it.Error = err.Error()
				} else if v != nil {
					it.LastValue = safeFloat(*v)
				}
			}
		}
		r.Series = append(r.Series, it)
		labelSets = append(labelSets, ref.GetLabels())
	}
	r.DuplicateLabel = duplicateLabelSets(labelSets)
	r.LabelsUnique = len(r.DuplicateLabel) == 0
}

// duplicateLabelSets returns, sorted, the label sets (as Labels.String()) that occur more than once.
// A nil and an empty label set are the same set.
func duplicateLabelSets(sets []data.Labels) []string {
	seen := map[string]int{}
	for _, l := range sets {
		key := "{}"
		if len(l) > 0 {
			key = "{" + l.String() + "}"
		}
		seen[key]++
	}
	var dups []string
	for k, n := range seen {
		if n > 1 {
			dups = append(dups, k)
		}
	}
	sort.Strings(dups)
	return dups
}

// HealthDetails parses CheckHealthResponse.jsonDetails: (nil, true, "") for empty details,
// the parsed value plus whether it is a JSON object otherwise.
func healthDetails(b []byte) (parsed any, isObject bool, parseErr string) {
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil, true, ""
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, false, err.Error()
	}
	_, isObject = v.(map[string]any)
	return v, isObject, ""
}

// LogLine is how go-plugin's client (the one Grafana runs) reads one stderr line.
type LogLine struct {
	JSON    bool   // parsed as a JSON log entry, so its level and fields are kept
	Level   string // hclog level name go-plugin will use ("debug" for non-JSON lines)
	Problem string // why the line is not logged as the plugin meant, "" when fine
}

// classifyLogLine applies the rules of go-plugin's parseJSON/logStderr to one line.
func classifyLogLine(line string) LogLine {
	var raw map[string]any
	if err := json.Unmarshal([]byte(line), &raw); err != nil {
		lvl := "debug"
		for _, p := range []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR"} {
			if strings.HasPrefix(line, "["+p+"]") {
				lvl = strings.ToLower(p)
			}
		}
		return LogLine{Level: lvl, Problem: "not a JSON object: logged verbatim at " + lvl}
	}
	if v, ok := raw["@message"]; ok {
		if _, isStr := v.(string); !isStr {
			return LogLine{Problem: "@message is not a string: go-plugin's client panics on this line (crashes the host)"}
		}
	}
	lv, hasLevel := raw["@level"]
	if hasLevel {
		if _, isStr := lv.(string); !isStr {
			return LogLine{Problem: "@level is not a string: go-plugin's client panics on this line (crashes the host)"}
		}
	}
	if v, ok := raw["@timestamp"]; ok {
		s, isStr := v.(string)
		if !isStr {
			return LogLine{Problem: "@timestamp is not a string: go-plugin's client panics on this line (crashes the host)"}
		}
		if _, err := time.Parse("2006-01-02T15:04:05.000000Z07:00", s); err != nil {
			return LogLine{Level: "debug", Problem: fmt.Sprintf("@timestamp %q does not parse as 2006-01-02T15:04:05.000000Z07:00: whole line logged verbatim at debug", s)}
		}
	}
	lvl, _ := lv.(string)
	switch strings.ToLower(strings.TrimSpace(lvl)) {
	case "trace", "debug", "info", "warn", "warning", "error", "err", "dbg":
		return LogLine{JSON: true, Level: normalizeLevel(lvl)}
	}
	return LogLine{JSON: true, Level: "debug", Problem: fmt.Sprintf("@level %q is not an hclog level: line logged verbatim at debug", lvl)}
}

func normalizeLevel(l string) string {
	switch strings.ToLower(strings.TrimSpace(l)) {
	case "warning":
		return "warn"
	case "err":
		return "error"
	case "dbg":
		return "debug"
	}
	return strings.ToLower(strings.TrimSpace(l))
}

// LogSummary is the report on everything the plugin wrote to stderr.
type LogSummary struct {
	Lines    int            `json:"lines"`
	JSON     int            `json:"json"`
	Levels   map[string]int `json:"levels"`
	Problems []string       `json:"problems"`
	// ProblemCount counts all problem lines; Problems keeps the first few.
	ProblemCount int `json:"problemCount"`
	// SecretsSeen lists secureJsonData values found verbatim in the plugin's logs.
	SecretsSeen []string `json:"secretsSeen,omitempty"`
	Tail        []string `json:"tail,omitempty"`
}

func summarizeLogs(lines []string, secrets map[string]string, keep int) LogSummary {
	s := LogSummary{Levels: map[string]int{}, Problems: []string{}}
	leaked := map[string]bool{}
	for _, ln := range lines {
		if strings.TrimSpace(ln) == "" {
			continue
		}
		s.Lines++
		c := classifyLogLine(ln)
		if c.JSON {
			s.JSON++
		}
		if c.Level != "" {
			s.Levels[c.Level]++
		}
		if c.Problem != "" {
			s.ProblemCount++
			if len(s.Problems) < keep {
				s.Problems = append(s.Problems, c.Problem+" | line: "+clip(redact(ln, secrets), 300))
			}
		}
		for k, v := range secrets {
			if len(v) >= 4 && strings.Contains(ln, v) {
				leaked[k] = true
			}
		}
	}
	for k := range leaked {
		s.SecretsSeen = append(s.SecretsSeen, k)
	}
	sort.Strings(s.SecretsSeen)
	start := len(lines) - keep
	if start < 0 {
		start = 0
	}
	for _, ln := range lines[start:] {
		s.Tail = append(s.Tail, clip(redact(ln, secrets), 400))
	}
	return s
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func redact(line string, secrets map[string]string) string {
	for _, v := range secrets {
		if len(v) >= 4 {
			line = strings.ReplaceAll(line, v, "<redacted>")
		}
	}
	return line
}

// PromCheck is the result of parsing CollectMetrics' text with Prometheus' own text parser.
type PromCheck struct {
	Valid    bool     `json:"valid"`
	Error    string   `json:"error,omitempty"`
	Families []string `json:"families"`
}

func checkPrometheusText(text string) PromCheck {
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(text))
	c := PromCheck{Families: []string{}}
	if err != nil {
		c.Error = err.Error()
		return c
	}
	c.Valid = true
	for name := range fams {
		c.Families = append(c.Families, name)
	}
	sort.Strings(c.Families)
	return c
}

// validChannelPath: Grafana Live channel paths use [A-Za-z0-9_\-/=.], 160 characters at most.
func validChannelPath(p string) bool {
	if p == "" || len(p) > 160 {
		return false
	}
	for _, r := range p {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("_-/=.", r):
		default:
			return false
		}
	}
	return true
}

// channelToPath strips "ds/<uid>/" from a Grafana Live channel announced in meta.channel,
// giving the path Grafana passes to SubscribeStream/RunStream.
func channelToPath(channel, uid string) (string, error) {
	prefix := "ds/" + uid + "/"
	p, ok := strings.CutPrefix(channel, prefix)
	if !ok || p == "" {
		return "", fmt.Errorf("meta.channel %q does not start with %q", channel, prefix)
	}
	if !validChannelPath(channel) {
		return p, fmt.Errorf("meta.channel %q is not a valid Grafana Live channel", channel)
	}
	return p, nil
}
