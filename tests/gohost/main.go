// Command gohost stands in for Grafana in front of a backend data-source plugin executable:
// it launches the plugin with hashicorp/go-plugin's client exactly as Grafana does, runs the
// calls of a scenario through the SDK's generated pluginv2 clients, decodes frames with the
// SDK and classifies them with grafana/dataplane's readers (as alerting does), and prints one
// JSON document with the results.
//
//	gohost -plugin <executable> -scenario <scenario.json>
//
// Exit status: 0 when the host ran the scenario (plugin errors are results), 1 when the host
// failed (bad arguments, handshake failure, ...), with the reason on stderr.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// Output is the document printed on stdout.
type Output struct {
	Handshake Handshake         `json:"handshake"`
	Steps     []json.RawMessage `json:"steps"`
	Process   ProcessReport     `json:"process"`
	Logs      LogSummary        `json:"logs"`
}

// Handshake reports the go-plugin negotiation.
type Handshake struct {
	ProtocolVersion int    `json:"protocolVersion"`
	Network         string `json:"network"`
	Address         string `json:"address"`
	StartMS         int64  `json:"startMS"`
	Ping            string `json:"ping"`
	WorkDir         string `json:"workDir"`
}

// ProcessReport is what happened to the process over the run.
type ProcessReport struct {
	ExitedBeforeShutdown bool     `json:"exitedBeforeShutdown"`
	StdoutBytesAfter     int      `json:"stdoutBytesAfterHandshake"`
	GRPCStdioStderrBytes int      `json:"grpcStdioStderrBytes"`
	ExitEvents           []string `json:"exitEvents,omitempty"`
}

// CallError is a failed gRPC call (a result, not a host failure).
type CallError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func callError(err error) *CallError {
	if err == nil {
		return nil
	}
	if st, ok := status.FromError(err); ok {
		return &CallError{Code: st.Code().String(), Message: st.Message()}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &CallError{Code: codes.DeadlineExceeded.String(), Message: err.Error()}
	}
	return &CallError{Code: "Unknown", Message: err.Error()}
}

func main() {
	var (
		pluginPath = flag.String("plugin", "", "plugin executable (required)")
		scenario   = flag.String("scenario", "", "scenario JSON file (required)")
		workDir    = flag.String("workdir", "", "working directory for the plugin process (default: a fresh temporary directory, never the plugin's)")
		gfVersion  = flag.String("gf-version", "12.4.0", "GF_VERSION given to the plugin")
		gfEdition  = flag.String("gf-edition", "oss", "GF_EDITION given to the plugin")
		skipEnv    = flag.Bool("skip-host-env", false, "do not pass the host environment (Grafana's pluginsSkipHostEnvVars)")
		startTO    = flag.Duration("start-timeout", time.Minute, "handshake timeout (Grafana/go-plugin default 1m)")
		callTO     = flag.Duration("call-timeout", 30*time.Second, "timeout of each unary call")
		logLevel   = flag.String("log-level", "debug", "hclog level of the host logger")
		echoLogs   = flag.Bool("echo-logs", false, "echo go-plugin's logger (and the plugin's stderr) to stderr")
		maxValues  = flag.Int("max-values", 50, "values kept per field in frame summaries (-1: all)")
		pretty     = flag.Bool("pretty", true, "indent the JSON output")
		env        multiFlag
	)
	flag.Var(&env, "env", "extra KEY=VALUE for the plugin environment (repeatable)")
	flag.Parse()
	if *pluginPath == "" || *scenario == "" {
		fmt.Fprintln(os.Stderr, "usage: gohost -plugin <executable> -scenario <scenario.json>")
		os.Exit(2)
	}
	if err := run(*pluginPath, *scenario, *workDir, *gfVersion, *gfEdition, env, *skipEnv, *startTO, *callTO, *logLevel, *echoLogs, *maxValues, *pretty, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gohost: "+err.Error())
		os.Exit(1)
	}
}

func run(pluginPath, scenarioPath, workDir, gfVersion, gfEdition string, env []string, skipEnv bool,
	startTO, callTO time.Duration, logLevel string, echoLogs bool, maxValues int, pretty bool, stdout io.Writer) error {
	sc, err := loadScenario(scenarioPath)
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(pluginPath)
	if err != nil {
		return err
	}
	if workDir == "" {
		workDir, err = os.MkdirTemp("", "gohost-cwd-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(workDir)
	}

	h, err := startHost(HostOptions{
		PluginPath: abs, WorkDir: workDir, GFVersion: gfVersion, GFEdition: gfEdition,
		ExtraEnv: env, SkipHostEnv: skipEnv, StartTimeout: startTO, LogLevel: logLevel, EchoLogs: echoLogs,
	})
	if err != nil {
		msg := err.Error()
		if h != nil {
			lines := h.stderr.Lines()
			if len(lines) > 0 {
				tail := lines
				if len(tail) > 20 {
					tail = tail[len(tail)-20:]
				}
				msg += "\nplugin stderr (last lines):\n  " + strings.Join(tail, "\n  ")
			}
		}
		return errors.New(msg)
	}

	out := Output{Handshake: Handshake{
		ProtocolVersion: h.Version, Network: h.Network, Address: h.Address, StartMS: h.StartMS, WorkDir: workDir,
	}}
	if perr := h.Ping(); perr != nil {
		out.Handshake.Ping = perr.Error()
	} else {
		out.Handshake.Ping = "SERVING"
	}

	r := &runner{h: h, sc: sc, gfVersion: gfVersion, callTO: callTO, maxValues: maxValues}
	killed := false
	for _, st := range sc.Steps {
		t0 := time.Now()
		res := r.step(st)
		if st.Op == "shutdown" {
			killed = true
		}
		res["op"] = st.Op
		res["elapsedMS"] = time.Since(t0).Milliseconds()
		b, err := json.Marshal(res)
		if err != nil {
			return fmt.Errorf("encoding result of %s: %w", st.Op, err)
		}
		out.Steps = append(out.Steps, b)
	}
	out.Process.ExitedBeforeShutdown = r.exitedBeforeShutdown
	if !killed {
		out.Process.ExitedBeforeShutdown = h.Exited()
		h.Kill()
	}
	out.Process.StdoutBytesAfter = h.stdout.Count()
	out.Process.GRPCStdioStderrBytes = h.stdio.Count()
	out.Process.ExitEvents = h.events.matching("plugin process exited")
	out.Logs = summarizeLogs(h.stderr.Lines(), sc.Settings.SecureJSONData, 10)
	if out.Steps == nil {
		out.Steps = []json.RawMessage{}
	}

	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	if pretty {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(out)
}

type runner struct {
	h                    *Host
	sc                   *Scenario
	gfVersion            string
	callTO               time.Duration
	maxValues            int
	exitedBeforeShutdown bool
	// channels: meta.channel of the first frame that had one, per refId, over the queries so far.
	channels map[string]string
}

// resolvePath turns "$channel:<refId>" into the path Grafana Live would pass to the plugin
// for the channel that refId's frames announced (the channel minus "ds/<uid>/").
func (r *runner) resolvePath(p string) (string, error) {
	ref, ok := strings.CutPrefix(p, "$channel:")
	if !ok {
		return p, nil
	}
	ch := r.channels[ref]
	if ch == "" {
		return "", fmt.Errorf("no meta.channel seen for refId %q in the queries so far", ref)
	}
	return channelToPath(ch, r.sc.Settings.UID)
}

func (r *runner) pc(st Step) *pluginv2.PluginContext {
	return pluginContext(r.sc.Settings, r.gfVersion, !st.NoUser)
}

func (r *runner) step(st Step) map[string]any {
	if st.Op != "sleep" && st.Op != "shutdown" && r.h.Exited() {
		return map[string]any{"error": &CallError{Code: "Unavailable", Message: "plugin process has exited"}}
	}
	if st.Op == "subscribe" || st.Op == "publish" || st.Op == "stream" {
		p, err := r.resolvePath(st.Path)
		if err != nil {
			return map[string]any{"error": &CallError{Code: "HostScenario", Message: err.Error()}}
		}
		st.Path = p
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.callTO)
	defer cancel()
	switch st.Op {
	case "ping":
		if err := r.h.Ping(); err != nil {
			return map[string]any{"serving": false, "error": err.Error()}
		}
		return map[string]any{"serving": true}
	case "sleep":
		time.Sleep(time.Duration(st.TimeoutMS) * time.Millisecond)
		return map[string]any{}
	case "health":
		return r.health(ctx, st)
	case "query":
		return r.query(ctx, st)
	case "resource":
		return r.resource(ctx, st)
	case "metrics":
		return r.metrics(ctx, st)
	case "subscribe":
		return r.subscribe(ctx, st)
	case "publish":
		return r.publish(ctx, st)
	case "stream":
		return r.stream(st)
	case "shutdown":
		r.exitedBeforeShutdown = r.h.Exited()
		ms, exited, graceful := r.h.Kill()
		return map[string]any{"exitedWithinMS": ms, "exited": exited, "graceful": graceful,
			"exitEvents": r.h.events.matching("plugin process exited")}
	}
	return map[string]any{"error": &CallError{Code: "InvalidArgument", Message: "unknown op " + st.Op}}
}

func (r *runner) health(ctx context.Context, st Step) map[string]any {
	resp, err := r.h.Diag.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: r.pc(st), Headers: st.Headers})
	if err != nil {
		return map[string]any{"error": callError(err)}
	}
	details, isObj, perr := healthDetails(resp.JsonDetails)
	res := map[string]any{
		"status":          resp.Status.String(),
		"message":         resp.Message,
		"details":         details,
		"detailsIsObject": isObj,
	}
	if perr != "" {
		res["detailsParseError"] = perr
		res["detailsRaw"] = string(resp.JsonDetails)
	}
	return res
}

// ResponseReport is one refId's DataResponse.
type ResponseReport struct {
	Status      int32            `json:"status"`
	StatusValid bool             `json:"statusValid"`
	Error       string           `json:"error"`
	ErrorSource string           `json:"errorSource"`
	Format      string           `json:"format"`
	FrameCount  int              `json:"frameCount"`
	Frames      []FrameSummary   `json:"frames"`
	DecodeError string           `json:"decodeError,omitempty"`
	Dataplane   *DataplaneResult `json:"dataplane,omitempty"`
}

func (r *runner) query(ctx context.Context, st Step) map[string]any {
	req := &pluginv2.QueryDataRequest{
		PluginContext: r.pc(st),
		Headers:       st.Headers,
		Queries:       dataQueries(st.Queries, time.Now()),
	}
	if req.Headers == nil {
		req.Headers = map[string]string{}
	}
	resp, err := r.h.Data.QueryData(ctx, req)
	if err != nil {
		return map[string]any{"error": callError(err)}
	}
	responses := map[string]ResponseReport{}
	for refID, dr := range resp.Responses {
		rep := ResponseReport{
			Status:      dr.Status,
			StatusValid: backend.Status(dr.Status).IsValid(),
			Error:       dr.Error,
			ErrorSource: dr.ErrorSource,
			Format:      dr.Format.String(),
			FrameCount:  len(dr.Frames),
			Frames:      []FrameSummary{},
		}
		var frames data.Frames
		var derr error
		if dr.Format == pluginv2.DataFrameFormat_JSON {
			for _, b := range dr.Frames {
				var f *data.Frame
				if derr = json.Unmarshal(b, &f); derr != nil {
					break
				}
				frames = append(frames, f)
			}
		} else {
			frames, derr = data.UnmarshalArrowFrames(dr.Frames)
		}
		if derr != nil {
			rep.DecodeError = derr.Error()
		} else {
			rep.Frames = summarizeFrames(frames, r.maxValues)
			for _, f := range frames {
				if f.Meta != nil && f.Meta.Channel != "" {
					if r.channels == nil {
						r.channels = map[string]string{}
					}
					r.channels[refID] = f.Meta.Channel
					break
				}
			}
			dp := classifyDataplane(frames)
			rep.Dataplane = &dp
		}
		responses[refID] = rep
	}
	var missing []string
	for _, q := range req.Queries {
		if _, ok := resp.Responses[q.RefId]; !ok {
			missing = append(missing, q.RefId)
		}
	}
	var extra []string
	for refID := range resp.Responses {
		found := false
		for _, q := range req.Queries {
			if q.RefId == refID {
				found = true
			}
		}
		if !found {
			extra = append(extra, refID)
		}
	}
	res := map[string]any{"responses": responses}
	if len(missing) > 0 {
		res["missingRefIds"] = missing
	}
	if len(extra) > 0 {
		res["unexpectedRefIds"] = extra
	}
	// The conversion Grafana itself runs on the response: one undecodable frame fails the
	// whole QueryData call there.
	if _, cerr := backend.FromProto().QueryDataResponse(resp); cerr != nil {
		res["grafanaConversionError"] = cerr.Error()
	}
	return res
}

func (r *runner) resource(ctx context.Context, st Step) map[string]any {
	method := st.Method
	if method == "" {
		method = "GET"
	}
	u := st.URL
	if u == "" {
		u = st.Path
	}
	headers := map[string]*pluginv2.StringList{}
	for k, v := range st.Headers {
		headers[k] = &pluginv2.StringList{Values: []string{v}}
	}
	stream, err := r.h.Res.CallResource(ctx, &pluginv2.CallResourceRequest{
		PluginContext: r.pc(st), Path: st.Path, Method: method, Url: u, Headers: headers, Body: []byte(st.Body),
	})
	if err != nil {
		return map[string]any{"error": callError(err)}
	}
	var code int32
	var hdrs map[string][]string
	var body []byte
	messages := 0
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return map[string]any{"error": callError(err), "messages": messages, "code": code, "body": string(body)}
		}
		if messages == 0 {
			code = msg.Code
			hdrs = map[string][]string{}
			for k, v := range msg.Headers {
				hdrs[k] = v.GetValues()
			}
		}
		messages++
		body = append(body, msg.Body...)
	}
	res := map[string]any{"code": code, "headers": hdrs, "body": string(body), "messages": messages}
	var parsed any
	if json.Unmarshal(body, &parsed) == nil {
		res["bodyJSON"] = parsed
	}
	return res
}

func (r *runner) metrics(ctx context.Context, st Step) map[string]any {
	resp, err := r.h.Diag.CollectMetrics(ctx, &pluginv2.CollectMetricsRequest{PluginContext: r.pc(st)})
	if err != nil {
		return map[string]any{"error": callError(err)}
	}
	text := ""
	if resp.Metrics != nil {
		text = string(resp.Metrics.Prometheus)
	}
	return map[string]any{"prometheus": text, "prometheusCheck": checkPrometheusText(text)}
}

func (r *runner) subscribe(ctx context.Context, st Step) map[string]any {
	resp, err := r.h.Stream.SubscribeStream(ctx, &pluginv2.SubscribeStreamRequest{
		PluginContext: r.pc(st), Path: st.Path, Data: []byte(st.Data), Headers: st.Headers,
	})
	if err != nil {
		return map[string]any{"error": callError(err)}
	}
	res := map[string]any{"status": resp.Status.String(), "data": rawOrString(resp.Data), "path": st.Path}
	if !validChannelPath(st.Path) {
		res["pathWarning"] = "path uses characters outside [A-Za-z0-9_\\-/=.] or is longer than 160"
	}
	return res
}

func (r *runner) publish(ctx context.Context, st Step) map[string]any {
	resp, err := r.h.Stream.PublishStream(ctx, &pluginv2.PublishStreamRequest{
		PluginContext: r.pc(st), Path: st.Path, Data: []byte(st.Data), Headers: st.Headers,
	})
	if err != nil {
		return map[string]any{"error": callError(err)}
	}
	return map[string]any{"status": resp.Status.String(), "data": rawOrString(resp.Data)}
}

func (r *runner) stream(st Step) map[string]any {
	n := st.Packets
	if n <= 0 {
		n = 1
	}
	to := time.Duration(st.TimeoutMS) * time.Millisecond
	if to <= 0 {
		to = 10 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	timer := time.AfterFunc(to, cancel)
	defer timer.Stop()

	s, err := r.h.Stream.RunStream(ctx, &pluginv2.RunStreamRequest{
		PluginContext: r.pc(st), Path: st.Path, Data: []byte(st.Data), Headers: st.Headers,
	})
	if err != nil {
		return map[string]any{"error": callError(err), "packets": []any{}}
	}
	packets := []any{}
	frameChecks := []map[string]any{}
	var endErr *CallError
	ended := ""
	t0 := time.Now()
	var firstMS int64 = -1
	for len(packets) < n {
		p, err := s.Recv()
		if errors.Is(err, io.EOF) {
			ended = "plugin ended the stream (EOF)"
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				ended = "timeout"
			} else {
				endErr = callError(err)
				ended = "error"
			}
			break
		}
		if firstMS < 0 {
			firstMS = time.Since(t0).Milliseconds()
		}
		packets = append(packets, rawOrString(p.Data))
		frameChecks = append(frameChecks, checkStreamFrame(p.Data))
	}
	if ended == "" {
		ended = "collected"
	}
	cancel() // what Grafana does when the last subscriber leaves
	res := map[string]any{"path": st.Path, "packets": packets, "cancelled": true, "ended": ended, "firstPacketMS": firstMS, "frames": frameChecks}
	if endErr != nil {
		res["error"] = endErr
	}
	// Give the plugin a moment, then confirm it is still alive after the cancellation.
	time.Sleep(200 * time.Millisecond)
	res["aliveAfterCancel"] = !r.h.Exited() && r.h.Ping() == nil
	return res
}

// checkStreamFrame reads a StreamPacket.data as the SDK's frame JSON (schema and/or data).
func checkStreamFrame(b []byte) map[string]any {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return map[string]any{"json": false, "error": err.Error()}
	}
	_, hasSchema := raw["schema"]
	_, hasData := raw["data"]
	out := map[string]any{"json": true, "hasSchema": hasSchema, "hasData": hasData}
	if hasSchema {
		var f data.Frame
		if err := json.Unmarshal(b, &f); err != nil {
			out["sdkDecodeError"] = err.Error()
		} else {
			out["sdkFields"] = len(f.Fields)
			if rows, err := f.RowLen(); err == nil {
				out["sdkRows"] = rows
			}
		}
	}
	return out
}

func rawOrString(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	var v json.RawMessage
	if json.Unmarshal(b, &v) == nil {
		return v
	}
	return string(b)
}
