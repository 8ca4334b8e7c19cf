// Command river-fixture produces real River state for Jobscope's `postgres` kind tests.
//
// It runs River's own migrator (rivermigrate, migration line "main") into the schema given
// with -schema, starts a real River client on that schema and inserts jobs whose workers
// really succeed, really fail (an error with attempts left → retryable; with none left →
// discarded), cancel, snooze, and hold (running). Once the state is reached it prints
// River's own view of it as one JSON line (per queue and state, counted with the client's
// JobList API) and exits without stopping the client: the held jobs stay `running`, as
// after a crashed worker process.
//
// Build: go build -o bin/river-fixture . (module jobscope-river-fixture, River v0.51.1).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

type EmailArgs struct {
	To string `json:"to"`
}

func (EmailArgs) Kind() string { return "send_email" }

type EmailWorker struct {
	river.WorkerDefaults[EmailArgs]
}

func (EmailWorker) Work(ctx context.Context, job *river.Job[EmailArgs]) error { return nil }

type ChargeArgs struct {
	Amount int    `json:"amount"`
	Card   string `json:"card,omitempty"`
}

func (ChargeArgs) Kind() string { return "charge" }

type ChargeWorker struct {
	river.WorkerDefaults[ChargeArgs]
}

func (ChargeWorker) Work(ctx context.Context, job *river.Job[ChargeArgs]) error {
	switch job.Args.Card {
	case "expired":
		return fmt.Errorf("card for payment %d expired", job.Args.Amount)
	case "closed":
		return river.JobCancel(fmt.Errorf("account for payment %d closed", job.Args.Amount))
	}
	return fmt.Errorf("payment %d declined by bank", job.Args.Amount)
}

type RemindArgs struct {
	User string `json:"user"`
}

func (RemindArgs) Kind() string { return "remind" }

type RemindWorker struct {
	river.WorkerDefaults[RemindArgs]
}

func (RemindWorker) Work(ctx context.Context, job *river.Job[RemindArgs]) error {
	return river.JobSnooze(time.Hour)
}

type RenderArgs struct {
	Page int `json:"page"`
}

func (RenderArgs) Kind() string { return "render" }

type RenderWorker struct {
	river.WorkerDefaults[RenderArgs]
	hold chan struct{}
}

func (w RenderWorker) Work(ctx context.Context, job *river.Job[RenderArgs]) error {
	<-w.hold // never closed: the process exits while the job runs
	return nil
}

type ReportArgs struct {
	N   int    `json:"n"`
	Big string `json:"big,omitempty"`
}

func (ReportArgs) Kind() string { return "report" }

type ReportWorker struct {
	river.WorkerDefaults[ReportArgs]
}

func (ReportWorker) Work(ctx context.Context, job *river.Job[ReportArgs]) error { return nil }

// A retry an hour after each failure, so a retryable job stays retryable for the test.
type hourLater struct{}

func (hourLater) NextRetry(job *rivertype.JobRow) time.Time { return time.Now().Add(time.Hour) }

var states = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStateCancelled, rivertype.JobStateCompleted, rivertype.JobStateDiscarded,
	rivertype.JobStatePending, rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled,
}

func main() {
	url := flag.String("url", "", "PostgreSQL URL")
	schema := flag.String("schema", "river", "schema to migrate into and run on")
	flag.Parse()
	if err := run(*url, *schema); err != nil {
		fmt.Fprintln(os.Stderr, "river-fixture:", err)
		os.Exit(1)
	}
	os.Exit(0) // without client.Stop: running jobs stay running
}

func run(url, schema string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	if _, err := pool.Exec(ctx, fmt.Sprintf(`CREATE SCHEMA IF NOT EXISTS %q`, schema)); err != nil {
		return err
	}
	driver := riverpgxv5.New(pool)
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Schema: schema})
	if err != nil {
		return err
	}
	migrated, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}

	workers := river.NewWorkers()
	river.AddWorker(workers, EmailWorker{})
	river.AddWorker(workers, ChargeWorker{})
	river.AddWorker(workers, RemindWorker{})
	river.AddWorker(workers, RenderWorker{hold: make(chan struct{})})
	river.AddWorker(workers, ReportWorker{})
	newClient := func() (*river.Client[pgx.Tx], error) {
		return river.NewClient(driver, &river.Config{
			ID:     "jobscope-fixture-client",
			Schema: schema,
			Queues: map[string]river.QueueConfig{
				river.QueueDefault: {MaxWorkers: 10},
				"payments":         {MaxWorkers: 10},
				"reports":          {MaxWorkers: 1},
			},
			Workers:           workers,
			RetryPolicy:       hourLater{},
			JobTimeout:        -1,
			FetchPollInterval: 100 * time.Millisecond,
			FetchCooldown:     50 * time.Millisecond,
			Logger:            slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		})
	}
	// The reports queue is paused before its jobs arrive, so that they stay available /
	// scheduled: a first client creates the queue and pauses it; the client that then
	// runs the jobs starts with the pause already in place (a running producer would learn
	// of a pause only at its next poll, and might take a report first).
	setup, err := newClient()
	if err != nil {
		return err
	}
	if err := setup.Start(ctx); err != nil {
		return err
	}
	if err := setup.QueuePause(ctx, "reports", nil); err != nil {
		return fmt.Errorf("pause: %w", err)
	}
	if err := setup.Stop(ctx); err != nil {
		return err
	}
	client, err := newClient()
	if err != nil {
		return err
	}
	ids := map[string]int64{}
	insert := func(name string, args river.JobArgs, opts *river.InsertOpts) error {
		r, err := client.Insert(ctx, args, opts)
		if err != nil {
			return fmt.Errorf("insert %s: %w", name, err)
		}
		ids[name] = r.Job.ID
		return nil
	}
	if err := client.Start(ctx); err != nil {
		return err
	}
	steps := []error{
		insert("email1", EmailArgs{To: "a@example.com"}, nil),
		insert("email2", EmailArgs{To: "b@example.com"}, nil),
		insert("boom1", ChargeArgs{Amount: 101}, &river.InsertOpts{Queue: "payments", MaxAttempts: 1}),
		insert("boom2", ChargeArgs{Amount: 202}, &river.InsertOpts{Queue: "payments", MaxAttempts: 1}),
		insert("retry", ChargeArgs{Amount: 303, Card: "expired"}, &river.InsertOpts{Queue: "payments", MaxAttempts: 5}),
		insert("cancelled", ChargeArgs{Amount: 404, Card: "closed"}, &river.InsertOpts{Queue: "payments", MaxAttempts: 5}),
		insert("snoozed", RemindArgs{User: "u1"}, nil),
		insert("render1", RenderArgs{Page: 1}, &river.InsertOpts{Metadata: []byte(`{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}`)}),
		insert("render2", RenderArgs{Page: 2}, nil),
		insert("report1", ReportArgs{N: 1}, &river.InsertOpts{Queue: "reports"}),
		insert("big", ReportArgs{Big: strings.Repeat("y", 2*1024*1024)}, &river.InsertOpts{Queue: "reports"}),
		insert("later", ReportArgs{N: 2}, &river.InsertOpts{Queue: "reports", ScheduledAt: time.Now().Add(time.Hour)}),
		insert("held", ReportArgs{N: 3}, &river.InsertOpts{Queue: "reports", Pending: true}),
	}
	if err := errors.Join(steps...); err != nil {
		return err
	}

	count := func(queue string, state rivertype.JobState) (int, error) {
		res, err := client.JobList(ctx, river.NewJobListParams().Queues(queue).States(state).First(10000))
		if err != nil {
			return 0, err
		}
		return len(res.Jobs), nil
	}
	want := map[string]map[rivertype.JobState]int{
		river.QueueDefault: {rivertype.JobStateCompleted: 2, rivertype.JobStateScheduled: 1, rivertype.JobStateRunning: 2},
		"payments":         {rivertype.JobStateDiscarded: 2, rivertype.JobStateRetryable: 1, rivertype.JobStateCancelled: 1},
	}
	for {
		done := true
		for q, m := range want {
			for s, n := range m {
				got, err := count(q, s)
				if err != nil {
					return err
				}
				if got != n {
					done = false
				}
			}
		}
		if done {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("River did not reach the expected states: %w", ctx.Err())
		}
		time.Sleep(100 * time.Millisecond)
	}

	// River's own view, per queue and state, from its JobList API.
	counts := map[string]map[string]int{}
	for _, q := range []string{river.QueueDefault, "payments", "reports"} {
		counts[q] = map[string]int{}
		for _, s := range states {
			n, err := count(q, s)
			if err != nil {
				return err
			}
			counts[q][string(s)] = n
		}
	}
	boom1, err := client.JobGet(ctx, ids["boom1"])
	if err != nil {
		return err
	}
	reports, err := client.QueueGet(ctx, "reports")
	if err != nil {
		return err
	}
	versions := []int{}
	for _, v := range migrated.Versions {
		versions = append(versions, v.Version)
	}
	out := map[string]any{
		"schema":           schema,
		"migrated":         versions,
		"counts":           counts,
		"ids":              ids,
		"boom1Errors":      boom1.Errors,
		"boom1FinalizedAt": boom1.FinalizedAt,
		"reportsPausedAt":  reports.PausedAt,
		"clientId":         client.ID(),
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}
