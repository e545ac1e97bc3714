package avatar

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"
)

// session is one streaming avatar session.
type session struct {
	id, token string
	ws        *websocket.Conn
	mu        sync.Mutex
	sent      map[string]time.Time // probe event_id → when its voice frame was sent
}

func open(o Options) (*session, error) {
	body := `{"avatar_id":"load","quality":"low","version":"v1","video_encoding":"H264","activity_idle_timeout":120,
	  "agora_settings":{"app_id":"app","token":"","channel":"load","uid":"1","enable_string_uid":false}}`
	req, _ := http.NewRequest(http.MethodPost, "http://"+o.Addr+"/session/start", bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-api-key", o.Key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var started struct {
		SessionID    string `json:"session_id"`
		SessionToken string `json:"session_token"`
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("start: HTTP %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&started); err != nil {
		return nil, err
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+o.Addr+"/v1/websocket", http.Header{"Authorization": {"Bearer " + started.SessionToken}})
	if err != nil {
		return nil, err
	}
	s := &session{id: started.SessionID, token: started.SessionToken, ws: ws, sent: map[string]time.Time{}}
	init := map[string]any{"command": "init", "session_id": s.id, "avatar_id": "load", "quality": "low", "version": "v1", "video_encoding": "H264",
		"agora_settings": map[string]any{"app_id": "app", "token": "", "channel": "load", "uid": "1", "enable_string_uid": false}}
	if err := ws.WriteJSON(init); err != nil {
		_ = ws.Close()
		return nil, err
	}
	var ack map[string]any
	if err := ws.ReadJSON(&ack); err != nil || ack["command"] != "init_ack" {
		_ = ws.Close()
		return nil, fmt.Errorf("init: %v %v", ack, err)
	}
	return s, nil
}

func (s *session) stream(o Options, stats *recorder, measureFrom, stopAt time.Time) {
	done := make(chan struct{})
	go s.read(stats, measureFrom, done)
	samples := int(o.Frame.Seconds() * float64(o.SampleRate))
	pcm := make([]byte, 2*samples)
	for i := range pcm {
		pcm[i] = byte(i * 7)
	}
	voice, _ := json.Marshal(map[string]any{"command": "voice", "audio": base64.StdEncoding.EncodeToString(pcm), "sampleRate": o.SampleRate, "encoding": "PCM16", "event_id": "v"})
	framesPerUtterance := int(time.Second / o.Frame)
	ticker := time.NewTicker(o.Frame)
	defer ticker.Stop()
	for n := 1; time.Now().Before(stopAt); n++ {
		<-ticker.C
		if err := s.ws.WriteMessage(websocket.TextMessage, voice); err != nil {
			break
		}
		stats.frame()
		if n%o.Probe == 0 {
			id := uuid.NewString()
			s.mu.Lock()
			s.sent[id] = time.Now()
			s.mu.Unlock()
			_ = s.ws.WriteJSON(map[string]any{"command": "heartbeat", "event_id": id, "timestamp": time.Now().UnixMilli()})
		}
		if n%framesPerUtterance == 0 {
			_ = s.ws.WriteJSON(map[string]any{"command": "voice_end", "event_id": "e"})
		}
	}
	_ = s.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "done"))
	<-done
}

func (s *session) read(stats *recorder, measureFrom time.Time, done chan<- struct{}) {
	defer close(done)
	for {
		var msg struct {
			Command string `json:"command"`
			EventID string `json:"event_id"`
		}
		if err := s.ws.ReadJSON(&msg); err != nil {
			return
		}
		switch msg.Command {
		case "heartbeat_ack":
			s.mu.Lock()
			sent, ok := s.sent[msg.EventID]
			delete(s.sent, msg.EventID)
			s.mu.Unlock()
			if ok && sent.After(measureFrom) {
				stats.latency(time.Since(sent))
			}
		case "error":
			stats.failed()
		}
	}
}

func (s *session) stop(o Options) {
	body := fmt.Sprintf(`{"session_id":%q,"session_token":%q}`, s.id, s.token)
	req, _ := http.NewRequest(http.MethodDelete, "http://"+o.Addr+"/session/stop", bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-api-key", o.Key)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	_ = s.ws.Close()
}
