package contracttests

import (
	"context"
	"encoding/binary"
	"net/http"
	"testing"
	"time"

	therapygen "github.com/sessionhub/server/gen/therapy"
)

// wavFile is a minimal WAV (RIFF header and 0.1 s of silence).
func therapyWAV() []byte {
	data := make([]byte, 1600)
	b := []byte("RIFF")
	b = binary.LittleEndian.AppendUint32(b, uint32(36+len(data)))
	b = append(b, "WAVEfmt "...)
	b = binary.LittleEndian.AppendUint32(b, 16)
	b = binary.LittleEndian.AppendUint16(b, 1)
	b = binary.LittleEndian.AppendUint16(b, 1)
	b = binary.LittleEndian.AppendUint32(b, 8000)
	b = binary.LittleEndian.AppendUint32(b, 16000)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 16)
	b = append(b, "data"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	return append(b, data...)
}

func TestTherapyAnalysisResults(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	c := newTherapyClient(t, ts, "alice")
	s := c.create(string(therapyJSON(map[string]any{"title": "Therapy Session 1", "inputMethod": "text", "text": therapyWorkTranscript})))
	st := c.waitAnalysis(s.SessionId)
	if st.Status != therapygen.AnalysisStatusCompleted || st.Progress != 1 || st.Error != nil {
		t.Fatalf("analysis = %+v, want completed", st)
	}
	got := c.get(s.SessionId)
	if len(got.Emotions) == 0 || len(got.Topics) == 0 || len(got.ActionItems) == 0 {
		t.Fatalf("results of an anxious, work-related transcript with a plan: %d emotions, %d topics, %d action items",
			len(got.Emotions), len(got.Topics), len(got.ActionItems))
	}
	if got.AnalysisStatus != therapygen.AnalysisStatusCompleted || *got.InputMethod != therapygen.InputMethodText {
		t.Errorf("session = %+v", got)
	}
	first := got.Emotions[0]
	for _, e := range got.Emotions {
		if e.Timestamp.Before(got.CreatedAt) {
			t.Errorf("emotion %s at %v, before the content started (%v)", e.Name, e.Timestamp, got.CreatedAt)
		}
	}

	// Filters.
	ctx := context.Background()
	at := first.Timestamp
	cat := first.Category
	em, err := c.gen.GetEmotionsWithResponse(ctx, s.SessionId, &therapygen.GetEmotionsParams{StartTime: &at, EndTime: &at, Category: &cat}, c.auth())
	if err != nil || em.JSON200 == nil || len(em.JSON200.Data.Emotions) == 0 {
		t.Fatalf("emotions at %v in %s: %v %s", at, cat, err, em.Body)
	}
	for _, e := range em.JSON200.Data.Emotions {
		if !e.Timestamp.Equal(at) || e.Category != cat {
			t.Errorf("filtered emotion %+v outside the filter", e)
		}
	}
	late := got.UpdatedAt.Add(time.Hour)
	tp, err := c.gen.GetTopicsWithResponse(ctx, s.SessionId, &therapygen.GetTopicsParams{StartTime: &late}, c.auth())
	if err != nil || tp.JSON200 == nil || len(tp.JSON200.Data.Topics) != 0 {
		t.Fatalf("topics an hour after the analysis: %v %s", err, tp.Body)
	}
	kind := therapygen.InsightTypeActionItem
	in, err := c.gen.GetInsightsWithResponse(ctx, s.SessionId, &therapygen.GetInsightsParams{Type: &kind}, c.auth())
	if err != nil || in.JSON200 == nil || len(in.JSON200.Data.Insights) != len(got.ActionItems) {
		t.Fatalf("action items: %v %s", err, in.Body)
	}
	base := "/sessions/" + s.SessionId.String()
	for _, tc := range []struct{ path, field string }{
		{base + "/emotions?start_time=yesterday", "start_time"},
		{base + "/emotions?end_time=2024-13-01T00:00:00Z", "end_time"},
		{base + "/emotions?category=", "category"},
		{base + "/topics?start_time=2024-03-20T15:00:00Z&end_time=2024-03-20T14:00:00Z", "end_time"},
		{base + "/topics?end_time=noon", "end_time"},
		{base + "/insights?type=thought", "type"},
		{base + "/insights?start_time=2024", "start_time"},
	} {
		status, body := c.raw(http.MethodGet, tc.path, "", nil)
		requireTherapyError(t, status, body, 400, "VALIDATION_ERROR", tc.field)
	}
}

func TestTherapyAudioWithoutTranscriberFails(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	c := newTherapyClient(t, ts, "alice")
	s := c.create(`{"title": "voice memo", "inputMethod": "audio"}`)
	none := c.get(s.SessionId)
	if none.AnalysisStatus != therapygen.AnalysisStatusPending {
		t.Errorf("before any content: %s, want pending", none.AnalysisStatus)
	}
	c.upload(s.SessionId, "audio", "memo.wav", therapyWAV())
	st := c.waitAnalysis(s.SessionId)
	if st.Status != therapygen.AnalysisStatusFailed || st.Error == nil || *st.Error != "audio analysis needs a transcriber, and none is configured" {
		t.Errorf("audio analysis = %+v, want failed with the transcriber message", st)
	}
}

// TestTherapy500 runs the API on a server whose database has gone away:
// every operation answers the documented 500 body.
func TestTherapy500(t *testing.T) {
	t.Parallel()
	ts := ownServer(t, "closes the database")
	c := newTherapyClient(t, ts, "alice")
	id := c.create(`{"title": "before"}`).SessionId.String()
	if err := ts.srv.DB().Close(); err != nil {
		t.Fatal(err)
	}
	ct, upload := therapyMultipart(t, therapyPart{name: "type", content: []byte("text")}, therapyPart{name: "file", filename: "a", content: []byte("a")})
	for _, op := range []struct {
		method, path, ct string
		body             []byte
	}{
		{"GET", "/sessions", "", nil}, {"POST", "/sessions", "application/json", []byte(`{"title":"x"}`)},
		{"GET", "/sessions/" + id, "", nil}, {"PUT", "/sessions/" + id, "application/json", []byte(`{}`)},
		{"DELETE", "/sessions/" + id, "", nil}, {"POST", "/sessions/" + id + "/content", ct, upload},
		{"GET", "/sessions/" + id + "/analysis/status", "", nil}, {"GET", "/sessions/" + id + "/emotions", "", nil},
		{"GET", "/sessions/" + id + "/topics", "", nil}, {"GET", "/sessions/" + id + "/insights", "", nil},
	} {
		status, body := c.raw(op.method, op.path, op.ct, op.body)
		requireTherapyError(t, status, body, 500, "INTERNAL_ERROR", "")
		if body["message"] != "Internal error" {
			t.Errorf("%s %s: message %v", op.method, op.path, body["message"])
		}
	}
}
