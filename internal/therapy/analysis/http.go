package analysis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"
)

// Limits on an external analyser's reply.
const (
	maxResponseBytes = 8 << 20 // a longer reply is ErrBadResponse
	maxResultItems   = 10000   // per list
	maxNameBytes     = 200     // emotion/topic name and category
	maxTextBytes     = 4000    // insight content and evidence
	defaultTimeout   = 2 * time.Minute
)

// HTTP is an external analyser reached over HTTP; see the package
// documentation for the protocol.
type HTTP struct {
	endpoint string
	client   *http.Client
}

var _ Analyzer = (*HTTP)(nil)

// NewHTTP returns an analyser that posts texts to baseURL + "/analyze". A nil
// client means an http.Client with a two-minute timeout.
func NewHTTP(baseURL string, client *http.Client) *HTTP {
	if client == nil {
		client = &http.Client{Timeout: defaultTimeout}
	}
	return &HTTP{endpoint: strings.TrimRight(baseURL, "/") + "/analyze", client: client}
}

type httpRequest struct {
	Text string `json:"text"`
}

type httpResponse struct {
	Emotions []httpEmotion `json:"emotions"`
	Topics   []httpTopic   `json:"topics"`
	Insights []httpInsight `json:"insights"`
}

type httpEmotion struct {
	Name          string   `json:"name"`
	Category      string   `json:"category"`
	Intensity     *float64 `json:"intensity"`
	OffsetSeconds float64  `json:"offset_seconds"`
	Evidence      string   `json:"evidence"`
}

type httpTopic struct {
	Name          string   `json:"name"`
	Category      string   `json:"category"`
	Confidence    *float64 `json:"confidence"`
	OffsetSeconds float64  `json:"offset_seconds"`
	Evidence      string   `json:"evidence"`
}

type httpInsight struct {
	Content       string   `json:"content"`
	Type          string   `json:"type"`
	Confidence    *float64 `json:"confidence"`
	OffsetSeconds float64  `json:"offset_seconds"`
	Evidence      string   `json:"evidence"`
}

// Analyze implements Analyzer: one POST, the reply validated as a whole,
// then delivered to sink (emotions, topics, insights, Progress(1)).
func (h *HTTP) Analyze(ctx context.Context, text string, sink Sink) error {
	if strings.TrimSpace(text) == "" {
		return ErrEmptyText
	}
	body, err := json.Marshal(httpRequest{Text: text})
	if err != nil {
		return fmt.Errorf("analysis: encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: bad ANALYZER_URL: %w", ErrRemote, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return fmt.Errorf("%w: %w", ErrRemote, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return fmt.Errorf("%w: %s replied %d: %s", ErrRemote, h.endpoint, resp.StatusCode, strings.TrimSpace(string(snippet)))
	}
	result, err := decodeResponse(resp.Body)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return err
	}
	return deliver(ctx, result, sink)
}

func decodeResponse(r io.Reader) (httpResponse, error) {
	var out httpResponse
	data, err := io.ReadAll(io.LimitReader(r, maxResponseBytes+1))
	if err != nil {
		return out, fmt.Errorf("%w: read: %w", ErrRemote, err)
	}
	if len(data) > maxResponseBytes {
		return out, fmt.Errorf("%w: reply larger than %d bytes", ErrBadResponse, maxResponseBytes)
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return out, fmt.Errorf("%w: %w", ErrBadResponse, err)
	}
	if err := out.validate(); err != nil {
		return out, fmt.Errorf("%w: %w", ErrBadResponse, err)
	}
	return out, nil
}

func (r httpResponse) validate() error {
	if len(r.Emotions) > maxResultItems || len(r.Topics) > maxResultItems || len(r.Insights) > maxResultItems {
		return fmt.Errorf("more than %d items in a list", maxResultItems)
	}
	for i, e := range r.Emotions {
		if err := errors.Join(checkName("name", e.Name), checkName("category", e.Category), checkUnit("intensity", e.Intensity),
			checkOffset(e.OffsetSeconds), checkLen("evidence", e.Evidence, maxTextBytes)); err != nil {
			return fmt.Errorf("emotions[%d]: %w", i, err)
		}
	}
	for i, t := range r.Topics {
		if err := errors.Join(checkName("name", t.Name), checkName("category", t.Category), checkUnit("confidence", t.Confidence),
			checkOffset(t.OffsetSeconds), checkLen("evidence", t.Evidence, maxTextBytes)); err != nil {
			return fmt.Errorf("topics[%d]: %w", i, err)
		}
	}
	for i, in := range r.Insights {
		var typeErr error
		switch InsightType(in.Type) {
		case InsightGeneral, InsightBelief, InsightChallenge, InsightActionItem:
		default:
			typeErr = fmt.Errorf("type %q is not insight|belief|challenge|action_item", in.Type)
		}
		if err := errors.Join(typeErr, checkName("content", in.Content), checkLen("content", in.Content, maxTextBytes),
			checkUnit("confidence", in.Confidence), checkOffset(in.OffsetSeconds), checkLen("evidence", in.Evidence, maxTextBytes)); err != nil {
			return fmt.Errorf("insights[%d]: %w", i, err)
		}
	}
	return nil
}

func checkName(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("%s is missing or empty", field)
	}
	if field != "content" {
		return checkLen(field, v, maxNameBytes)
	}
	return nil
}

func checkLen(field, v string, max int) error {
	if len(v) > max {
		return fmt.Errorf("%s longer than %d bytes", field, max)
	}
	return nil
}

func checkUnit(field string, v *float64) error {
	if v == nil {
		return fmt.Errorf("%s is missing", field)
	}
	if math.IsNaN(*v) || *v < 0 || *v > 1 {
		return fmt.Errorf("%s %v is outside 0..1", field, *v)
	}
	return nil
}

func checkOffset(seconds float64) error {
	if math.IsNaN(seconds) || seconds < 0 || seconds > 7*24*3600 {
		return fmt.Errorf("offset_seconds %v is outside 0..604800", seconds)
	}
	return nil
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// deliver hands a validated reply to sink, stopping at ctx's or the sink's error.
func deliver(ctx context.Context, r httpResponse, sink Sink) error {
	send := func(err error) error {
		if err != nil {
			return fmt.Errorf("analysis: sink: %w", err)
		}
		return ctx.Err()
	}
	for _, e := range r.Emotions {
		if err := send(sink.Emotion(Emotion{Name: e.Name, Category: e.Category, Intensity: *e.Intensity, Offset: seconds(e.OffsetSeconds), Evidence: e.Evidence})); err != nil {
			return err
		}
	}
	for _, t := range r.Topics {
		if err := send(sink.Topic(Topic{Name: t.Name, Category: t.Category, Confidence: *t.Confidence, Offset: seconds(t.OffsetSeconds), Evidence: t.Evidence})); err != nil {
			return err
		}
	}
	for _, in := range r.Insights {
		if err := send(sink.Insight(Insight{Content: in.Content, Type: InsightType(in.Type), Confidence: *in.Confidence, Offset: seconds(in.OffsetSeconds), Evidence: in.Evidence})); err != nil {
			return err
		}
	}
	return send(sink.Progress(1))
}
