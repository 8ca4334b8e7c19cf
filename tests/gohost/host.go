package main

// Launching the plugin the way Grafana does: hashicorp/go-plugin's client, the SDK's
// go-plugin plugin types (the ones Grafana registers for protocol version 2) and the
// generated pluginv2 gRPC clients.

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	sdkgrpc "github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
)

// HostOptions are the knobs of the stand-in Grafana.
type HostOptions struct {
	PluginPath   string
	WorkDir      string
	GFVersion    string
	GFEdition    string
	ExtraEnv     []string
	SkipHostEnv  bool
	StartTimeout time.Duration
	LogLevel     string
	EchoLogs     bool
}

// Host is one running plugin process plus its clients.
type Host struct {
	client  *goplugin.Client
	rpc     goplugin.ClientProtocol
	Data    pluginv2.DataClient
	Diag    pluginv2.DiagnosticsClient
	Res     pluginv2.ResourceClient
	Stream  pluginv2.StreamClient
	stderr  *lineCollector
	stdout  *countingWriter
	stdio   *countingWriter
	events  *eventSink
	Network string
	Address string
	StartMS int64
	Version int
}

// pluginSet is the set Grafana registers for protocol version 2 (the SDK's go-plugin types;
// their GRPCClient wraps pluginv2.NewDataClient & co.).
func pluginSet() goplugin.PluginSet {
	return goplugin.PluginSet{
		"diagnostics": &sdkgrpc.DiagnosticsGRPCPlugin{},
		"resource":    &sdkgrpc.ResourceGRPCPlugin{},
		"data":        &sdkgrpc.DataGRPCPlugin{},
		"stream":      &sdkgrpc.StreamGRPCPlugin{},
		"admission":   &sdkgrpc.AdmissionGRPCPlugin{},
		"conversion":  &sdkgrpc.ConversionGRPCPlugin{},
	}
}

// grafanaEnv is the environment Grafana gives a plugin process (the go-plugin variables —
// magic cookie, PLUGIN_MIN_PORT/MAX_PORT, PLUGIN_PROTOCOL_VERSIONS — are added by go-plugin).
func grafanaEnv(o HostOptions) []string {
	env := []string{
		"GF_VERSION=" + o.GFVersion,
		"GF_EDITION=" + o.GFEdition,
		"GF_APP_URL=http://localhost:3000/",
	}
	return append(env, o.ExtraEnv...)
}

func startHost(o HostOptions) (*Host, error) {
	abs := o.PluginPath
	if st, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("plugin executable: %w", err)
	} else if st.Mode()&0o111 == 0 {
		return nil, fmt.Errorf("plugin executable %s is not executable (mode %v)", abs, st.Mode())
	}

	cmd := exec.Command(abs) // no arguments, like Grafana
	cmd.Dir = o.WorkDir      // Grafana's working directory, not the plugin's
	cmd.Env = grafanaEnv(o)

	h := &Host{stderr: &lineCollector{}, stdout: &countingWriter{}, stdio: &countingWriter{}, events: &eventSink{}}

	level := hclog.LevelFromString(o.LogLevel)
	if level == hclog.NoLevel {
		level = hclog.Debug
	}
	var logOut io.Writer = io.Discard
	if o.EchoLogs {
		logOut = os.Stderr
	}
	logger := hclog.NewInterceptLogger(&hclog.LoggerOptions{
		Name:   "gohost",
		Level:  level,
		Output: logOut,
	})
	logger.RegisterSink(hclog.NewSinkAdapter(&hclog.LoggerOptions{Level: hclog.Trace, Output: h.events}))

	cfg := &goplugin.ClientConfig{
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  sdkgrpc.ProtocolVersion,
			MagicCookieKey:   sdkgrpc.MagicCookieKey,
			MagicCookieValue: sdkgrpc.MagicCookieValue,
		},
		VersionedPlugins: map[int]goplugin.PluginSet{sdkgrpc.ProtocolVersion: pluginSet()},
		Cmd:              cmd,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           logger,
		Stderr:           h.stderr,
		SyncStdout:       h.stdout,
		SyncStderr:       h.stdio,
		StartTimeout:     o.StartTimeout,
		SkipHostEnv:      o.SkipHostEnv,
		// go-plugin itself dials with MaxCallRecvMsgSize/MaxCallSendMsgSize = MaxInt32.
	}
	h.client = goplugin.NewClient(cfg)

	t0 := time.Now()
	rpc, err := h.client.Client()
	if err != nil {
		h.client.Kill()
		return h, fmt.Errorf("handshake/connect failed: %w", err)
	}
	h.StartMS = time.Since(t0).Milliseconds()
	h.rpc = rpc
	h.Version = h.client.NegotiatedVersion()
	if h.Version < 2 {
		h.client.Kill()
		return h, fmt.Errorf("plugin protocol version %d not supported", h.Version)
	}
	if rc := h.client.ReattachConfig(); rc != nil && rc.Addr != nil {
		h.Network = rc.Addr.Network()
		h.Address = rc.Addr.String()
	}

	for _, name := range []string{"diagnostics", "resource", "data", "stream"} {
		raw, err := rpc.Dispense(name)
		if err != nil {
			h.client.Kill()
			return h, fmt.Errorf("dispense %q: %w", name, err)
		}
		switch name {
		case "diagnostics":
			h.Diag, _ = raw.(pluginv2.DiagnosticsClient)
		case "resource":
			h.Res, _ = raw.(pluginv2.ResourceClient)
		case "data":
			h.Data, _ = raw.(pluginv2.DataClient)
		case "stream":
			h.Stream, _ = raw.(pluginv2.StreamClient)
		}
	}
	if h.Diag == nil || h.Res == nil || h.Data == nil || h.Stream == nil {
		h.client.Kill()
		return h, fmt.Errorf("dispensed clients do not implement the pluginv2 interfaces")
	}
	return h, nil
}

// Ping runs go-plugin's health check (grpc.health.v1, service "plugin").
func (h *Host) Ping() error { return h.rpc.Ping() }

// Kill is go-plugin's Kill: GRPCController.Shutdown, wait up to 2 s, then SIGKILL.
func (h *Host) Kill() (ms int64, exited, graceful bool) {
	t0 := time.Now()
	h.client.Kill()
	ms = time.Since(t0).Milliseconds()
	exited = h.client.Exited()
	graceful = !h.events.saw("plugin failed to exit gracefully")
	return
}

// Exited reports whether the plugin process has exited.
func (h *Host) Exited() bool { return h.client.Exited() }

// lineCollector receives the plugin's raw stderr from go-plugin (line by line, each followed
// by a separate "\n" write) and keeps the lines.
type lineCollector struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines []string
}

func (c *lineCollector) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf.Write(p)
	for {
		b := c.buf.Bytes()
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			break
		}
		c.lines = append(c.lines, string(b[:i]))
		c.buf.Next(i + 1)
	}
	return len(p), nil
}

func (c *lineCollector) Lines() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := append([]string(nil), c.lines...)
	if c.buf.Len() > 0 {
		out = append(out, c.buf.String())
	}
	return out
}

// countingWriter counts what the plugin writes to stdout after the handshake line
// (Grafana discards it).
type countingWriter struct {
	mu sync.Mutex
	n  int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.n += len(p)
	w.mu.Unlock()
	return len(p), nil
}

func (w *countingWriter) Count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// eventSink keeps go-plugin's own log lines (host side) so we can tell a graceful exit from a
// forced kill and read the process exit message.
type eventSink struct {
	mu    sync.Mutex
	lines []string
}

func (s *eventSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.lines = append(s.lines, strings.TrimRight(string(p), "\n"))
	s.mu.Unlock()
	return len(p), nil
}

func (s *eventSink) saw(substr string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.lines {
		if strings.Contains(l, substr) && strings.Contains(l, "gohost:") {
			return true
		}
	}
	return false
}

// matching returns host-side (not plugin-stderr) go-plugin lines containing substr.
func (s *eventSink) matching(substr string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, l := range s.lines {
		if strings.Contains(l, substr) && strings.Contains(l, "gohost:") {
			out = append(out, l)
		}
	}
	return out
}
