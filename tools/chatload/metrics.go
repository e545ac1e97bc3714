package main

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
)

// serverMemory is what /metrics says about the server process.
type serverMemory struct {
	rss, heap, goroutines float64
}

func scrape(base string) (serverMemory, error) {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return serverMemory{}, err
	}
	defer resp.Body.Close()
	var m serverMemory
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
			m.rss = v
		case "go_memstats_heap_inuse_bytes":
			m.heap = v
		case "go_goroutines":
			m.goroutines = v
		}
	}
	return m, sc.Err()
}
