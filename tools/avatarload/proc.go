package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// procStats is a process's CPU time and resident memory (Linux /proc).
type procStats struct {
	cpu time.Duration
	rss int64 // bytes
}

// clockTick is USER_HZ, 100 on every Linux architecture Go supports.
const clockTick = 100

func readProc(pid int) (procStats, error) {
	if pid == 0 {
		return procStats{}, nil
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStats{}, err
	}
	// Fields after the parenthesised command: state is field 3, utime 14, stime 15.
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	ps := procStats{cpu: time.Duration(utime+stime) * time.Second / clockTick}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ps, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			ps.rss = kb * 1024
		}
	}
	return ps, sc.Err()
}
