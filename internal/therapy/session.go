// Package therapy is the therapy sessions domain (seed 001): sessions owned by
// a user, the content added to them, durable analysis jobs and what the
// analysis found. It knows nothing about HTTP, WebSockets or GORM.
package therapy

import (
	"errors"
	"fmt"
	"time"
)

// Session lifecycle values (client-managed).
const (
	StatusCreated    = "created"
	StatusInProgress = "in_progress"
	StatusCompleted  = "completed"
	StatusCancelled  = "cancelled"
)

// Analysis states of a session (that of its newest job) and of a job.
const (
	AnalysisPending    = "pending"
	AnalysisProcessing = "processing"
	AnalysisCompleted  = "completed"
	AnalysisFailed     = "failed"
)

// Content kinds.
const (
	ContentText  = "text"
	ContentAudio = "audio"
	ContentVideo = "video"
)

// Insight kinds.
const (
	InsightInsight    = "insight"
	InsightBelief     = "belief"
	InsightChallenge  = "challenge"
	InsightActionItem = "action_item"
)

// Bounds the API documents.
const (
	maxTitleRunes       = 200
	maxDescriptionRunes = 5000
	maxDuration         = 86400
	maxSettingsKeys     = 100
	maxSettingsBytes    = 16 << 10
	maxTextRunes        = 200000
	maxNameRunes        = 100
	maxTopicRunes       = 200
	maxContentRunes     = 2000
	maxFilenameBytes    = 255
)

// Session is one therapy session.
type Session struct {
	ID          string
	Owner       string
	Title       string
	Description string
	Duration    int
	Status      string
	InputMethod string // "" when never given
	Settings    map[string]any
	Analysis    AnalysisState
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// AnalysisState is the state of a session's newest analysis job.
type AnalysisState struct {
	Status    string
	Progress  float64
	Error     string // set only when failed
	UpdatedAt time.Time
}

// NewSession is what a create request may carry (both documented shapes).
type NewSession struct {
	Title          string
	Description    *string
	Duration       *int
	Status         *string
	AnalysisStatus *string
	InputMethod    *string
	Text           *string
	Settings       map[string]any
}

// Update is a partial update: nil fields are kept.
type Update struct {
	Title          *string
	Description    *string
	Duration       *int
	Status         *string
	AnalysisStatus *string
	Settings       map[string]any // nil: keep
}

// ListQuery selects one page of a user's sessions.
type ListQuery struct {
	Page    int
	PerPage int
	Sort    string // created_at or updated_at
	Desc    bool
}

// SessionPage is one page and the number of sessions in all pages.
type SessionPage struct {
	Sessions []Session
	Total    int
}

// Content is one stored piece of content; its id is also its job's id.
type Content struct {
	ID        string
	SessionID string
	Owner     string
	Type      string
	Filename  string
	Path      string // where the bytes are, inside the data directory
	Size      int64
	CreatedAt time.Time
}

// Found is what every analysis result carries: its id, the session and the
// analysis job it belongs to, and when in the content it was found.
type Found struct {
	ID        string    `json:"id"`
	SessionID string    `json:"-"`
	JobID     string    `json:"-"`
	Timestamp time.Time `json:"timestamp"`
}

// Emotion, Topic and Insight are the analysis results.
type Emotion struct {
	Found
	Name      string  `json:"name"`
	Category  string  `json:"category"`
	Intensity float64 `json:"intensity"`
}

type Topic struct {
	Found
	Name       string  `json:"name"`
	Category   string  `json:"category"`
	Confidence float64 `json:"confidence"`
}

type Insight struct {
	Found
	Content    string  `json:"content"`
	Type       string  `json:"type"`
	Confidence float64 `json:"confidence"`
}

// Results are everything the analysis found in a session.
type Results struct {
	Emotions []Emotion
	Topics   []Topic
	Insights []Insight
}

// Filter narrows a result list; zero fields do not filter.
type Filter struct {
	Start    *time.Time
	End      *time.Time
	Category string // emotions and topics, case-insensitive
	Type     string // insights
}

// ErrNotFound: no such session for this user (never existed, deleted, or
// someone else's).
var ErrNotFound = errors.New("session not found")

// ErrLeaseLost: the job was taken over or deleted while this process ran it.
var ErrLeaseLost = errors.New("analysis job lease lost")

// ValidationError names the parameter, field or part at fault.
type ValidationError struct {
	Field   string
	Message string // starts with Field
}

func (e *ValidationError) Error() string { return e.Message }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Message: field + " " + fmt.Sprintf(format, args...)}
}

// TooLargeError: an uploaded file passed the size limit.
type TooLargeError struct {
	Field string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s exceeds the limit of %d bytes", e.Field, e.Limit)
}

// QuotaError: storing the content would take its owner past the storage
// quota. Stored is what the owner had stored before it.
type QuotaError struct {
	Field  string
	Limit  int64
	Stored int64
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("%s does not fit in the %d bytes left of the %d bytes each user may store (storage quota exceeded)",
		e.Field, max(e.Limit-e.Stored, 0), e.Limit)
}
