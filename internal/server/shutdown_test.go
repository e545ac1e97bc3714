package server

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/database"
)

// patience bounds each wait: a hang fails the test instead of the run.
const patience = 10 * time.Second

// TestShutdownGivesRunningAnalysisJobsBackAtOnce: on SIGTERM a running
// analysis job is given back as the shutdown begins, while connections are
// still draining, not once the drain is over.
func TestShutdownGivesRunningAnalysisJobsBackAtOnce(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	analysing, givenBack := make(chan struct{}, 1), make(chan struct{})
	analyzer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading the body lets net/http notice the client going away.
		_, _ = io.Copy(io.Discard, r.Body)
		analysing <- struct{}{}
		<-r.Context().Done() // the job's context ends: it is being given back
		close(givenBack)
	}))
	defer analyzer.Close()

	srv, ln, cfg := newSQLiteServer(t, "ANALYZER_URL", analyzer.URL, "ANALYSIS_WORKERS", "1")
	active := make(chan struct{}, 16)
	srv.http.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateActive {
			active <- struct{}{}
		}
	}
	go func() { _ = srv.Serve(ln) }()
	base := "http://" + ln.Addr().String()

	token, _, err := auth.NewSigner([]byte(unitJWTSecret), "").Mint("alice", "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/sessions",
		strings.NewReader(`{"title": "busy", "inputMethod": "text", "text": "I have been anxious about work."}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	wait(t, analysing, "the analysis job never reached the analyser")
	for len(active) > 0 {
		<-active
	}

	// A request whose body is still arriving keeps the drain going until
	// the test completes it.
	slow, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	const body = `{"avatar_id": "a"}`
	fmt.Fprintf(slow, "POST /session/start HTTP/1.1\r\nHost: test\r\nx-api-key: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", unitAvatarKey, len(body), body[:5])
	wait(t, active, "the slow request never became active")

	shutdown := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*patience)
		defer cancel()
		shutdown <- srv.Shutdown(ctx)
	}()
	select {
	case <-givenBack:
	case err := <-shutdown:
		t.Fatalf("Shutdown returned (%v) while a request was in flight", err)
	case <-time.After(patience):
		t.Fatal("the running analysis job was not given back while the connections were draining")
	}

	_, _ = io.WriteString(slow, body[5:])
	_, _ = io.Copy(io.Discard, slow)
	if err := <-shutdown; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	db, err := database.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var status string
	if err := db.Raw("SELECT status FROM therapy_jobs").Scan(&status).Error; err != nil || status != "pending" {
		t.Fatalf("the job is %q (%v), want pending: given back for the next process", status, err)
	}
}

func wait(t *testing.T, ch <-chan struct{}, failure string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(patience):
		t.Fatal(failure)
	}
}
