//go:build pprof

package main

import (
	"log/slog"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on http.DefaultServeMux
	"os"
	"runtime"
)

// A local build for profiling (go build -tags pprof) serves net/http/pprof
// on PPROF_ADDR (default 127.0.0.1:6060), apart from the API listener.
// Release builds leave this file out.
func init() {
	if os.Getenv("PPROF_MEMRATE") == "1" {
		runtime.MemProfileRate = 1 // every allocation, for exact heap profiles
	}
	addr := os.Getenv("PPROF_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6060"
	}
	go func() {
		slog.Info("pprof listening", "addr", addr)
		if err := http.ListenAndServe(addr, nil); err != nil {
			slog.Error("pprof", "err", err)
		}
	}()
}
