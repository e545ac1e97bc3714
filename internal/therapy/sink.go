package therapy

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/sessionhub/server/internal/therapy/analysis"
)

// progressStep is the smallest rise of progress that is stored and pushed.
const progressStep = 0.01

// resultSink stores what the analyser finds, each item as soon as it is
// found, and pushes it to the session's sockets. Each write checks the job's
// lease, so a worker that lost its job stops writing.
type resultSink struct {
	w       *Worker
	ctx     context.Context
	content Content

	mu       sync.Mutex
	progress float64
}

var _ analysis.Sink = (*resultSink)(nil)

func (s *resultSink) progressValue() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.progress
}

// Progress never decreases and never reaches 1 before the job completes.
func (s *resultSink) Progress(fraction float64) error {
	fraction = min(clamp01(fraction), 0.99)
	s.mu.Lock()
	if fraction-s.progress < progressStep {
		s.mu.Unlock()
		return nil
	}
	s.progress = fraction
	s.mu.Unlock()
	if err := s.w.store.SetProgress(s.ctx, s.content.ID, s.w.id, fraction, s.w.cfg.Lease); err != nil {
		return err
	}
	s.w.events.progress(s.ctx, s.content, Progress{Status: AnalysisProcessing, Progress: fraction})
	return nil
}

// found is a new result of the content, found offset into it.
func (s *resultSink) found(offset time.Duration) Found {
	return Found{ID: uuid.NewString(), SessionID: s.content.SessionID, JobID: s.content.ID,
		Timestamp: s.content.CreatedAt.Add(max(offset, 0)).UTC().Truncate(time.Microsecond)}
}

func (s *resultSink) Emotion(e analysis.Emotion) error {
	item := Emotion{Found: s.found(e.Offset),
		Name: orDefault(clip(e.Name, maxNameRunes), "emotion"), Category: orDefault(clip(e.Category, maxNameRunes), "neutral"),
		Intensity: clamp01(e.Intensity)}
	return keep(s, s.w.store.AddEmotion, item, Event{Type: EventEmotion, SessionID: item.SessionID, Emotion: &item})
}

func (s *resultSink) Topic(t analysis.Topic) error {
	item := Topic{Found: s.found(t.Offset),
		Name: orDefault(clip(t.Name, maxTopicRunes), "topic"), Category: orDefault(clip(t.Category, maxNameRunes), "general"),
		Confidence: clamp01(t.Confidence)}
	return keep(s, s.w.store.AddTopic, item, Event{Type: EventTopic, SessionID: item.SessionID, Topic: &item})
}

func (s *resultSink) Insight(i analysis.Insight) error {
	kind := string(i.Type)
	if checkFilter(Filter{Type: kind}) != nil || kind == "" {
		kind = InsightInsight
	}
	item := Insight{Found: s.found(i.Offset),
		Content: orDefault(clip(i.Content, maxContentRunes), "(empty)"), Type: kind,
		Confidence: clamp01(i.Confidence)}
	return keep(s, s.w.store.AddInsight, item, Event{Type: EventInsight, SessionID: item.SessionID, Insight: &item})
}

// keep stores one result under the job's lease, then tells the session's
// sockets about it.
func keep[T any](s *resultSink, add func(ctx context.Context, worker string, item T, lease time.Duration) error, item T, ev Event) error {
	if err := add(s.ctx, s.w.id, item, s.w.cfg.Lease); err != nil {
		return err
	}
	s.w.events.publish(s.ctx, ev)
	return nil
}

func orDefault(v, fallback string) string {
	if v == "" {
		return fallback
	}
	return v
}
