package therapy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"
)

// Service is the therapy sessions use cases.
type Service struct {
	store  Store
	files  *FileStore
	events *Events
	limits ContentLimits
}

// ContentLimits bound what users may store.
type ContentLimits struct {
	// MaxFileBytes bounds one uploaded file (CONTENT_MAX_BYTES).
	MaxFileBytes int64
	// OwnerQuotaBytes bounds all the content one user stores, uploads and
	// texts given at creation (THERAPY_STORAGE_QUOTA_BYTES; 0: none).
	OwnerQuotaBytes int64
}

// NewService wires the use cases; events also wakes the analysis workers.
func NewService(store Store, files *FileStore, events *Events, limits ContentLimits) *Service {
	return &Service{store: store, files: files, events: events, limits: limits}
}

// MaxContentBytes is the upload limit.
func (s *Service) MaxContentBytes() int64 { return s.limits.MaxFileBytes }

// storageCheck is the quota rule for adding size bytes of content as field:
// the store runs it on the owner's stored total, atomically with the
// insert.
func (s *Service) storageCheck(field string, size int64) StorageCheck {
	return func(stored int64) error {
		if quota := s.limits.OwnerQuotaBytes; quota > 0 && stored+size > quota {
			return &QuotaError{Field: field, Limit: quota, Stored: stored}
		}
		return nil
	}
}

// Create stores a new session; a text given with it becomes its first
// content and is queued for analysis.
func (s *Service) Create(ctx context.Context, owner string, in NewSession) (Session, error) {
	sess, err := newSession(uuid.NewString(), owner, in)
	if err != nil {
		return Session{}, err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	sess.CreatedAt, sess.UpdatedAt, sess.Analysis.UpdatedAt = now, now, now
	var first *Content
	if in.Text != nil {
		c := Content{ID: uuid.NewString(), SessionID: sess.ID, Owner: owner, Type: ContentText, Filename: "transcript.txt", Size: int64(len(*in.Text)), CreatedAt: now}
		if c.Path, err = s.files.WriteText(sess.ID, c.ID, *in.Text); err != nil {
			return Session{}, err
		}
		sess.Analysis = AnalysisState{Status: AnalysisPending, UpdatedAt: now}
		first = &c
	}
	var admit StorageCheck
	if first != nil {
		admit = s.storageCheck("text", first.Size)
	}
	if err := s.store.CreateSession(ctx, sess, first, admit); err != nil {
		if first != nil {
			s.files.Remove(first.Path)
		}
		return Session{}, err
	}
	if first != nil {
		s.events.jobQueued(ctx)
	}
	return sess, nil
}

// Get returns the caller's session and everything its analysis found.
func (s *Service) Get(ctx context.Context, owner, id string) (Session, Results, error) {
	return s.store.SessionWithResults(ctx, owner, id)
}

// List returns one page of the caller's sessions.
func (s *Service) List(ctx context.Context, owner string, q ListQuery) (SessionPage, ListQuery, error) {
	q, err := normalizeList(q)
	if err != nil {
		return SessionPage{}, q, err
	}
	page, err := s.store.ListSessions(ctx, owner, q)
	return page, q, err
}

// Update applies a partial update.
func (s *Service) Update(ctx context.Context, owner, id string, up Update) error {
	return s.store.UpdateSession(ctx, owner, id, func(sess *Session) error {
		before := sess.Analysis
		if err := apply(sess, up); err != nil {
			return err
		}
		now := time.Now().UTC().Truncate(time.Microsecond)
		sess.UpdatedAt = now
		if sess.Analysis != before {
			sess.Analysis.UpdatedAt = now
		}
		return nil
	})
}

// Delete removes the session with its content files and results, and tells
// every process to close the session's event sockets.
func (s *Service) Delete(ctx context.Context, owner, id string) error {
	contents, err := s.store.DeleteSession(ctx, owner, id)
	if err != nil {
		return err
	}
	for _, c := range contents {
		s.files.Remove(c.Path)
	}
	s.files.RemoveSession(id)
	s.events.SessionDeleted(ctx, id)
	return nil
}

// Authorize reports whether the session exists and is the caller's.
func (s *Service) Authorize(ctx context.Context, owner, id string) error {
	_, err := s.store.GetSession(ctx, owner, id)
	return err
}

// AnalysisStatus is the state of the session's newest job.
func (s *Service) AnalysisStatus(ctx context.Context, owner, id string) (AnalysisState, error) {
	sess, err := s.store.GetSession(ctx, owner, id)
	return sess.Analysis, err
}

// Emotions, Topics and Insights list results of the caller's session.
func (s *Service) Emotions(ctx context.Context, owner, id string, f Filter) ([]Emotion, error) {
	if err := s.checkResults(ctx, owner, id, f); err != nil {
		return nil, err
	}
	return s.store.Emotions(ctx, owner, id, f)
}

func (s *Service) Topics(ctx context.Context, owner, id string, f Filter) ([]Topic, error) {
	if err := s.checkResults(ctx, owner, id, f); err != nil {
		return nil, err
	}
	return s.store.Topics(ctx, owner, id, f)
}

func (s *Service) Insights(ctx context.Context, owner, id string, f Filter) ([]Insight, error) {
	if err := s.checkResults(ctx, owner, id, f); err != nil {
		return nil, err
	}
	return s.store.Insights(ctx, owner, id, f)
}

// checkResults refuses a bad filter, but a session that is not the
// caller's is 404 first; the list query itself checks ownership, so the
// session is read separately only when the filter is bad.
func (s *Service) checkResults(ctx context.Context, owner, id string, f Filter) error {
	err := checkFilter(f)
	if err == nil {
		return nil
	}
	if authErr := s.Authorize(ctx, owner, id); authErr != nil {
		return authErr
	}
	return err
}

// FileStore keeps content files under one directory, one folder per session.
type FileStore struct{ root string }

// NewFileStore uses dir (created if missing).
func NewFileStore(dir string) (*FileStore, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create content directory: %w", err)
	}
	return &FileStore{root: dir}, nil
}

func (f *FileStore) sessionDir(sessionID string) string { return filepath.Join(f.root, sessionID) }

// WriteText stores a transcript given at creation.
func (f *FileStore) WriteText(sessionID, contentID, text string) (string, error) {
	dir := f.sessionDir(sessionID)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("create session directory: %w", err)
	}
	path := filepath.Join(dir, contentID)
	if err := os.WriteFile(path, []byte(text), 0o640); err != nil {
		return "", fmt.Errorf("write content: %w", err)
	}
	return path, nil
}

// Remove deletes one file; a missing file is fine.
func (f *FileStore) Remove(path string) {
	if path != "" {
		_ = os.Remove(path) // best effort: the row is gone, and RemoveSession sweeps the folder
	}
}

// RemoveSession deletes the session's folder and anything left in it.
func (f *FileStore) RemoveSession(sessionID string) { _ = os.RemoveAll(f.sessionDir(sessionID)) }
