package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestListenerURL(t *testing.T) {
	tests := map[string]string{
		"0.0.0.0:8080":   "http://localhost:8080",
		"[::]:8080":      "http://localhost:8080",
		"127.0.0.1:9000": "http://127.0.0.1:9000",
		"[::1]:9000":     "http://[::1]:9000",
		"10.1.2.3:80":    "http://10.1.2.3:80",
	}
	for addr, want := range tests {
		tcp, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := listenerURL(tcp).String(); got != want {
			t.Errorf("listenerURL(%s) = %s, want %s", addr, got, want)
		}
	}
}

// serveAsChildEnv makes this test binary run the server's main instead of
// its tests (see TestMain), so a test can start the real command.
const serveAsChildEnv = "SESSIONHUB_TEST_RUN_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(serveAsChildEnv) == "1" {
		os.Args = os.Args[:1]
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var docsLogPattern = regexp.MustCompile(`msg=listening .*docs=(\S+)`)

// TestDocsURLIsWhereTheServerListens starts the command with only HTTP_ADDR
// set (port 0: the system picks one) and follows the docs URL it prints.
func TestDocsURLIsWhereTheServerListens(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), serveAsChildEnv+"=1",
		"HTTP_ADDR=127.0.0.1:0", "PUBLIC_BASE_URL=", "DATABASE_URL=", "DATA_DIR="+t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})

	found := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(stderr)
		for lines.Scan() {
			if m := docsLogPattern.FindStringSubmatch(lines.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	var docs string
	select {
	case docs = <-found:
	case <-time.After(60 * time.Second):
		t.Fatal("the server printed no `listening … docs=` line within 60 s")
	}
	if !strings.HasPrefix(docs, "http://127.0.0.1:") || strings.HasPrefix(docs, "http://127.0.0.1:0/") {
		t.Fatalf("printed docs URL %s, want http://127.0.0.1:<the port it listens on>/docs", docs)
	}
	resp, err := http.Get(docs)
	if err != nil {
		t.Fatalf("GET the printed docs URL %s: %v", docs, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d, want 200", docs, resp.StatusCode)
	}
}
