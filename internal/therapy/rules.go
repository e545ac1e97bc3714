package therapy

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// newSession applies the create rules and defaults.
func newSession(id, owner string, in NewSession) (Session, error) {
	s := Session{ID: id, Owner: owner, Status: StatusCreated, Settings: map[string]any{}, Analysis: AnalysisState{Status: AnalysisPending}}
	if err := setTitle(&s, in.Title); err != nil {
		return Session{}, err
	}
	up := Update{Description: in.Description, Duration: in.Duration, Status: in.Status, AnalysisStatus: in.AnalysisStatus, Settings: in.Settings}
	if err := apply(&s, up); err != nil {
		return Session{}, err
	}
	if in.InputMethod != nil {
		switch *in.InputMethod {
		case ContentText, ContentAudio, ContentVideo:
			s.InputMethod = *in.InputMethod
		default:
			return Session{}, invalid("inputMethod", "must be one of text, audio, video")
		}
	}
	if in.Text != nil {
		if s.InputMethod != "" && s.InputMethod != ContentText {
			return Session{}, invalid("text", "is allowed only when inputMethod is text or absent")
		}
		if n := utf8.RuneCountInString(*in.Text); n < 1 || n > maxTextRunes {
			return Session{}, invalid("text", "must be 1 to %d characters", maxTextRunes)
		}
		s.InputMethod = ContentText
	}
	return s, nil
}

// apply merges a partial update into s.
func apply(s *Session, up Update) error {
	if up.Title != nil {
		if err := setTitle(s, *up.Title); err != nil {
			return err
		}
	}
	if up.Description != nil {
		if utf8.RuneCountInString(*up.Description) > maxDescriptionRunes {
			return invalid("description", "must be at most %d characters", maxDescriptionRunes)
		}
		s.Description = *up.Description
	}
	if up.Duration != nil {
		if *up.Duration < 0 || *up.Duration > maxDuration {
			return invalid("duration", "must be between 0 and %d", maxDuration)
		}
		s.Duration = *up.Duration
	}
	if up.Status != nil {
		switch *up.Status {
		case StatusCreated, StatusInProgress, StatusCompleted, StatusCancelled:
			s.Status = *up.Status
		default:
			return invalid("status", "must be one of created, in_progress, completed, cancelled")
		}
	}
	if up.AnalysisStatus != nil {
		if err := overrideAnalysis(s, *up.AnalysisStatus); err != nil {
			return err
		}
	}
	if up.Settings != nil {
		if len(up.Settings) > maxSettingsKeys {
			return invalid("settings", "must have at most %d keys", maxSettingsKeys)
		}
		raw, err := json.Marshal(up.Settings)
		if err != nil || len(raw) > maxSettingsBytes {
			return invalid("settings", "must be at most %d bytes as JSON", maxSettingsBytes)
		}
		s.Settings = up.Settings
	}
	return nil
}

func setTitle(s *Session, title string) error {
	if strings.TrimSpace(title) == "" {
		return invalid("title", "is required and must not be blank")
	}
	if utf8.RuneCountInString(title) > maxTitleRunes {
		return invalid("title", "must be at most %d characters", maxTitleRunes)
	}
	s.Title = title
	return nil
}

// overrideAnalysis is the documented manual override of analysis_status.
func overrideAnalysis(s *Session, status string) error {
	if status == "success" {
		status = AnalysisCompleted
	}
	switch status {
	case AnalysisCompleted:
		s.Analysis.Progress = 1
	case AnalysisPending:
		s.Analysis.Progress = 0
	case AnalysisProcessing, AnalysisFailed:
	default:
		return invalid("analysis_status", "must be one of pending, processing, completed, failed, success")
	}
	s.Analysis.Status = status
	s.Analysis.Error = ""
	return nil
}

// normalizeList applies the list defaults and bounds.
func normalizeList(q ListQuery) (ListQuery, error) {
	if q.Page == 0 {
		q.Page = 1
	}
	if q.PerPage == 0 {
		q.PerPage = 10
	}
	if q.Sort == "" {
		q.Sort = "created_at"
	}
	switch {
	case q.Page < 1 || q.Page > 1_000_000:
		return q, invalid("page", "must be between 1 and 1000000")
	case q.PerPage < 1 || q.PerPage > 100:
		return q, invalid("per_page", "must be between 1 and 100")
	case q.Sort != "created_at" && q.Sort != "updated_at":
		return q, invalid("sort", "must be one of created_at, updated_at")
	}
	return q, nil
}

func checkFilter(f Filter) error {
	if f.Start != nil && f.End != nil && f.End.Before(*f.Start) {
		return invalid("end_time", "must not be before start_time")
	}
	if f.Type != "" {
		switch f.Type {
		case InsightInsight, InsightBelief, InsightChallenge, InsightActionItem:
		default:
			return invalid("type", "must be one of insight, belief, challenge, action_item")
		}
	}
	return nil
}

// clip cuts s to at most n runes (analysers may be verbose).
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

func clamp01(v float64) float64 {
	switch {
	case v < 0 || v != v:
		return 0
	case v > 1:
		return 1
	}
	return v
}
