package contracttests

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sessionhub/server/internal/platform/config"
	"github.com/sessionhub/server/internal/platform/database"
	"github.com/sessionhub/server/internal/platform/pubsub"
)

// TestBusAcrossProcesses checks the LISTEN/NOTIFY bus the real-time APIs
// build on: two buses on one database stand for two server processes; each
// message reaches every subscriber exactly once, in order, small or large.
func TestBusAcrossProcesses(t *testing.T) {
	t.Parallel()
	dsn := createDatabase(t)
	ctx := context.Background()
	open := func() pubsub.Bus {
		db, err := database.Open(config.Config{DatabaseURL: dsn})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		bus, err := pubsub.NewPostgres(ctx, db.DB, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = bus.Close() })
		return bus
	}
	a, b := open(), open()
	gotA, gotB := make(chan string, 100), make(chan string, 100)
	a.Subscribe("topic", func(p []byte) { gotA <- string(p) })
	b.Subscribe("topic", func(p []byte) { gotB <- string(p) })
	// Each cut is announced (a read cache stops trusting its entries) and
	// so is each return, after the catch-up.
	signals := make(chan string, 100)
	a.Subscribe(pubsub.LostTopic, func([]byte) { signals <- "lost" })
	a.Subscribe(pubsub.ResumedTopic, func([]byte) { signals <- "resumed" })
	b.Subscribe("other", func(p []byte) { gotB <- "wrong topic: " + string(p) })

	large := `"` + strings.Repeat("x", 20000) + `"`
	want := []string{`1`, `{"n":2}`, large, `4`}
	for i, p := range want {
		bus := a
		if i%2 == 1 {
			bus = b
		}
		if err := bus.Publish(ctx, "topic", []byte(p)); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
	for name, ch := range map[string]chan string{"a": gotA, "b": gotB} {
		for i, w := range want {
			select {
			case got := <-ch:
				if got != w {
					t.Fatalf("%s message %d = %.40q, want %.40q", name, i, got, w)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: message %d never arrived", name, i)
			}
		}
		select {
		case extra := <-ch:
			t.Fatalf("%s got an extra delivery: %.60q", name, extra)
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// TestBusCatchesUpAfterItsListenerIsCut: a process whose LISTEN connection
// is terminated while messages flow reconnects and delivers, from the
// stored log, what was published meanwhile: every message reaches every
// process exactly once, in order (issue 10, item 14).
func TestBusCatchesUpAfterItsListenerIsCut(t *testing.T) {
	t.Parallel()
	dsn := createDatabase(t)
	ctx := context.Background()
	db, err := database.Open(config.Config{DatabaseURL: dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	open := func() pubsub.Bus {
		bus, err := pubsub.NewPostgres(ctx, db.DB, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = bus.Close() })
		return bus
	}
	a, b := open(), open()
	const total = 400
	gotA, gotB := make(chan string, total*2), make(chan string, total*2)
	a.Subscribe("topic", func(p []byte) { gotA <- string(p) })
	b.Subscribe("topic", func(p []byte) { gotB <- string(p) })
	// Each cut is announced (a read cache stops trusting its entries) and
	// so is each return, after the catch-up.
	signals := make(chan string, 100)
	a.Subscribe(pubsub.LostTopic, func([]byte) { signals <- "lost" })
	a.Subscribe(pubsub.ResumedTopic, func([]byte) { signals <- "resumed" })

	done := make(chan error, 1)
	go func() {
		for i := 0; i < total; i++ {
			p := fmt.Sprintf("%d", i)
			if i%50 == 7 { // now and then a message too large to travel inline
				p = fmt.Sprintf(`{"n":%d,"pad":"%s"}`, i, strings.Repeat("x", 9000))
			}
			if err := a.Publish(ctx, "topic", []byte(p)); err != nil {
				done <- err
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
		done <- nil
	}()
	cuts := 0
	deadline := time.Now().Add(20 * time.Second)
	for cuts < 3 { // three cuts, each once the listeners are back
		time.Sleep(150 * time.Millisecond)
		var n int64
		if err := db.Raw("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = ? AND datname = current_database()", pubsub.ListenerName).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			cuts++
		} else if time.Now().After(deadline) {
			t.Fatal("the listeners never came back to be cut again")
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("publish: %v", err)
	}
	for name, ch := range map[string]chan string{"a": gotA, "b": gotB} {
		for i := 0; i < total; i++ {
			select {
			case got := <-ch:
				want := fmt.Sprintf("%d", i)
				if i%50 == 7 {
					want = fmt.Sprintf(`{"n":%d,`, i)
				}
				if !strings.HasPrefix(got, want) {
					t.Fatalf("%s: message %d = %.30q, want %.30q (lost, repeated or out of order)", name, i, got, want)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("%s: message %d never arrived after %d listener cuts", name, i, cuts)
			}
		}
		select {
		case extra := <-ch:
			t.Fatalf("%s got an extra delivery: %.60q", name, extra)
		case <-time.After(300 * time.Millisecond):
		}
	}
	var order []string
	for len(signals) > 0 {
		order = append(order, <-signals)
	}
	// A cut may find a's listener still reconnecting; it is cut at least once.
	if len(order) < 2 || order[0] != "lost" || order[len(order)-1] != "resumed" {
		t.Fatalf("signals of a's listener over %d cuts: %v; want each cut announced as lost, then resumed", cuts, order)
	}
	for i := 1; i < len(order); i++ {
		if order[i] == "resumed" && order[i-1] != "lost" {
			t.Fatalf("signals %v: resumed twice without a loss between", order)
		}
	}
}
