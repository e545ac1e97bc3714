package contracttests

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sessionhub/server/internal/platform/config"
	"github.com/sessionhub/server/internal/therapy"
	"github.com/sessionhub/server/internal/therapy/therapystore"
)

// TestTherapyStorageQuota413: THERAPY_STORAGE_QUOTA_BYTES bounds what one
// user stores over all their sessions: past it, uploads and create texts
// are 413 STORAGE_QUOTA_EXCEEDED naming the part, other users unaffected.
func TestTherapyStorageQuota413(t *testing.T) {
	t.Parallel()
	ts := startServer(t, createDatabase(t), func(cfg *config.Config) { cfg.TherapyStorageQuota = 1000 })
	alice, bob := newTherapyClient(t, ts, "alice"), newTherapyClient(t, ts, "bob")
	session := alice.create(`{"title": "quota"}`).SessionId
	alice.upload(session, "text", "first.txt", bytes.Repeat([]byte("a"), 600))

	ct, body := therapyMultipart(t, therapyPart{name: "type", content: []byte("text")}, therapyPart{name: "file", filename: "second.txt", content: bytes.Repeat([]byte("b"), 600)})
	status, refusal := alice.raw(http.MethodPost, "/sessions/"+session.String()+"/content", ct, body)
	requireTherapyError(t, status, refusal, http.StatusRequestEntityTooLarge, "STORAGE_QUOTA_EXCEEDED", "file")
	if want := "file does not fit in the 400 bytes left of the 1000 bytes each user may store (storage quota exceeded)"; refusal["message"] != want {
		t.Errorf("message %q, want %q", refusal["message"], want)
	}
	status, refusal = alice.raw(http.MethodPost, "/sessions", "application/json",
		therapyJSON(map[string]any{"title": "text", "inputMethod": "text", "text": strings.Repeat("c", 500)}))
	requireTherapyError(t, status, refusal, http.StatusRequestEntityTooLarge, "STORAGE_QUOTA_EXCEEDED", "text")

	bob.upload(bob.create(`{"title": "bob's"}`).SessionId, "text", "bob.txt", bytes.Repeat([]byte("d"), 600))
	alice.waitAnalysis(session)
	status, _ = alice.raw(http.MethodDelete, "/sessions/"+session.String(), "", nil)
	if status != http.StatusOK && status != http.StatusNoContent {
		t.Fatalf("delete: %d", status)
	}
	alice.upload(alice.create(`{"title": "again"}`).SessionId, "text", "again.txt", bytes.Repeat([]byte("e"), 1000))
}

// TestTherapyQuotaHoldsForConcurrentUploads: two uploads that each fit but
// not together cannot both be admitted on PostgreSQL: the second one's
// check waits for the first one's transaction and sees its content.
func TestTherapyQuotaHoldsForConcurrentUploads(t *testing.T) {
	t.Parallel()
	ts := ownServer(t, "reads the quota's state in the database")
	alice := newTherapyClient(t, ts, "alice")
	session := alice.create(`{"title": "race"}`).SessionId.String()
	store := therapystore.New(ts.srv.DB())
	content := func() therapy.Content {
		id := uuid.NewString()
		return therapy.Content{ID: id, SessionID: session, Owner: "alice", Type: "text", Filename: id, Path: "/nonexistent/" + id, Size: 600, CreatedAt: time.Now().UTC()}
	}
	admitUpTo := func(entered chan<- int64, proceed <-chan struct{}) therapy.StorageCheck {
		return func(stored int64) error {
			entered <- stored
			<-proceed
			if stored+600 > 1000 {
				return errors.New("over quota")
			}
			return nil
		}
	}

	firstEntered, firstProceed, firstDone := make(chan int64, 1), make(chan struct{}), make(chan error, 1)
	go func() {
		_, err := store.AddContent(context.Background(), content(), admitUpTo(firstEntered, firstProceed))
		firstDone <- err
	}()
	if stored := <-firstEntered; stored != 0 {
		t.Fatalf("first upload saw %d bytes stored, want 0", stored)
	}
	secondEntered, secondProceed, secondDone := make(chan int64, 1), make(chan struct{}), make(chan error, 1)
	close(secondProceed)
	go func() {
		_, err := store.AddContent(context.Background(), content(), admitUpTo(secondEntered, secondProceed))
		secondDone <- err
	}()
	select {
	case stored := <-secondEntered:
		t.Fatalf("the second upload was checked (seeing %d bytes) while the first one's check was still open", stored)
	case <-time.After(500 * time.Millisecond): // long enough for an unserialized check to show up
	}
	close(firstProceed)
	if err := <-firstDone; err != nil {
		t.Fatalf("first upload: %v", err)
	}
	if stored := <-secondEntered; stored != 600 {
		t.Fatalf("second upload saw %d bytes stored, want the first upload's 600", stored)
	}
	if err := <-secondDone; err == nil {
		t.Fatal("both uploads were admitted past the quota")
	}
}
