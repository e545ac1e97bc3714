package main

import (
	"fmt"
	"io"
	"time"

	"github.com/sessionhub/server/tools/loadgen"
)

// idleMemory is the server's resident memory growth per idle pet-care
// connection.
type idleMemory struct {
	conns          int
	before, after  loadgen.ServerMetrics
	bytesPerConn   float64
	goroutinesEach float64
}

// measureIdle opens n pet-care connections that read their connected frame
// and then send nothing, waits settle, and compares the server's
// process_resident_memory_bytes before and after.
func measureIdle(srv *serverProcess, n int, settle time.Duration, log io.Writer) (idleMemory, error) {
	before, err := loadgen.ScrapeMetrics(srv.baseURL())
	if err != nil {
		return idleMemory{}, err
	}
	start := time.Now()
	conns, err := dialAll(srv.wsURL()+"/ws/", n)
	if err != nil {
		return idleMemory{}, err
	}
	defer closeAll(conns)
	for _, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(time.Minute))
		var hello struct {
			Event string `json:"event"`
		}
		if err := c.ReadJSON(&hello); err != nil || hello.Event != "connected" {
			return idleMemory{}, fmt.Errorf("pet-care connection: no connected frame (%q, %v)", hello.Event, err)
		}
		_ = c.SetReadDeadline(time.Time{})
	}
	fmt.Fprintf(log, "  %d idle connections on /ws/ in %s\n", n, time.Since(start).Round(time.Millisecond))
	time.Sleep(settle)
	after, err := loadgen.ScrapeMetrics(srv.baseURL())
	if err != nil {
		return idleMemory{}, err
	}
	return idleMemory{
		conns: n, before: before, after: after,
		bytesPerConn:   (after.ResidentBytes - before.ResidentBytes) / float64(n),
		goroutinesEach: (after.Goroutines - before.Goroutines) / float64(n),
	}, nil
}
