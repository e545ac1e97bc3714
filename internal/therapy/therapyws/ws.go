// Package therapyws serves a session's live analysis events, the WebSocket
// contract in specs/therapy-events.asyncapi.yaml (gen/therapyevents).
package therapyws

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"

	gen "github.com/sessionhub/server/gen/therapyevents"
	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/uuidform"
	"github.com/sessionhub/server/internal/platform/wsconn"
	"github.com/sessionhub/server/internal/therapy"
	"github.com/sessionhub/server/internal/therapy/therapyhttp"
)

// closeTokenExpired is sent when the bearer token's exp passes.
const closeTokenExpired = 4001

// API serves /api/v1/sessions/{session_id}/events.
type API struct {
	svc    *therapy.Service
	hub    *wsconn.Hub
	bus    therapy.Subscriber
	tokens *auth.Signer
	opts   wsconn.Options
}

// New returns the events API.
func New(svc *therapy.Service, hub *wsconn.Hub, bus therapy.Subscriber, tokens *auth.Signer) *API {
	return &API{svc: svc, hub: hub, bus: bus, tokens: tokens, opts: wsconn.Options{API: "therapy", ReadLimit: gen.Channels[0].ReadLimit, Refuse: refuseUpgrade}}
}

// Path is the gin route of the channel.
const Path = therapyhttp.BasePath + "/sessions/:session_id/events"

// Handle refuses the upgrade with the REST error body (401, 400, 404, in
// that order) or opens the socket.
func (a *API) Handle(c *gin.Context) {
	claims, refusal := therapyhttp.Authenticate(a.tokens, c.Request)
	if refusal != nil {
		c.Header("WWW-Authenticate", refusal.Challenge)
		refuse(c, http.StatusUnauthorized, gen.ErrorBodyCodeUnauthorized, refusal.Message, "")
		return
	}
	id, err := uuidform.Parse(c.Param("session_id"))
	if err != nil {
		refuse(c, http.StatusBadRequest, gen.ErrorBodyCodeValidationError, "session_id must be a UUID", "session_id")
		return
	}
	sessionID := id.String()
	s := &socket{}
	if claims.ExpiresAt != nil {
		s.expires = claims.ExpiresAt.Time
	}
	// Subscribe before the session is checked, so that a delete after the
	// check reaches this socket (it closes once open), and before the
	// upgrade, so no event between the 101 and OnOpen is lost: they wait in
	// pending until the connection exists.
	s.unsubscribe = a.bus.Subscribe(therapy.BusTopic(sessionID), s.deliver)
	if !a.open(c, claims.Subject, sessionID, s) {
		s.stop()
	}
}

// open checks the session and upgrades; false when the request was refused
// or the upgrade failed.
func (a *API) open(c *gin.Context, owner, sessionID string, s *socket) bool {
	if err := a.svc.Authorize(c.Request.Context(), owner, sessionID); err != nil {
		if errors.Is(err, therapy.ErrNotFound) {
			refuse(c, http.StatusNotFound, gen.ErrorBodyCodeSessionNotFound, therapyhttp.NotFoundMessage, "session_id")
			return false
		}
		slog.Error("therapy events: checking the session failed", "err", err)
		refuse(c, http.StatusInternalServerError, gen.ErrorBodyCodeInternalError, "Internal error", "")
		return false
	}
	if !websocket.IsWebSocketUpgrade(c.Request) {
		refuse(c, http.StatusBadRequest, gen.ErrorBodyCodeValidationError, "The request is not a WebSocket upgrade", "")
		return false
	}
	_, err := a.hub.Serve(c.Writer, c.Request, a.opts, s, nil)
	return err == nil
}

func refuse(c *gin.Context, status int, code gen.ErrorBodyCode, message, field string) {
	body := gen.ErrorBody{Status: gen.ErrorBodyStatusValue, Code: code, Message: message}
	if field != "" {
		body.Field = &field
	}
	c.AbortWithStatusJSON(status, body)
}

// refuseUpgrade writes a refusal of the connection layer in the REST
// error body.
var refuseUpgrade = wsconn.JSONRefusal(func(r wsconn.Refusal) any {
	return gen.ErrorBody{Status: gen.ErrorBodyStatusValue, Code: gen.ErrorBodyCode(r.StatusCode()), Message: r.Message}
})

// socket is one open events connection.
type socket struct {
	expires     time.Time
	unsubscribe func()

	mu      sync.Mutex
	conn    *wsconn.Conn
	pending [][]byte
	expiry  *time.Timer
	stopped bool
}

func (s *socket) OnOpen(c *wsconn.Conn) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conn = c
	for _, p := range s.pending {
		s.forward(p)
	}
	s.pending = nil
	if !s.expires.IsZero() {
		s.expiry = time.AfterFunc(time.Until(s.expires), func() { c.Close(closeTokenExpired, "token expired") })
	}
	return nil
}

func (s *socket) OnMessage(c *wsconn.Conn, data []byte) {
	reply := gen.ErrorEvent{Type: gen.ErrorEventTypeValue, Data: gen.ErrorData{Code: gen.ErrorDataCodeUnknownCommand, Message: "This channel accepts no client messages"}}
	if !json.Valid(data) {
		reply.Data = gen.ErrorData{Code: gen.ErrorDataCodeInvalidJSON, Message: "Invalid JSON"}
	}
	_ = c.SendJSON(reply)
}

func (s *socket) OnClose(*wsconn.Conn, int, string) { s.stop() }

func (s *socket) stop() {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	s.stopped = true
	if s.expiry != nil {
		s.expiry.Stop()
	}
	s.mu.Unlock()
	s.unsubscribe()
}

// deliver runs on the bus's goroutine: it only queues.
func (s *socket) deliver(payload []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	if s.conn == nil {
		s.pending = append(s.pending, payload)
		return
	}
	s.forward(payload)
}

// forward turns one bus event into its frame (s.mu held).
func (s *socket) forward(payload []byte) {
	var ev therapy.Event
	if err := json.Unmarshal(payload, &ev); err != nil {
		slog.Warn("therapy events: undecodable bus message", "err", err)
		return
	}
	if ev.Type == therapy.EventSessionDeleted {
		s.conn.Close(wsconn.CloseNormal, "session deleted")
		return
	}
	if frame := toFrame(ev); frame != nil {
		_ = s.conn.SendJSON(frame)
	}
}

func toFrame(ev therapy.Event) any {
	switch {
	case ev.Type == therapy.EventProgress && ev.Progress != nil:
		p := ev.Progress
		data := gen.AnalysisProgressData{Status: gen.AnalysisProgressDataStatus(p.Status), Progress: p.Progress}
		if p.ContentID != "" {
			data.ContentID = &p.ContentID
		}
		if p.Status == therapy.AnalysisFailed {
			data.Error = &p.Error
		}
		return gen.AnalysisProgressEvent{Type: gen.AnalysisProgressEventTypeValue, Data: data}
	case ev.Type == therapy.EventEmotion && ev.Emotion != nil:
		e := ev.Emotion
		return gen.NewEmotionEvent{Type: gen.NewEmotionEventTypeValue, Data: gen.NewEmotionData{Emotion: gen.Emotion{
			ID: e.ID, Name: e.Name, Category: &e.Category, Intensity: e.Intensity, Timestamp: e.Timestamp,
		}}}
	case ev.Type == therapy.EventTopic && ev.Topic != nil:
		t := ev.Topic
		return gen.NewTopicEvent{Type: gen.NewTopicEventTypeValue, Data: gen.NewTopicData{Topic: gen.Topic{
			ID: t.ID, Name: t.Name, Category: &t.Category, Confidence: t.Confidence, Timestamp: t.Timestamp,
		}}}
	case ev.Type == therapy.EventInsight && ev.Insight != nil:
		i := ev.Insight
		return gen.NewInsightEvent{Type: gen.NewInsightEventTypeValue, Data: gen.NewInsightData{Insight: gen.Insight{
			ID: i.ID, Content: i.Content, Type: gen.InsightType(i.Type), Confidence: &i.Confidence, Timestamp: i.Timestamp,
		}}}
	}
	return nil
}
