package database

import (
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/libtnb/sqlite"
)

// SQLite in WAL mode appends every commit to the WAL and copies it back
// into the database file in a checkpoint. By default the committing writer
// runs the checkpoint itself whenever the WAL passes 1000 pages, so every
// so often one commit also copies and syncs megabytes: the tail of the
// write latency (make bench's chat with 16 messages in flight: delivery p99
// 20-23 ms that way, 13-21 ms with the background checkpoint). Here a
// background connection checkpoints instead, beside the writer, and the
// writer's own checkpoint stays only as a backstop for a WAL the background
// one could not keep small.

// checkpointEvery is how often the background connection checkpoints.
const checkpointEvery = time.Second

// writerCheckpointPages is the WAL size (pages) past which the writer
// checkpoints itself after all: 40 MiB at 4 KiB pages.
const writerCheckpointPages = 10_000

// checkpointer copies the WAL into the database file in the background.
type checkpointer struct {
	conn *sql.DB
	stop chan struct{}
	done chan struct{}
}

func startCheckpointer(path string) (*checkpointer, error) {
	conn, err := sql.Open(sqlite.DriverName, "file:"+path+"?_pragma=synchronous(NORMAL)")
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s for checkpoints: %w", path, err)
	}
	conn.SetMaxOpenConns(1)
	c := &checkpointer{conn: conn, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	failing := false
	for {
		select {
		case <-c.stop:
			return
		case <-tick.C:
		}
		// PASSIVE copies what no reader still needs, without waiting for
		// (or blocking) the writer and the readers.
		_, err := c.conn.Exec("PRAGMA wal_checkpoint(PASSIVE)")
		if err != nil && !failing {
			slog.Warn("sqlite: background checkpoint failed; the writer checkpoints past the backstop", "err", err, "backstop_pages", writerCheckpointPages)
		}
		failing = err != nil
	}
}

func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	return c.conn.Close()
}
