package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
)

// Scenario is the input document: the data source settings Grafana would hold, and the
// calls to make, in order.
type Scenario struct {
	Settings Settings `json:"settings"`
	Steps    []Step   `json:"steps"`
}

// Settings mirrors what Grafana puts in PluginContext.DataSourceInstanceSettings.
type Settings struct {
	ID             int64             `json:"id"`
	UID            string            `json:"uid"`
	Name           string            `json:"name"`
	URL            string            `json:"url"`
	JSONData       json.RawMessage   `json:"jsonData"`
	SecureJSONData map[string]string `json:"secureJsonData"`
	LastUpdatedMS  int64             `json:"lastUpdatedMS"`
	APIVersion     string            `json:"apiVersion"`
	// Plugin context fields (defaults applied when empty).
	OrgID         int64             `json:"orgId"`
	PluginID      string            `json:"pluginId"`
	PluginVersion string            `json:"pluginVersion"`
	User          *ScenarioUser     `json:"user"`
	GrafanaConfig map[string]string `json:"grafanaConfig"`
}

// ScenarioUser is the signed-in user Grafana forwards (absent for alert evaluations).
type ScenarioUser struct {
	Login string `json:"login"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Role  string `json:"role"`
}

// Step is one call to make against the plugin.
type Step struct {
	Op        string            `json:"op"`
	Headers   map[string]string `json:"headers,omitempty"`
	Queries   []Query           `json:"queries,omitempty"`
	Method    string            `json:"method,omitempty"`
	Path      string            `json:"path,omitempty"`
	URL       string            `json:"url,omitempty"`
	Body      string            `json:"body,omitempty"`
	Data      json.RawMessage   `json:"data,omitempty"`
	Packets   int               `json:"packets,omitempty"`
	TimeoutMS int               `json:"timeoutMS,omitempty"`
	// NoUser drops PluginContext.User for this step (as Grafana does for alert evaluations).
	NoUser bool `json:"noUser,omitempty"`
}

// Query is one DataQuery. When fromMS and toMS are both 0 the range is the last hour.
type Query struct {
	RefID         string          `json:"refId"`
	QueryType     string          `json:"queryType"`
	JSON          json.RawMessage `json:"json"`
	FromMS        int64           `json:"fromMS"`
	ToMS          int64           `json:"toMS"`
	IntervalMS    int64           `json:"intervalMS"`
	MaxDataPoints int64           `json:"maxDataPoints"`
}

func loadScenario(path string) (*Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var sc Scenario
	if err := json.Unmarshal(b, &sc); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, err)
	}
	for i, st := range sc.Steps {
		switch st.Op {
		case "health", "query", "resource", "metrics", "subscribe", "stream", "publish", "ping", "shutdown", "sleep":
		default:
			return nil, fmt.Errorf("scenario step %d: unknown op %q", i, st.Op)
		}
	}
	return &sc, nil
}

// pluginContext builds the PluginContext Grafana would send for a data source instance.
func pluginContext(s Settings, gfVersion string, withUser bool) *pluginv2.PluginContext {
	jsonData := []byte(s.JSONData)
	if len(jsonData) == 0 || string(jsonData) == "null" {
		jsonData = []byte("{}")
	}
	orgID := s.OrgID
	if orgID == 0 {
		orgID = 1
	}
	pluginID := s.PluginID
	if pluginID == "" {
		pluginID = "jobscope-datasource"
	}
	secure := s.SecureJSONData
	if secure == nil {
		secure = map[string]string{}
	}
	pc := &pluginv2.PluginContext{
		OrgId:    orgID,
		PluginId: pluginID,
		DataSourceInstanceSettings: &pluginv2.DataSourceInstanceSettings{
			Id:                      s.ID,
			Uid:                     s.UID,
			Name:                    s.Name,
			Url:                     s.URL,
			JsonData:                jsonData,
			DecryptedSecureJsonData: secure,
			LastUpdatedMS:           s.LastUpdatedMS,
			ApiVersion:              s.APIVersion,
		},
		GrafanaConfig: s.GrafanaConfig,
		PluginVersion: s.PluginVersion,
		UserAgent:     fmt.Sprintf("Grafana/%s (linux; amd64)", gfVersion),
	}
	if withUser {
		u := s.User
		if u == nil {
			u = &ScenarioUser{Login: "admin", Name: "admin", Email: "admin@localhost", Role: "Admin"}
		}
		pc.User = &pluginv2.User{Login: u.Login, Name: u.Name, Email: u.Email, Role: u.Role}
	}
	return pc
}

func dataQueries(qs []Query, now time.Time) []*pluginv2.DataQuery {
	out := make([]*pluginv2.DataQuery, 0, len(qs))
	for _, q := range qs {
		from, to := q.FromMS, q.ToMS
		if from == 0 && to == 0 {
			to = now.UnixMilli()
			from = now.Add(-time.Hour).UnixMilli()
		}
		interval := q.IntervalMS
		if interval == 0 {
			interval = 1000
		}
		maxDP := q.MaxDataPoints
		if maxDP == 0 {
			maxDP = 100
		}
		js := []byte(q.JSON)
		if len(js) == 0 || string(js) == "null" {
			js = []byte("{}")
		}
		// Grafana's query model JSON carries refId, and queryType too when set.
		js = withModelDefaults(js, q.RefID, q.QueryType, interval, maxDP)
		out = append(out, &pluginv2.DataQuery{
			RefId:         q.RefID,
			QueryType:     q.QueryType,
			Json:          js,
			IntervalMS:    interval,
			MaxDataPoints: maxDP,
			TimeRange:     &pluginv2.TimeRange{FromEpochMS: from, ToEpochMS: to},
		})
	}
	return out
}

// withModelDefaults adds the keys Grafana's query model carries (refId, queryType,
// intervalMs, maxDataPoints) when the scenario's json object lacks them.
func withModelDefaults(js []byte, refID, queryType string, intervalMS, maxDP int64) []byte {
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil || m == nil {
		return js // not an object: send verbatim
	}
	if _, ok := m["refId"]; !ok {
		m["refId"] = refID
	}
	if _, ok := m["queryType"]; !ok && queryType != "" {
		m["queryType"] = queryType
	}
	if _, ok := m["intervalMs"]; !ok {
		m["intervalMs"] = intervalMS
	}
	if _, ok := m["maxDataPoints"]; !ok {
		m["maxDataPoints"] = maxDP
	}
	b, err := json.Marshal(m)
	if err != nil {
		return js
	}
	return b
}
