package therapy

import (
	"context"
	"encoding/json"
	"log/slog"
)

// Event kinds pushed to a session's sockets.
const (
	EventProgress       = "analysis_progress"
	EventEmotion        = "new_emotion"
	EventTopic          = "new_topic"
	EventInsight        = "new_insight"
	EventSessionDeleted = "session_deleted"
)

// Event is what travels on the bus to every process holding a socket of the
// session.
type Event struct {
	Type      string    `json:"type"`
	SessionID string    `json:"session_id"`
	Progress  *Progress `json:"progress,omitempty"`
	Emotion   *Emotion  `json:"emotion,omitempty"`
	Topic     *Topic    `json:"topic,omitempty"`
	Insight   *Insight  `json:"insight,omitempty"`
}

// Progress is one job's state as pushed.
type Progress struct {
	Status    string  `json:"status"`
	Progress  float64 `json:"progress"`
	ContentID string  `json:"content_id"`
	Error     string  `json:"error,omitempty"`
}

// Publisher reaches every server process (pubsub.Bus).
type Publisher interface {
	Publish(ctx context.Context, topic string, payload []byte) error
}

// Events publishes a session's events.
type Events struct{ bus Publisher }

// NewEvents publishes through bus.
func NewEvents(bus Publisher) *Events { return &Events{bus: bus} }

// Subscriber is the bus as its listeners see it (pubsub.Bus).
type Subscriber interface {
	Subscribe(topic string, fn func(payload []byte)) (unsubscribe func())
}

// jobsTopic wakes the analysis workers of every process when a job is
// queued anywhere.
const jobsTopic = "therapy.jobs"

// BusTopic is the bus topic of one session's events.
func BusTopic(sessionID string) string { return "therapy.session." + sessionID }

func (e *Events) publish(ctx context.Context, ev Event) {
	payload, err := json.Marshal(ev)
	if err == nil {
		err = e.bus.Publish(context.WithoutCancel(ctx), BusTopic(ev.SessionID), payload)
	}
	if err != nil {
		slog.Warn("therapy: publishing event failed", "type", ev.Type, "session", ev.SessionID, "err", err)
	}
}

// jobQueued wakes the analysis workers of every process; they poll too, so
// a failure only delays the job.
func (e *Events) jobQueued(ctx context.Context) {
	if err := e.bus.Publish(context.WithoutCancel(ctx), jobsTopic, []byte(`{}`)); err != nil {
		slog.Warn("therapy: waking the analysis workers failed (they poll anyway)", "err", err)
	}
}

// SessionDeleted tells every process to close the session's sockets.
func (e *Events) SessionDeleted(ctx context.Context, sessionID string) {
	e.publish(ctx, Event{Type: EventSessionDeleted, SessionID: sessionID})
}

func (e *Events) progress(ctx context.Context, c Content, p Progress) {
	p.ContentID = c.ID
	e.publish(ctx, Event{Type: EventProgress, SessionID: c.SessionID, Progress: &p})
}
