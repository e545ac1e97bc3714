package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// The transcript the therapy fixture is created with: anxious, about work,
// with a plan, so the built-in analyser finds emotions, topics and insights.
const therapyTranscript = "Lately I feel anxious and tired every evening because of my job. " +
	"My team lead keeps moving deadlines forward and I believe I must fix every problem myself. " +
	"On Sunday nights I can't sleep, and I get angry at my partner over small things. " +
	"I was happy last month when we finished the launch together. " +
	"Next week I will write down my worries before bed and ask my lead which tasks can wait."

const analysisTimeout = 2 * time.Minute

// fixtures are what the measured operations read, created through the
// public APIs.
type fixtures struct {
	therapyURL    string      // GET of a therapy session with its results
	therapyHeader http.Header // its bearer token
	avatarURL     string      // GET of an avatar session's status
	avatarHeader  http.Header // its x-api-key
	vrGet         wsExchange  // get_session_json of one VR session
	vrUnknown     wsExchange  // an unknown command: a reply without database work
}

func seed(ctx context.Context, srv *serverProcess) (fixtures, error) {
	var f fixtures
	var err error
	if f.therapyURL, f.therapyHeader, err = seedTherapy(ctx, srv); err != nil {
		return f, fmt.Errorf("therapy fixture: %w", err)
	}
	if f.avatarURL, f.avatarHeader, err = seedAvatar(srv); err != nil {
		return f, fmt.Errorf("avatar fixture: %w", err)
	}
	if f.vrGet, f.vrUnknown, err = seedVR(srv); err != nil {
		return f, fmt.Errorf("VR fixture: %w", err)
	}
	return f, nil
}

// seedTherapy creates a session from a transcript and waits until its
// analysis has completed with results of every kind.
func seedTherapy(ctx context.Context, srv *serverProcess) (string, http.Header, error) {
	token, err := mintToken(srv.binary, "bench-therapist")
	if err != nil {
		return "", nil, err
	}
	header := http.Header{"Authorization": {"Bearer " + token}}
	body, _ := json.Marshal(map[string]string{"title": "Benchmark session", "inputMethod": "text", "text": therapyTranscript})
	var created struct {
		SessionID string `json:"session_id"`
	}
	if err := callJSON(http.MethodPost, srv.baseURL()+"/api/v1/sessions", header, body, http.StatusCreated, &created); err != nil {
		return "", nil, err
	}
	sessionURL := srv.baseURL() + "/api/v1/sessions/" + created.SessionID
	deadline := time.Now().Add(analysisTimeout)
	for {
		var status struct {
			Data struct {
				Analysis struct {
					Status string  `json:"status"`
					Error  *string `json:"error"`
				} `json:"analysis"`
			} `json:"data"`
		}
		if err := callJSON(http.MethodGet, sessionURL+"/analysis/status", header, nil, http.StatusOK, &status); err != nil {
			return "", nil, err
		}
		a := status.Data.Analysis
		if a.Status == "completed" {
			break
		}
		if a.Status == "failed" {
			return "", nil, fmt.Errorf("analysis failed: %v", a.Error)
		}
		if time.Now().After(deadline) {
			return "", nil, fmt.Errorf("analysis still %s after %s", a.Status, analysisTimeout)
		}
		select {
		case <-ctx.Done():
			return "", nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	var session struct {
		Emotions    []json.RawMessage `json:"emotions"`
		Topics      []json.RawMessage `json:"topics"`
		Insights    []json.RawMessage `json:"insights"`
		Beliefs     []json.RawMessage `json:"beliefs"`
		Challenges  []json.RawMessage `json:"challenges"`
		ActionItems []json.RawMessage `json:"action_items"`
	}
	if err := callJSON(http.MethodGet, sessionURL, header, nil, http.StatusOK, &session); err != nil {
		return "", nil, err
	}
	insights := len(session.Insights) + len(session.Beliefs) + len(session.Challenges) + len(session.ActionItems)
	if len(session.Emotions) == 0 || len(session.Topics) == 0 || insights == 0 {
		return "", nil, fmt.Errorf("analysis found %d emotions, %d topics, %d insights; the fixture needs all three",
			len(session.Emotions), len(session.Topics), insights)
	}
	return sessionURL, header, nil
}

// seedAvatar starts an avatar session that never times out.
func seedAvatar(srv *serverProcess) (string, http.Header, error) {
	header := http.Header{"x-api-key": {benchAvatarKey}}
	body := []byte(`{"avatar_id":"bench","quality":"low","version":"v1","video_encoding":"H264","activity_idle_timeout":0,
	  "agora_settings":{"app_id":"app","token":"","channel":"bench","uid":"1","enable_string_uid":false}}`)
	var started struct {
		SessionID string `json:"session_id"`
	}
	if err := callJSON(http.MethodPost, srv.baseURL()+"/session/start", header, body, http.StatusOK, &started); err != nil {
		return "", nil, err
	}
	statusURL := srv.baseURL() + "/session/" + started.SessionID + "/status"
	var status struct {
		State string `json:"state"`
	}
	if err := callJSON(http.MethodGet, statusURL, header, nil, http.StatusOK, &status); err != nil {
		return "", nil, err
	}
	if status.State == "" {
		return "", nil, errors.New("status without a state")
	}
	return statusURL, header, nil
}

// seedVR creates a VR session and records the exact replies to
// get_session_json of it and to an unknown command, after checking them.
func seedVR(srv *serverProcess) (get, unknown wsExchange, err error) {
	url := srv.wsURL() + "/ws/sessions"
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		return get, unknown, err
	}
	defer c.Close()
	type reply struct {
		ResponseType string `json:"response_type"`
		Command      string `json:"command"`
		Code         string `json:"code"`
		Data         struct {
			SessionID string `json:"sessionId"`
		} `json:"data"`
	}
	ask := func(request []byte) ([]byte, reply, error) {
		var r reply
		if err := c.WriteMessage(websocket.TextMessage, request); err != nil {
			return nil, r, err
		}
		_, raw, err := c.ReadMessage()
		if err != nil {
			return nil, r, err
		}
		return raw, r, json.Unmarshal(raw, &r)
	}
	_, created, err := ask([]byte(`{"command":"create_session","data":{"scenarioId":"scenario-bench","avatarId":"avatar-bench","observerId":"observer-bench"}}`))
	if err != nil || created.ResponseType != "success" || created.Data.SessionID == "" {
		return get, unknown, fmt.Errorf("create_session: %+v %v", created, err)
	}
	get.url, unknown.url = url, url
	get.request = []byte(`{"command":"get_session_json","data":{"sessionId":"` + created.Data.SessionID + `"}}`)
	raw, r, err := ask(get.request)
	if err != nil || r.ResponseType != "success" || r.Data.SessionID != created.Data.SessionID {
		return get, unknown, fmt.Errorf("get_session_json: %s %v", raw, err)
	}
	get.reply = raw
	unknown.request = []byte(`{"command":"bench_unknown_command"}`)
	raw, r, err = ask(unknown.request)
	if err != nil || r.ResponseType != "error" || r.Code != "UNKNOWN_COMMAND" {
		return get, unknown, fmt.Errorf("unknown command: %s %v", raw, err)
	}
	unknown.reply = raw
	return get, unknown, nil
}

// callJSON sends body (nil for none) and decodes a reply of status want
// into out.
func callJSON(method, url string, header http.Header, body []byte, want int, out any) error {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header = header.Clone()
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: HTTP %d %s, want %d", method, url, resp.StatusCode, raw, want)
	}
	return json.Unmarshal(raw, out)
}
