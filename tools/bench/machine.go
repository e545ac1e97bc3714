package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// machine describes where the figures were measured.
type machine struct {
	when      time.Time
	cpu       string
	cpus      int
	memory    string
	kernel    string
	loadStart float64 // 1-minute load average before the bench did anything
}

func describeMachine() machine {
	m := machine{when: time.Now().UTC(), cpus: runtime.NumCPU(), cpu: "unknown CPU", memory: "unknown memory", kernel: "unknown kernel"}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if name, value, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(name) == "model name" {
				m.cpu = strings.TrimSpace(value)
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb float64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %f kB", &kb); err == nil {
			m.memory = fmt.Sprintf("%.0f GiB RAM", kb/(1<<20))
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = "Linux " + strings.TrimSpace(string(b))
	}
	m.loadStart = loadAverage()
	return m
}

// loadAverage is the 1-minute load average (0 when unknown).
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(b), " ")
	v, _ := strconv.ParseFloat(first, 64)
	return v
}

// header is the lines printed above the table.
func (m machine) header(o options, pgVersion string) []string {
	lines := []string{
		fmt.Sprintf("sessionhub `make bench`, %s; %s, %d CPUs, %s, %s, %s",
			m.when.Format("2006-01-02 15:04 UTC"), m.cpu, m.cpus, m.memory, m.kernel, runtime.Version()),
	}
	if pgVersion != "" {
		lines = append(lines, fmt.Sprintf("PostgreSQL: %s (image %s, default settings) in a container on this machine", pgVersion, o.pgImage))
	}
	lines = append(lines, fmt.Sprintf("Server, load generator and bare baselines on this machine; each comparison: %d alternating rounds of %s per side after %s of warm-up, medians.",
		o.rounds, o.phase, o.warmup))
	end := loadAverage()
	// A bench alone keeps at most the machine's CPUs busy; a higher load
	// before it started came from something else.
	if m.loadStart >= 1 {
		lines = append(lines, fmt.Sprintf("The machine was loaded by other jobs: load average %.1f before the bench started, %.1f at its end (%d CPUs).", m.loadStart, end, m.cpus))
	} else {
		lines = append(lines, fmt.Sprintf("Load average %.1f before the bench started, %.1f at its end (%d CPUs).", m.loadStart, end, m.cpus))
	}
	return lines
}
