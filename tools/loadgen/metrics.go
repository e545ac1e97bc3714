package loadgen

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// ServerMetrics is what a server's Prometheus /metrics says about its
// process.
type ServerMetrics struct {
	ResidentBytes float64 // process_resident_memory_bytes
	HeapInUse     float64 // go_memstats_heap_inuse_bytes
	Goroutines    float64 // go_goroutines
}

// ScrapeMetrics reads baseURL/metrics (baseURL is http://host:port).
func ScrapeMetrics(baseURL string) (ServerMetrics, error) {
	resp, err := http.Get(baseURL + "/metrics")
	if err != nil {
		return ServerMetrics{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return ServerMetrics{}, fmt.Errorf("GET /metrics: HTTP %d", resp.StatusCode)
	}
	var m ServerMetrics
	found := false
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			continue
		}
		switch name {
		case "process_resident_memory_bytes":
			m.ResidentBytes, found = v, true
		case "go_memstats_heap_inuse_bytes":
			m.HeapInUse = v
		case "go_goroutines":
			m.Goroutines = v
		}
	}
	if err := sc.Err(); err != nil {
		return ServerMetrics{}, err
	}
	if !found {
		return ServerMetrics{}, fmt.Errorf("GET /metrics: no process_resident_memory_bytes")
	}
	return m, nil
}
