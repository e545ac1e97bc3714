package analysis_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessionhub/server/internal/therapy/analysis"
)

// localServer is an httptest server bound to 127.0.0.1 only.
func localServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: h}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func replyWith(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

const validReply = `{
 "emotions": [{"name": "anxiety", "category": "negative", "intensity": 0.8, "offset_seconds": 12.5, "evidence": "I'm anxious."}],
 "topics":   [{"name": "work", "category": "career", "confidence": 0.9, "offset_seconds": 3}],
 "insights": [{"content": "I'm not good enough", "type": "belief", "confidence": 0.7, "offset_seconds": 40, "evidence": "e", "extra": true}]
}`

func TestHTTPAnalyzerDeliversAValidReply(t *testing.T) {
	var got struct {
		method, path, contentType string
		body                      map[string]string
	}
	srv := localServer(t, func(w http.ResponseWriter, r *http.Request) {
		got.method, got.path, got.contentType = r.Method, r.URL.Path, r.Header.Get("Content-Type")
		_ = json.NewDecoder(r.Body).Decode(&got.body)
		replyWith(http.StatusOK, validReply)(w, r)
	})
	rec := &recorder{}
	if err := analysis.NewHTTP(srv.URL+"/", srv.Client()).Analyze(context.Background(), "Client: I'm anxious.", rec); err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	if got.method != http.MethodPost || got.path != "/analyze" || got.contentType != "application/json" || got.body["text"] != "Client: I'm anxious." {
		t.Errorf("expected POST /analyze with JSON {text}, server saw %s %s (%s) %v", got.method, got.path, got.contentType, got.body)
	}
	wantEmotion := analysis.Emotion{Name: "anxiety", Category: "negative", Intensity: 0.8, Offset: 12500 * time.Millisecond, Evidence: "I'm anxious."}
	if len(rec.emotions) != 1 || rec.emotions[0] != wantEmotion {
		t.Errorf("expected emotion %+v, got %+v", wantEmotion, rec.emotions)
	}
	wantTopic := analysis.Topic{Name: "work", Category: "career", Confidence: 0.9, Offset: 3 * time.Second}
	if len(rec.topics) != 1 || rec.topics[0] != wantTopic {
		t.Errorf("expected topic %+v, got %+v", wantTopic, rec.topics)
	}
	wantInsight := analysis.Insight{Content: "I'm not good enough", Type: analysis.InsightBelief, Confidence: 0.7, Offset: 40 * time.Second, Evidence: "e"}
	if len(rec.insights) != 1 || rec.insights[0] != wantInsight {
		t.Errorf("expected insight %+v, got %+v", wantInsight, rec.insights)
	}
	if len(rec.progress) != 1 || rec.progress[0] != 1 {
		t.Errorf("expected a single Progress(1) at the end, got %v", rec.progress)
	}
}

func TestHTTPAnalyzerRejectsBadReplies(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		want   error
		inMsg  string
	}{
		{"not JSON", 200, `<html>oops</html>`, analysis.ErrBadResponse, "invalid character"},
		{"wrong type", 200, `{"emotions": [{"name": "anxiety", "category": "negative", "intensity": "high"}]}`, analysis.ErrBadResponse, "intensity"},
		{"intensity above 1", 200, `{"emotions": [{"name": "anxiety", "category": "negative", "intensity": 1.5}]}`, analysis.ErrBadResponse, "emotions[0]: intensity 1.5 is outside 0..1"},
		{"missing confidence", 200, `{"topics": [{"name": "work", "category": "career"}]}`, analysis.ErrBadResponse, "topics[0]: confidence is missing"},
		{"negative offset", 200, `{"topics": [{"name": "work", "category": "career", "confidence": 0.5, "offset_seconds": -1}]}`, analysis.ErrBadResponse, "offset_seconds"},
		{"unknown insight type", 200, `{"insights": [{"content": "x", "type": "feeling", "confidence": 0.5}]}`, analysis.ErrBadResponse, `type "feeling"`},
		{"empty name", 200, `{"emotions": [{"name": "", "category": "negative", "intensity": 0.5}]}`, analysis.ErrBadResponse, "name is missing"},
		{"server error", 500, `{"error": "model not loaded"}`, analysis.ErrRemote, "replied 500: {\"error\": \"model not loaded\"}"},
		{"not found", 404, ``, analysis.ErrRemote, "replied 404"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := localServer(t, replyWith(tc.status, tc.body))
			rec := &recorder{}
			err := analysis.NewHTTP(srv.URL, srv.Client()).Analyze(context.Background(), "some text", rec)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.inMsg) {
				t.Fatalf("expected %v mentioning %q, got %v", tc.want, tc.inMsg, err)
			}
			if len(rec.order) != 0 {
				t.Errorf("expected nothing delivered from a bad reply, got %v", rec.order)
			}
		})
	}
}

func TestHTTPAnalyzerStopsOnContextAndTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := localServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client going away
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) }) // runs before the server's Close

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- analysis.NewHTTP(srv.URL, srv.Client()).Analyze(ctx, "text", &recorder{}) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("expected context.Canceled when ctx is cancelled, got %v", err)
	}

	client := srv.Client()
	client.Timeout = time.Millisecond
	err := analysis.NewHTTP(srv.URL, client).Analyze(context.Background(), "text", &recorder{})
	if !errors.Is(err, analysis.ErrRemote) {
		t.Errorf("expected ErrRemote when the client times out, got %v", err)
	}
}

func TestHTTPAnalyzerSinkErrorAborts(t *testing.T) {
	srv := localServer(t, replyWith(200, validReply))
	rec := &recorder{failOn: "emotion"}
	err := analysis.NewHTTP(srv.URL, srv.Client()).Analyze(context.Background(), "text", rec)
	if !errors.Is(err, errSink) {
		t.Fatalf("expected the sink's error, got %v", err)
	}
	if len(rec.order) != 1 {
		t.Errorf("expected delivery to stop after the failing emotion, got %v", rec.order)
	}
}

func TestHTTPAnalyzerEmptyTextAndUnreachable(t *testing.T) {
	if err := analysis.NewHTTP("http://127.0.0.1:1", nil).Analyze(context.Background(), "  ", &recorder{}); !errors.Is(err, analysis.ErrEmptyText) {
		t.Errorf("expected ErrEmptyText for blank text, got %v", err)
	}
	if err := analysis.NewHTTP("http://127.0.0.1:1", nil).Analyze(context.Background(), "text", &recorder{}); !errors.Is(err, analysis.ErrRemote) {
		t.Errorf("expected ErrRemote when nothing listens, got %v", err)
	}
}
