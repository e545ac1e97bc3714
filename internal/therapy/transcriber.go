package therapy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
)

// HTTPTranscriber sends stored audio or video to an external service:
// POST <url>?type=audio|video with the file as the body; the service answers
// 200 with {"text": "..."}.
type HTTPTranscriber struct {
	URL    string
	Client *http.Client
}

// maxTranscriptBytes bounds what a transcriber may answer.
const maxTranscriptBytes = 16 << 20

func (t HTTPTranscriber) Transcribe(ctx context.Context, path, kind string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("open content: %w", err)
	}
	defer f.Close()
	u, err := url.Parse(t.URL)
	if err != nil {
		return "", fmt.Errorf("transcriber URL: %w", err)
	}
	q := u.Query()
	q.Set("type", kind)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), f)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := t.Client.Do(req)
	if err != nil {
		return "", fmt.Errorf("transcriber unreachable: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("transcriber answered HTTP %d", resp.StatusCode)
	}
	var out struct {
		Text string `json:"text"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxTranscriptBytes)).Decode(&out); err != nil {
		return "", fmt.Errorf("transcriber answer is not {\"text\": ...}: %w", err)
	}
	return out.Text, nil
}
