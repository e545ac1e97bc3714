package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Credentials every server the bench starts is configured with.
const (
	benchJWTSecret   = "bench-jwt-secret-0123456789abcdef0123456789"
	benchAvatarKey   = "bench-avatar-key"
	benchDecisionKey = "bench-decision-key"
)

const (
	serverReadyTimeout = time.Minute
	serverStopTimeout  = 20 * time.Second
)

// serverProcess is one server binary running on a loopback port with a data
// directory of its own.
type serverProcess struct {
	binary  string
	addr    string // 127.0.0.1:port
	dataDir string
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has ended
	stopped sync.Once
}

// startServer runs binary on a free loopback port, on SQLite in a temporary
// DATA_DIR when dsn is empty and on PostgreSQL at dsn otherwise, and waits
// until it is ready.
func startServer(ctx context.Context, binary, dsn string) (*serverProcess, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	dataDir, err := os.MkdirTemp("", "sessionhub-bench-")
	if err != nil {
		return nil, err
	}
	s := &serverProcess{binary: binary, addr: addr, dataDir: dataDir, logPath: filepath.Join(dataDir, "server.log"), exited: make(chan struct{})}
	logFile, err := os.Create(s.logPath)
	if err != nil {
		_ = os.RemoveAll(dataDir)
		return nil, err
	}
	defer logFile.Close()
	s.cmd = exec.Command(binary)
	// Later entries win, so the caller's environment cannot point the server
	// at another database or address.
	s.cmd.Env = append(os.Environ(),
		"HTTP_ADDR="+addr,
		"PUBLIC_BASE_URL=http://"+addr,
		"DATABASE_URL="+dsn,
		"DATA_DIR="+dataDir,
		"AUTH_JWT_SECRET="+benchJWTSecret,
		"AVATAR_API_KEYS="+benchAvatarKey,
		"AVATAR_MAX_SESSIONS_PER_KEY=0",
		"DECISION_API_KEYS="+benchDecisionKey,
		// Every load client comes from 127.0.0.1: the per-address ceiling
		// (1,000 by default) would refuse the idle and chat scenarios.
		"WS_MAX_CONNECTIONS_PER_ADDRESS=0",
		"WS_MAX_CONNECTIONS=0",
	)
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		_ = os.RemoveAll(dataDir)
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.awaitReady(ctx); err != nil {
		tail := s.logTail()
		s.stop()
		return nil, fmt.Errorf("server on %s: %w\n%s", addr, err, tail)
	}
	return s, nil
}

func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// awaitReady polls /readyz, which answers 200 once the database does.
func (s *serverProcess) awaitReady(ctx context.Context) error {
	deadline := time.Now().Add(serverReadyTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("exited before it was ready (%v)", s.cmd.ProcessState)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		resp, err := http.Get(s.baseURL() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return errors.New("not ready within " + serverReadyTimeout.String())
}

func (s *serverProcess) baseURL() string { return "http://" + s.addr }
func (s *serverProcess) wsURL() string   { return "ws://" + s.addr }
func (s *serverProcess) pid() int        { return s.cmd.Process.Pid }

// stop ends the server gracefully (SIGTERM), forcefully after
// serverStopTimeout, and removes its data directory. It may be called more
// than once and from a signal handler.
func (s *serverProcess) stop() {
	s.stopped.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(serverStopTimeout):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
		_ = os.RemoveAll(s.dataDir)
	})
}

// logTail is what of the server's log explains a failure: its last
// warnings and errors (the end of a log after a failed scenario is mostly
// the load clients' connections closing), then its end.
func (s *serverProcess) logTail() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return ""
	}
	var problems []string
	for line := range strings.Lines(string(b)) {
		if strings.Contains(line, "level=ERROR") || strings.Contains(line, "level=WARN") {
			problems = append(problems, line)
		}
	}
	const keepLines, keepBytes = 10, 2000
	problems = problems[max(0, len(problems)-keepLines):]
	if len(b) > keepBytes {
		b = b[len(b)-keepBytes:]
	}
	return "server log, its last warnings and errors:\n" + strings.Join(problems, "") + "server log (end):\n" + string(b)
}

// mintToken asks the server binary for a bearer token of user sub, as the
// README tells an operator to.
func mintToken(binary, sub string) (string, error) {
	cmd := exec.Command(binary, "token", "--sub", sub, "--ttl", "24h")
	cmd.Env = append(os.Environ(), "AUTH_JWT_SECRET="+benchJWTSecret)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s token: %w: %s", binary, err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}
