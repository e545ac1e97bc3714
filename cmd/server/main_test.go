package main

import (
	"bufio"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runMainVar makes the test binary run the server itself: the tests below
// start it as a child process, as a user would, and read what it prints.
const runMainVar = "SESSIONHUB_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainVar) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startOutput is what the server printed up to its "listening" line.
type startOutput struct {
	text     string
	addr     string // the addr field of the listening line
	docs     string // the docs field of the listening line
	stdout   string
	finished chan error
}

// startServer runs the server with env (plus a fresh DATA_DIR) until it
// logs that it listens, then stops it with SIGTERM at cleanup.
func startServer(t *testing.T, env ...string) startOutput {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append([]string{runMainVar + "=1", "DATA_DIR=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}, env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	finished := make(chan error, 1)
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-finished:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("the server did not stop within 30s of SIGTERM")
		}
	})
	outText := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(stdout)
		outText <- string(b)
	}()

	var seen strings.Builder
	listening := regexp.MustCompile(`msg=listening addr=(\S+) .*docs=(\S+)`)
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		seen.WriteString(lines.Text() + "\n")
		if m := listening.FindStringSubmatch(lines.Text()); m != nil {
			go func() {
				_, _ = io.Copy(io.Discard, stderr)
				finished <- cmd.Wait()
			}()
			// stdout is complete only after exit; the start lines are
			// written before "listening", so stop the server to read them.
			_ = cmd.Process.Signal(syscall.SIGTERM)
			out := <-outText
			return startOutput{text: seen.String() + out, stdout: out, addr: m[1], docs: m[2], finished: finished}
		}
	}
	go func() { finished <- cmd.Wait() }()
	t.Fatalf("the server exited without listening; it printed:\n%s", seen.String())
	return startOutput{}
}

// TestConfiguredJWTSecretIsNeverPrinted: with AUTH_JWT_SECRET set and the
// API keys generated, the start-up lines print the generated keys and a
// token command that names the configured secret without showing it.
func TestConfiguredJWTSecretIsNeverPrinted(t *testing.T) {
	const secret = "configured-secret-that-must-stay-private-0123456789"
	out := startServer(t, "HTTP_ADDR=127.0.0.1:0", "AUTH_JWT_SECRET="+secret)
	if strings.Contains(out.text, secret) || strings.Contains(out.text, secret[:16]) {
		t.Fatalf("the configured AUTH_JWT_SECRET was printed:\n%s", out.text)
	}
	for _, want := range []string{"AVATAR_API_KEYS=", "DECISION_API_KEYS=", `AUTH_JWT_SECRET="$AUTH_JWT_SECRET" go run ./cmd/server token --sub alice`} {
		if !strings.Contains(out.stdout, want) {
			t.Errorf("start-up output lacks %q:\n%s", want, out.stdout)
		}
	}
}

// TestGeneratedJWTSecretIsPrintedOnce: a secret the server made up is
// printed, once, with the command that uses it.
func TestGeneratedJWTSecretIsPrintedOnce(t *testing.T) {
	out := startServer(t, "HTTP_ADDR=127.0.0.1:0")
	m := regexp.MustCompile(`(?m)^  AUTH_JWT_SECRET=([0-9a-f]{64})$`).FindStringSubmatch(out.stdout)
	if m == nil {
		t.Fatalf("the generated AUTH_JWT_SECRET was not printed:\n%s", out.stdout)
	}
	if n := strings.Count(out.text, m[1]); n != 2 {
		t.Fatalf("the generated secret appears %d times, want twice (its line and the token command):\n%s", n, out.text)
	}
	if !strings.Contains(out.stdout, "AUTH_JWT_SECRET="+m[1]+" go run ./cmd/server token --sub alice") {
		t.Fatalf("the token command does not use the generated secret:\n%s", out.stdout)
	}
}

// TestDocsURLIsWhereTheServerListens: without PUBLIC_BASE_URL the docs URL
// printed at start is the address the server really listens on.
func TestDocsURLIsWhereTheServerListens(t *testing.T) {
	out := startServer(t, "HTTP_ADDR=127.0.0.1:0", "AUTH_JWT_SECRET="+strings.Repeat("s", 32))
	if want := "http://" + out.addr + "/docs"; out.docs != want {
		t.Fatalf("listening on %s, the printed docs URL is %s, want %s", out.addr, out.docs, want)
	}
	out = startServer(t, "HTTP_ADDR=127.0.0.1:0", "AUTH_JWT_SECRET="+strings.Repeat("s", 32), "PUBLIC_BASE_URL=https://sessions.example.com/base")
	if want := "https://sessions.example.com/base/docs"; out.docs != want {
		t.Fatalf("with PUBLIC_BASE_URL set, the printed docs URL is %s, want %s", out.docs, want)
	}
}

// TestASignalEndsAStartThatWaits: while the server waits for its database
// (here a PostgreSQL address that accepts connections and never answers),
// SIGTERM ends the process at once, saying why.
func TestASignalEndsAStartThatWaits(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	dialed := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			dialed <- c // held open, never answered
		}
	}()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = []string{runMainVar + "=1", "DATA_DIR=" + t.TempDir(), "HTTP_ADDR=127.0.0.1:0",
		"DATABASE_URL=postgres://u:p@" + silent.Addr().String() + "/db?sslmode=disable"}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	finished := make(chan error, 1)
	go func() { finished <- cmd.Wait() }()
	select {
	case c := <-dialed:
		defer c.Close()
	case err := <-finished:
		t.Fatalf("the server ended before dialing its database: %v\n%s", err, stderr.String())
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the server did not dial its database")
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-finished:
		if err == nil || !strings.Contains(stderr.String(), "error: interrupted while starting") {
			t.Errorf("exit %v, stderr:\n%s\nwant a failed exit saying it was interrupted while starting", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the server did not end within 10 s of SIGTERM while waiting for its database")
	}
}
