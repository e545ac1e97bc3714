package therapystore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sessionhub/server/internal/platform/convert"
	"github.com/sessionhub/server/internal/platform/database"
	"github.com/sessionhub/server/internal/therapy"
)

// The reads below are one statement each: the session row (which also
// proves ownership) with its result lists aggregated into JSON arrays by
// the database, so a read costs one round trip and sees one snapshot.

// resultColumns are the JSON keys and columns every result list carries.
var resultColumns = map[string][]string{
	"therapy_emotions": {"id", "job_id", "name", "category", "intensity", "found_at"},
	"therapy_topics":   {"id", "job_id", "name", "category", "confidence", "found_at"},
	"therapy_insights": {"id", "job_id", "content", "kind", "confidence", "found_at"},
}

// aggregate is a scalar subquery: the rows of table that belong to the
// session s and pass where, as a JSON array ordered as every list is.
func aggregate(dialect database.Dialect, table, where string) string {
	var pairs []string
	for _, c := range resultColumns[table] {
		pairs = append(pairs, "'"+c+"', "+c)
	}
	cond := "session_id = s.id"
	if where != "" {
		cond += " AND " + where
	}
	if dialect == database.Postgres {
		return fmt.Sprintf("(SELECT COALESCE(json_agg(json_build_object(%s) ORDER BY found_at, id), '[]'::json) FROM %s WHERE %s)",
			strings.Join(pairs, ", "), table, cond)
	}
	return fmt.Sprintf("(SELECT json_group_array(json_object(%s) ORDER BY found_at, id) FROM %s WHERE %s)",
		strings.Join(pairs, ", "), table, cond)
}

// SessionWithResults reads the caller's session with all its results.
func (s *Store) SessionWithResults(ctx context.Context, owner, id string) (therapy.Session, therapy.Results, error) {
	var row sessionRow
	var emotions, topics, insights string
	err := s.reads.QueryRow(ctx, s.sessionResultsQuery(), id, owner).Scan(append(row.fields(), &emotions, &topics, &insights)...)
	if err := database.LookupError(err, therapy.ErrNotFound, "get session"); err != nil {
		return therapy.Session{}, therapy.Results{}, err
	}
	var res therapy.Results
	if res.Emotions, err = decodeList(emotions, id, emotionOf); err != nil {
		return therapy.Session{}, therapy.Results{}, err
	}
	if res.Topics, err = decodeList(topics, id, topicOf); err != nil {
		return therapy.Session{}, therapy.Results{}, err
	}
	if res.Insights, err = decodeList(insights, id, insightOf); err != nil {
		return therapy.Session{}, therapy.Results{}, err
	}
	return row.toDomain(), res, nil
}

func (s *Store) sessionResultsQuery() string {
	return "SELECT " + sessionColumns.List("s.") + ", " +
		aggregate(s.dialect, "therapy_emotions", "") + ", " +
		aggregate(s.dialect, "therapy_topics", "") + ", " +
		aggregate(s.dialect, "therapy_insights", "") +
		" FROM therapy_sessions s WHERE s.id = $1 AND s.owner = $2"
}

func (s *Store) Emotions(ctx context.Context, owner, sessionID string, f therapy.Filter) ([]therapy.Emotion, error) {
	raw, err := s.resultList(ctx, owner, sessionID, "therapy_emotions", f, true)
	if err != nil {
		return nil, err
	}
	return decodeList(raw, sessionID, emotionOf)
}

func (s *Store) Topics(ctx context.Context, owner, sessionID string, f therapy.Filter) ([]therapy.Topic, error) {
	raw, err := s.resultList(ctx, owner, sessionID, "therapy_topics", f, true)
	if err != nil {
		return nil, err
	}
	return decodeList(raw, sessionID, topicOf)
}

func (s *Store) Insights(ctx context.Context, owner, sessionID string, f therapy.Filter) ([]therapy.Insight, error) {
	raw, err := s.resultList(ctx, owner, sessionID, "therapy_insights", f, false)
	if err != nil {
		return nil, err
	}
	return decodeList(raw, sessionID, insightOf)
}

// resultList reads one filtered list of the caller's session as JSON;
// ErrNotFound when the session is not theirs.
func (s *Store) resultList(ctx context.Context, owner, sessionID, table string, f therapy.Filter, byCategory bool) (string, error) {
	var conds []string
	var args []any
	if f.Start != nil {
		conds, args = append(conds, "found_at >= ?"), append(args, f.Start.UTC())
	}
	if f.End != nil {
		conds, args = append(conds, "found_at <= ?"), append(args, f.End.UTC())
	}
	if byCategory && f.Category != "" {
		conds, args = append(conds, "LOWER(category) = ?"), append(args, strings.ToLower(f.Category))
	}
	if !byCategory && f.Type != "" {
		conds, args = append(conds, "kind = ?"), append(args, f.Type)
	}
	query := "SELECT " + aggregate(s.dialect, table, strings.Join(conds, " AND ")) + " AS list FROM therapy_sessions s WHERE s.id = ? AND s.owner = ?"
	var lists []string
	if err := s.db.WithContext(ctx).Raw(query, append(args, sessionID, owner)...).Scan(&lists).Error; err != nil {
		return "", fmt.Errorf("list %s: %w", strings.TrimPrefix(table, "therapy_"), err)
	}
	if len(lists) == 0 {
		return "", therapy.ErrNotFound
	}
	return lists[0], nil
}

// resultJSON is one element of an aggregated list; Value is intensity or
// confidence, Text is name or content, Kind is category or kind.
type resultJSON struct {
	ID         string  `json:"id"`
	JobID      string  `json:"job_id"`
	Name       string  `json:"name"`
	Content    string  `json:"content"`
	Category   string  `json:"category"`
	Kind       string  `json:"kind"`
	Intensity  float64 `json:"intensity"`
	Confidence float64 `json:"confidence"`
	FoundAt    dbTime  `json:"found_at"`
}

func (r resultJSON) found(sessionID string) therapy.Found {
	return therapy.Found{ID: r.ID, SessionID: sessionID, JobID: r.JobID, Timestamp: time.Time(r.FoundAt)}
}

func emotionOf(sessionID string, r resultJSON) therapy.Emotion {
	return therapy.Emotion{Found: r.found(sessionID), Name: r.Name, Category: r.Category, Intensity: r.Intensity}
}

func topicOf(sessionID string, r resultJSON) therapy.Topic {
	return therapy.Topic{Found: r.found(sessionID), Name: r.Name, Category: r.Category, Confidence: r.Confidence}
}

func insightOf(sessionID string, r resultJSON) therapy.Insight {
	return therapy.Insight{Found: r.found(sessionID), Content: r.Content, Type: r.Kind, Confidence: r.Confidence}
}

func decodeList[T any](raw, sessionID string, to func(string, resultJSON) T) ([]T, error) {
	var items []resultJSON
	if err := json.Unmarshal([]byte(raw), &items); err != nil {
		return nil, fmt.Errorf("decode results: %w", err)
	}
	return convert.Each(items, func(r resultJSON) T { return to(sessionID, r) }), nil
}

// dbTime reads a timestamp as the database writes it into JSON:
// PostgreSQL in ISO 8601, SQLite as the driver stored it.
type dbTime time.Time

var dbTimeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999"}

func (t *dbTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	for _, layout := range dbTimeLayouts {
		if v, err := time.Parse(layout, s); err == nil {
			*t = dbTime(v.UTC())
			return nil
		}
	}
	return fmt.Errorf("unreadable timestamp %q", s)
}
