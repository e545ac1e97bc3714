package contracttests

import (
	"context"
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
