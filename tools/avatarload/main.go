// Command avatarload streams real-time audio into many avatar sessions of a
// server on this machine and reports the frame latency it sees and, given
// the server's pid, the server's CPU and memory per session.
//
// Each session is started over REST, connected, initialized, and then
// sends one PCM16 voice frame every frame interval (default 20 ms of 24 kHz
// audio, as Agora ConvoAI does), closes an utterance every second with
// voice_end, and follows every probe-th voice frame with a heartbeat. The
// server handles a connection's frames in order, so a heartbeat's round
// trip includes the voice frame before it: that is the frame processing
// latency reported. It only dials loopback addresses and stops after
// -duration (at most 10 minutes).
//
//	go run ./tools/avatarload -addr 127.0.0.1:8080 -key KEY -sessions 200 -duration 30s -server-pid PID
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"
)

type options struct {
	addr       string
	key        string
	sessions   int
	duration   time.Duration
	warmup     time.Duration
	frame      time.Duration
	sampleRate int
	probe      int
	serverPID  int
}

func main() {
	var o options
	flag.StringVar(&o.addr, "addr", "127.0.0.1:8080", "server address (loopback only)")
	flag.StringVar(&o.key, "key", os.Getenv("AVATAR_API_KEY"), "an AVATAR_API_KEYS key (default $AVATAR_API_KEY)")
	flag.IntVar(&o.sessions, "sessions", 200, "concurrent sessions")
	flag.DurationVar(&o.duration, "duration", 30*time.Second, "measured streaming time (at most 10m)")
	flag.DurationVar(&o.warmup, "warmup", 5*time.Second, "streaming time before measuring")
	flag.DurationVar(&o.frame, "frame", 20*time.Millisecond, "audio per voice frame")
	flag.IntVar(&o.sampleRate, "rate", 24000, "sample rate (Hz) of the PCM16 audio")
	flag.IntVar(&o.probe, "probe", 5, "send a heartbeat after every probe-th voice frame")
	flag.IntVar(&o.serverPID, "server-pid", 0, "the server's pid, to report its CPU and memory (Linux /proc)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "avatarload:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	host, _, err := net.SplitHostPort(o.addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr must be a loopback IP address, got %q", o.addr)
	}
	if o.duration <= 0 || o.duration > 10*time.Minute || o.key == "" || o.sessions <= 0 || o.probe <= 0 {
		return errors.New("need -key, -sessions > 0, -probe > 0 and 0 < -duration <= 10m")
	}

	before, _ := readProc(o.serverPID)
	stats := newRecorder()
	sessions := make([]*session, o.sessions)
	for i := range sessions {
		s, err := open(o)
		if err != nil {
			return fmt.Errorf("session %d: %w", i, err)
		}
		sessions[i] = s
	}
	fmt.Printf("%d sessions connected and initialized\n", len(sessions))

	stopAt := time.Now().Add(o.warmup + o.duration)
	measureFrom := time.Now().Add(o.warmup)
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Spread the sessions over one frame interval, as independent
			// callers would be.
			time.Sleep(time.Duration(i) * o.frame / time.Duration(len(sessions)))
			s.stream(o, stats, measureFrom, stopAt)
		}()
	}
	time.Sleep(time.Until(measureFrom))
	atStart, _ := readProc(o.serverPID)
	time.Sleep(time.Until(stopAt))
	atEnd, _ := readProc(o.serverPID)
	wg.Wait()
	for _, s := range sessions {
		s.stop(o)
	}
	report(o, stats, before, atStart, atEnd)
	return nil
}

// session is one streaming avatar session.
type session struct {
	id, token string
	ws        *websocket.Conn
	mu        sync.Mutex
	sent      map[string]time.Time // probe event_id → when its voice frame was sent
}

func open(o options) (*session, error) {
	body := `{"avatar_id":"load","quality":"low","version":"v1","video_encoding":"H264","activity_idle_timeout":120,
	  "agora_settings":{"app_id":"app","token":"","channel":"load","uid":"1","enable_string_uid":false}}`
	req, _ := http.NewRequest(http.MethodPost, "http://"+o.addr+"/session/start", bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-api-key", o.key)
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
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+o.addr+"/v1/websocket", http.Header{"Authorization": {"Bearer " + started.SessionToken}})
	if err != nil {
		return nil, err
	}
	s := &session{id: started.SessionID, token: started.SessionToken, ws: ws, sent: map[string]time.Time{}}
	init := map[string]any{"command": "init", "session_id": s.id, "avatar_id": "load", "quality": "low", "version": "v1", "video_encoding": "H264",
		"agora_settings": map[string]any{"app_id": "app", "token": "", "channel": "load", "uid": "1", "enable_string_uid": false}}
	if err := ws.WriteJSON(init); err != nil {
		return nil, err
	}
	var ack map[string]any
	if err := ws.ReadJSON(&ack); err != nil || ack["command"] != "init_ack" {
		return nil, fmt.Errorf("init: %v %v", ack, err)
	}
	return s, nil
}

func (s *session) stream(o options, stats *recorder, measureFrom, stopAt time.Time) {
	done := make(chan struct{})
	go s.read(stats, measureFrom, done)
	samples := int(o.frame.Seconds() * float64(o.sampleRate))
	pcm := make([]byte, 2*samples)
	for i := range pcm {
		pcm[i] = byte(i * 7)
	}
	voice, _ := json.Marshal(map[string]any{"command": "voice", "audio": base64.StdEncoding.EncodeToString(pcm), "sampleRate": o.sampleRate, "encoding": "PCM16", "event_id": "v"})
	framesPerUtterance := int(time.Second / o.frame)
	ticker := time.NewTicker(o.frame)
	defer ticker.Stop()
	for n := 1; time.Now().Before(stopAt); n++ {
		<-ticker.C
		if err := s.ws.WriteMessage(websocket.TextMessage, voice); err != nil {
			break
		}
		stats.frame()
		if n%o.probe == 0 {
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

func (s *session) stop(o options) {
	body := fmt.Sprintf(`{"session_id":%q,"session_token":%q}`, s.id, s.token)
	req, _ := http.NewRequest(http.MethodDelete, "http://"+o.addr+"/session/stop", bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-api-key", o.key)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	_ = s.ws.Close()
}

// recorder collects what the sessions observed.
type recorder struct {
	mu        sync.Mutex
	latencies []time.Duration
	frames    int64
	errors    int64
}

func newRecorder() *recorder { return &recorder{} }

func (r *recorder) latency(d time.Duration) {
	r.mu.Lock()
	r.latencies = append(r.latencies, d)
	r.mu.Unlock()
}
func (r *recorder) frame()  { r.mu.Lock(); r.frames++; r.mu.Unlock() }
func (r *recorder) failed() { r.mu.Lock(); r.errors++; r.mu.Unlock() }

func (r *recorder) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[int(p*float64(len(r.latencies)-1))]
}

func report(o options, r *recorder, before, atStart, atEnd procStats) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sort.Slice(r.latencies, func(i, j int) bool { return r.latencies[i] < r.latencies[j] })
	fmt.Printf("sessions %d, %s frames of %d Hz PCM16, measured %s after %s warm-up\n", o.sessions, o.frame, o.sampleRate, o.duration, o.warmup)
	fmt.Printf("voice frames sent %d, error replies %d, latency probes %d\n", r.frames, r.errors, len(r.latencies))
	fmt.Printf("frame latency (voice frame + heartbeat round trip): p50 %s, p99 %s, max %s\n",
		r.percentile(0.50).Round(10*time.Microsecond), r.percentile(0.99).Round(10*time.Microsecond), r.percentile(1).Round(10*time.Microsecond))
	if o.serverPID == 0 || atEnd.cpu == 0 {
		return
	}
	cpu := (atEnd.cpu - atStart.cpu).Seconds() / o.duration.Seconds()
	fmt.Printf("server CPU: %.1f%% of one core in total, %.3f%% per session\n", 100*cpu, 100*cpu/float64(o.sessions))
	fmt.Printf("server RSS: %.1f MiB before, %.1f MiB streaming: %.0f KiB per session\n",
		float64(before.rss)/(1<<20), float64(atEnd.rss)/(1<<20), float64(atEnd.rss-before.rss)/1024/float64(o.sessions))
}
